package org.capbuddy.kernel.boot;

/** One entry of the boot info's untyped list ({@code seL4_UntypedDesc}). */
public record UntypedDescriptor(long cptr, long paddr, int sizeBits, boolean device) {

    public long size() {
        return 1L << sizeBits;
    }
}
