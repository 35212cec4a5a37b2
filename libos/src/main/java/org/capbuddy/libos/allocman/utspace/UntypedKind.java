package org.capbuddy.libos.allocman.utspace;

/** Where an untyped comes from (allocman's {@code ALLOCMAN_UT_KERNEL / DEV / DEV_MEM}). */
public enum UntypedKind {
    /** RAM the kernel gave as ordinary untyped. */
    RAM,
    /** Device memory of unknown kind. */
    DEVICE,
    /** Device untyped that covers RAM (usable as memory, but never zeroed by the kernel). */
    DEVICE_RAM
}
