package org.capbuddy.sos.linux;

/**
 * A wait for a child that blocks its process: wait4's arguments ({@code pid}, where to write the
 * status and the resource usage, the options), or a vfork parent waiting for its child to end
 * ({@code vforkChild}, 0 for a wait4).
 */
record ChildWait(int pid, long status, int options, long rusage, int vforkChild) {
    static ChildWait wait4(int pid, long status, int options, long rusage) {
        return new ChildWait(pid, status, options, rusage, 0);
    }

    static ChildWait vfork(int child) {
        return new ChildWait(0, 0, 0, 0, child);
    }
}
