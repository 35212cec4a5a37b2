package org.capbuddy.sos.addrspace;

/** What a region of a process's address space is for. */
public enum RegionKind {
    CODE,
    DATA,
    HEAP,
    STACK,
    IPC_BUFFER,
    MMAP,
    /** SOS's signal page: the code that enters and leaves a signal handler (read-only, executable). */
    SIGPAGE;

    /** The name reports, traces and dumps use: {@code code}, {@code ipc_buffer}. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
