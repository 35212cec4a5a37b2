package org.capbuddy.sos.run;

import java.util.List;
import org.capbuddy.sos.process.KillReport;

/**
 * One process of a run, as its report lists it: its pid and its parent's (0: SOS, for the
 * process the run started), how it ended (or that it was still running when the run ended), its
 * exit code or kill report, what it cost (instructions, faults SOS handled, system calls, over
 * every program it ran), and the programs it ran: the one it started with (a forked process its
 * parent's at the fork), then each one it exec'd, by the path it passed to execve.
 */
public record ProcessSummary(int pid, int parent, ProgramOutcome outcome, long exitCode, KillReport killReport,
        long instructions, long faultsHandled, long systemCalls, List<String> images) {

    public ProcessSummary {
        images = images == null ? List.of() : List.copyOf(images);
    }

    /** A process whose programs are not named. */
    public ProcessSummary(int pid, int parent, ProgramOutcome outcome, long exitCode, KillReport killReport,
            long instructions, long faultsHandled, long systemCalls) {
        this(pid, parent, outcome, exitCode, killReport, instructions, faultsHandled, systemCalls, List.of());
    }

    /** How many times it exec'd. */
    public int execs() {
        return Math.max(0, images.size() - 1);
    }

    /** "exit 7", "killed by SIGSEGV", "stopped at the instruction limit", ... */
    public String outcomeText() {
        return switch (outcome) {
            case EXITED -> "exit " + exitCode;
            case KILLED -> "killed by " + KillReport.signalName(killReport == null ? KillReport.SIGSEGV : killReport.signal());
            case INSTRUCTION_LIMIT -> "running at the instruction limit";
            case STOPPED -> "stopped";
            case REFUSED -> "refused";
        };
    }
}
