package org.capbuddy.sos.linux;

/**
 * What blocks a process until one of its children ends: wait4, with its arguments ({@code pid},
 * where to write the status and the resource usage, the options; for pid 0 and -pgid, the process
 * group it asks for in {@code group}, resolved at the call as Linux's kernel_wait4 does); waitid,
 * its children chosen by pid ({@code pid}, -1 for all) or by process group ({@code group}, not 0),
 * its siginfo written at
 * {@code infop} ({@code waitid}); a vfork parent waiting for its child ({@code vforkChild}); or a
 * wait for a signal with nothing else to end it ({@code signalWait}: pause, sigsuspend, ppoll
 * without descriptors, or rt_sigtimedwait, whose set, mask before and timeout are {@code take}),
 * which a child's exit signal or another process's kill may end.
 */
record ChildWait(int pid, long status, int options, long rusage, int vforkChild, String signalWait, boolean waitid,
                 int group, long infop, SignalTake take) {
    static ChildWait wait4(int pid, int group, long status, int options, long rusage) {
        return new ChildWait(pid, status, options, rusage, 0, null, false, group, 0, null);
    }

    static ChildWait waitid(int pid, int group, long infop, int options, long rusage) {
        return new ChildWait(pid, 0, options, rusage, 0, null, true, group, infop, null);
    }

    static ChildWait vfork(int child) {
        return new ChildWait(0, 0, 0, 0, child, null, false, 0, 0, null);
    }

    /** A wait for a signal in {@code call}; {@code take} an rt_sigtimedwait's, null for the others. */
    static ChildWait signal(String call, SignalTake take) {
        return new ChildWait(0, 0, 0, 0, 0, call, false, 0, 0, take);
    }
}
