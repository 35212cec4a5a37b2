package org.capbuddy.cli.run;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import java.util.List;
import java.util.Map;
import org.capbuddy.cli.common.MachineWords;
import org.capbuddy.cli.demo.DemoReport;
import org.capbuddy.kernel.api.CdtDump;
import org.capbuddy.libos.capbuddy.PoolDump;
import org.capbuddy.sos.frametable.FrameTableDump;
import org.capbuddy.sos.inspect.ProcessDump;
import org.capbuddy.sos.inspect.StopReport;

/**
 * What {@code capbuddy run} reports, in the shape its JSON takes ({@code dump}, {@code frames}, {@code cdt} and,
 * when SOS runs on the CapBuddy pool, {@code pool}, only with {@code --dump}).
 */
public record RunReport(
        String program,
        List<String> argv,
        DemoReport.Machine machine,
        String outcome,
        Long exitCode,
        Kill kill,
        String detail,
        String console,
        long instructions,
        Translation translation,
        Map<String, Long> systemCalls,
        Map<String, Long> unknownSystemCalls,
        Map<String, Long> refusedSystemCalls,
        Map<String, Long> signalsDelivered,
        long faultsHandled,
        long framesMapped,
        long pagingStructures,
        List<ProcessLine> processes,
        DemoReport.Kernel kernel,
        DemoReport.Teardown teardown,
        ProcessDump dump,
        FrameTableDump frames,
        PoolDump pool,
        CdtDump cdt,
        @JsonInclude(JsonInclude.Include.NON_NULL) DemoReport.Paging paging,
        @JsonInclude(JsonInclude.Include.NON_NULL) DemoReport.Sharing sharing) {

    /**
     * One process of the run: its pid, its parent's (0: SOS, for the one the run started, or for
     * an orphan SOS reaped), how it ended ("exit 7", "killed by SIGSEGV", ...), its exit code or
     * the signal it died of (null otherwise), its instructions, faults and system calls, the
     * programs it ran (the one it started with, then each it exec'd, by the path passed to
     * execve) and how many times it exec'd.
     */
    public record ProcessLine(int pid, int parent, String outcome, Long exitCode, Integer signal, long instructions,
                              long faultsHandled, long systemCalls, List<String> images, int execs) {
        static ProcessLine of(org.capbuddy.sos.run.ProcessSummary p) {
            boolean exited = p.outcome() == org.capbuddy.sos.run.ProgramOutcome.EXITED;
            boolean killed = p.outcome() == org.capbuddy.sos.run.ProgramOutcome.KILLED && p.killReport() != null;
            return new ProcessLine(p.pid(), p.parent(), p.outcomeText(), exited ? p.exitCode() : null,
                    killed ? p.killReport().signal() : null, p.instructions(), p.faultsHandled(), p.systemCalls(),
                    p.images(), p.execs());
        }
    }

    /**
     * The interpreter's translation: the entry count at which blocks were translated (0: never),
     * the instructions retired in translated blocks, the blocks translated, and the calls from the
     * interpreter's loop into translated code (a region entered counts once, however many of its
     * blocks run).
     */
    public record Translation(int after, long instructions, long blocks, long entries) {
    }

    /**
     * A kill report: the address, the access, the region (or null) and why, the PC it stopped at,
     * and where it stopped (instruction, registers, the walk of the address, the regions); the
     * signal a Linux process would have died of (11, SIGSEGV, for SOS's kills for an access or an
     * instruction) and whether the process sent it itself (abort, raise, kill), when the address
     * is that of its system call. The address and PC are numbers, as every address in the report
     * is, unsigned (a kernel-half address has its top bit set). {@code function} is where the PC
     * is by the program's symbols ({@code main+0x58}), null when no symbol holds it (a stripped program).
     */
    public record Kill(@JsonSerialize(using = MachineWords.Unsigned.class) long address, String access, String region,
            String reason, @JsonSerialize(using = MachineWords.Unsigned.class) long pc, String function, StopReport stop,
            int signal, boolean sent) {
    }
}
