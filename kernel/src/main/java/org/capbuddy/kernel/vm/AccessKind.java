package org.capbuddy.kernel.vm;

/** The kind of a user memory access, as the MMU checks it against a page's rights. */
public enum AccessKind {
    READ,
    WRITE,
    EXECUTE
}
