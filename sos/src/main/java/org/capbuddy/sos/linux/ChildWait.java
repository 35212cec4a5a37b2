package org.capbuddy.sos.linux;

/**
 * What blocks a process until one of its children ends: wait4, with its arguments ({@code pid},
 * where to write the status and the resource usage, the options); a vfork parent waiting for its
 * child ({@code vforkChild}); or a wait for a signal with nothing else to end it
 * ({@code signalWait}: pause, sigsuspend), which a child's exit signal may end.
 */
record ChildWait(int pid, long status, int options, long rusage, int vforkChild, String signalWait) {
    static ChildWait wait4(int pid, long status, int options, long rusage) {
        return new ChildWait(pid, status, options, rusage, 0, null);
    }

    static ChildWait vfork(int child) {
        return new ChildWait(0, 0, 0, 0, child, null);
    }

    static ChildWait signal(String call) {
        return new ChildWait(0, 0, 0, 0, 0, call);
    }
}
