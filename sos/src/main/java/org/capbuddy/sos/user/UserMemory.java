package org.capbuddy.sos.user;

/**
 * The view a user-level library has of its process: loads and stores through the process's
 * address space, and the {@code brk} system call that moves the end of its heap region.
 *
 * <p>It is deliberately the whole interface {@link UserMalloc} may use, so that the allocator
 * keeps every byte of its state where a C allocator would: in user memory.
 */
public interface UserMemory {
    /** Loads size (1,2,4,8) bytes little-endian at vaddr; a fault is reported as MemoryFault (checked exception). */
    long load(long vaddr, int size) throws MemoryFault;

    /** Stores the low size (1,2,4,8) bytes of value little-endian at vaddr. */
    void store(long vaddr, int size, long value) throws MemoryFault;

    /** The brk syscall: sets the program break to newBreak (0 = just query) and returns the break now in force; on failure returns the old break unchanged (as Linux brk does). */
    long brk(long newBreak);
}
