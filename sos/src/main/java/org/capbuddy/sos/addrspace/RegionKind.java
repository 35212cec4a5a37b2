package org.capbuddy.sos.addrspace;

/** What a region of a process's address space is for. */
public enum RegionKind {
    CODE,
    DATA,
    HEAP,
    STACK,
    IPC_BUFFER,
    MMAP
}
