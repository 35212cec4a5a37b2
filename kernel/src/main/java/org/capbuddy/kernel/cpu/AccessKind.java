package org.capbuddy.kernel.cpu;

/** The kind of a user memory access, as the MMU checks it against a page's rights. */
public enum AccessKind {
    READ,
    WRITE,
    EXECUTE
}
