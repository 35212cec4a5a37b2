package org.capbuddy.sos.linux;

/**
 * One instance of a pending signal: the si_code it was sent with, whether its siginfo names the
 * sender (si_pid and si_uid; not for one the kernel sends of itself, nor for one Linux had no
 * queue entry for), the sending process's pid when another process sent it (0 when the receiver
 * sent it to itself), the call that sent it, for the kill report, and for a child's exit signal
 * what its siginfo says of the child ({@code child}; null for any other signal).
 */
record PendingSignal(int code, boolean named, int sender, String call, ChildExit child) {
    PendingSignal(int code, boolean named, int sender, String call) {
        this(code, named, sender, call, null);
    }

    PendingSignal(int code, boolean named, String call) {
        this(code, named, 0, call);
    }

    /** The 128-byte siginfo of this instance of {@code signal}, as {@code receiver} is given it. */
    byte[] siginfo(int signal, int receiver) {
        return child != null ? SignalFrame.childSiginfo(signal, child)
                : SignalFrame.siginfo(signal, code, false, 0, senderPid(receiver));
    }

    /** The si_pid of its siginfo, as {@code receiver} is given it. */
    int senderPid(int receiver) {
        return !named ? 0 : sender != 0 ? sender : receiver;
    }
}
