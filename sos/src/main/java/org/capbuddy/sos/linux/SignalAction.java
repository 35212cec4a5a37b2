package org.capbuddy.sos.linux;

/**
 * What a process asked rt_sigaction to do with one signal, as Linux's {@code struct k_sigaction}
 * for arm64 holds it: the handler (0 = SIG_DFL, 1 = SIG_IGN, else an address), the flags (the
 * known ones only), the restorer a handler returns to with SA_RESTORER, and the signals blocked
 * while the handler runs (never SIGKILL or SIGSTOP).
 */
record SignalAction(long handler, long flags, long restorer, long mask) {
    static final long SIG_DFL = 0;
    static final long SIG_IGN = 1;
    static final long SA_SIGINFO = 0x4;
    static final long SA_ONSTACK = 0x0800_0000L;
    static final long SA_RESTORER = 0x0400_0000L;
    static final long SA_NODEFER = 0x4000_0000L;
    static final long SA_RESETHAND = 0x8000_0000L;
    /** A call the signal interrupts is made again once its handler returns (wait4, waitid, read, ...). */
    static final long SA_RESTART = 0x1000_0000L;
    /**
     * Linux's UAPI_SA_FLAGS with arm64's SA_RESTORER: SA_NOCLDSTOP, SA_NOCLDWAIT, SA_SIGINFO,
     * SA_EXPOSE_TAGBITS, SA_RESTORER, SA_ONSTACK, SA_RESTART, SA_NODEFER, SA_RESETHAND. Since 5.11
     * Linux keeps only these, so an unknown bit does not read back.
     */
    static final long KNOWN_FLAGS = 0x1 | 0x2 | SA_SIGINFO | 0x800 | SA_RESTORER | SA_ONSTACK | SA_RESTART
            | SA_NODEFER | SA_RESETHAND;

    static final SignalAction DEFAULT = new SignalAction(SIG_DFL, 0, 0, 0);

    boolean isHandler() {
        return handler != SIG_DFL && handler != SIG_IGN;
    }

    boolean has(long flag) {
        return (flags & flag) != 0;
    }
}
