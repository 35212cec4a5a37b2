package org.capbuddy.sos.run;

import org.capbuddy.sos.process.KillReport;

/**
 * One process of a run, as its report lists it: its pid and its parent's (0: SOS, for the
 * process the run started), how it ended (or that it was still running when the run ended), its
 * exit code or kill report, and what it cost: instructions, faults SOS handled, system calls.
 */
public record ProcessSummary(int pid, int parent, ProgramOutcome outcome, long exitCode, KillReport killReport,
        long instructions, long faultsHandled, long systemCalls) {

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
