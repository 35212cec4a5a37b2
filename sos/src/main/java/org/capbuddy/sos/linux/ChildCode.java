package org.capbuddy.sos.linux;

/**
 * How a child ended, as a SIGCHLD's and waitid's si_code say it: CLD_EXITED (it called exit) or
 * CLD_KILLED (a signal ended it). SOS's children neither dump core, stop nor continue, so Linux's
 * CLD_DUMPED, CLD_TRAPPED, CLD_STOPPED and CLD_CONTINUED never occur.
 */
enum ChildCode {
    CLD_EXITED(1),
    CLD_KILLED(2);

    /** A wait status's low seven bits: the signal that ended the process, 0 for an exit. */
    static final int TERM_SIGNAL = 0x7F;

    private final int code;

    ChildCode(int code) {
        this.code = code;
    }

    /** Linux's number for it. */
    int code() {
        return code;
    }

    /** How the process whose Linux wait status is {@code status} ended. */
    static ChildCode of(int status) {
        return (status & TERM_SIGNAL) == 0 ? CLD_EXITED : CLD_KILLED;
    }

    /** si_status for it: the exit code of an exit, the signal of a kill. */
    static int statusOf(int status) {
        return of(status) == CLD_EXITED ? status >> 8 & 0xFF : status & TERM_SIGNAL;
    }
}
