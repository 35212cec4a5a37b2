package org.capbuddy.sos.process;

import org.capbuddy.kernel.cpu.AccessKind;

/**
 * Why SOS killed a process: the faulting address, what the access was, the region it fell in
 * (its kind's {@code RegionKind.label()}, or null for none) and the reason in words; and the
 * signal a Linux process would have died of: SIGSEGV for an access SOS refuses, SIGILL, SIGTRAP or
 * SIGBUS for an undefined instruction, a breakpoint or a misaligned access, SIGKILL when a page
 * fault finds no memory (as from Linux's OOM killer); a kill by a signal the
 * process sent itself ({@link #sent}: abort(), raise(), kill(getpid(), ...)) carries that signal,
 * with the address of its system call.
 */
public record KillReport(long address, AccessKind access, String region, String reason, int signal, boolean sent) {
    public static final int SIGSEGV = 11;

    /** A kill by SOS for an access it refuses (SIGSEGV). */
    public KillReport(long address, AccessKind access, String region, String reason) {
        this(address, access, region, reason, SIGSEGV, false);
    }

    /** The default action of {@code signal}, which the process sent itself with the system call at {@code pc}. */
    public static KillReport bySignal(int signal, long pc, String region, String reason) {
        return new KillReport(pc, AccessKind.EXECUTE, region, reason, signal, true);
    }

    /** The signal's name, such as "SIGABRT", or "signal 40" for a real-time one. */
    public static String signalName(int signal) {
        return signal > 0 && signal < SIGNAL_NAMES.length ? SIGNAL_NAMES[signal] : "signal " + signal;
    }

    private static final String[] SIGNAL_NAMES = {"", "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE",
            "SIGKILL", "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD",
            "SIGCONT", "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM",
            "SIGPROF", "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS"};

    /** "write at 0x… (region): reason" for an access; "by SIGABRT (signal 6) at pc 0x…: reason" for a signal. */
    public String summary() {
        if (sent) {
            return String.format("by %s (signal %d) at pc 0x%x: %s", signalName(signal), signal, address, reason);
        }
        return String.format("%s at 0x%x (%s): %s", access.name().toLowerCase(java.util.Locale.ROOT), address,
                region == null ? "no region" : region, reason);
    }

    @Override
    public String toString() {
        return "killed" + (sent ? " " : ": ") + summary();
    }
}
