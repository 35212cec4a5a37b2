package org.capbuddy.sos.run;

import java.util.List;
import java.util.Map;
import org.capbuddy.sos.inspect.StopReport;
import org.capbuddy.sos.process.KillReport;

/**
 * What running one program in SOS gave: how it ended, its exit status or kill report, its console
 * output, and what it cost: instructions, system calls by name (and the numbers SOS answered with
 * ENOSYS), faults SOS handled, frames mapped and paging structures created for it, the instruction
 * where it stopped.
 *
 * @param detail for REFUSED and STOPPED, why; otherwise the runner's last word
 * @param lastPc the PC when the run ended (the faulting or killing instruction for a kill)
 * @param initialSp the stack pointer the program started with
 * @param lowestStackPage the lowest stack page it touched
 * @param mmapAddresses the addresses mmap returned to it, in order
 * @param translated of {@code instructions}, those retired in code the interpreter had translated
 *     into JVM methods; the blocks it translated, and how often its loop called into them
 * @param stopReport for a killed program, its instruction, registers, the walk of the faulting
 *     address and its regions; otherwise null
 * @param refusedSystemCalls what SOS answered with ENOSYS in calls it serves (stopping the process, say),
 *     in words, with counts
 * @param signalsDelivered how many times SOS entered each of the program's signal handlers, by
 *     signal name, in the order each was first entered
 * @param processes every process of the run, the one it started first, then those forked, by pid
 *     (instructions above are the run's total over them all)
 * @param readStandardInput whether a process of the run read the run's standard input (through any
 *     descriptor naming it; a pipe is not standard input)
 * @param lastFunction for a killed program, where {@code lastPc} is by the symbols of the program
 *     its process ran last (the one it exec'd, if it did), as objdump writes it ({@code main+0x58});
 *     null otherwise or without a symbol there
 */
public record ProgramResult(ProgramOutcome outcome, long exitCode, KillReport killReport, String detail,
        String console, long instructions, Map<String, Long> systemCalls, Map<Long, Long> unknownSystemCalls,
        long faultsHandled, long framesMapped, long pagingStructures, long lastPc, long initialSp,
        long lowestStackPage, List<Long> mmapAddresses, TranslationCounts translated,
        StopReport stopReport, Map<String, Long> refusedSystemCalls, Map<String, Long> signalsDelivered,
        List<ProcessSummary> processes, boolean readStandardInput, String lastFunction) {
}
