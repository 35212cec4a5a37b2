package org.capbuddy.sos.user;

/**
 * A user-level memory access that cannot complete: the address is outside every region of the
 * process, or the page behind it could not be provided. It is also raised by {@link UserMalloc}
 * when it finds its own metadata overwritten, which is how C allocators {@code abort()}.
 *
 * <p>Checked on purpose: a user program that touches bad memory is killed, and the runtime that
 * runs user code must decide where that happens, so the compiler makes every caller say so.
 */
public final class MemoryFault extends Exception {
    private static final long serialVersionUID = 1L;

    private final long address;
    private final String reason;

    /**
     * @param address the faulting virtual address
     * @param reason  why the access failed, for the message that reports the kill
     */
    public MemoryFault(long address, String reason) {
        super(String.format("memory fault at 0x%x: %s", address, reason));
        this.address = address;
        this.reason = reason;
    }

    /** The faulting virtual address. */
    public long address() {
        return address;
    }

    /** Why the access failed. */
    public String reason() {
        return reason;
    }
}
