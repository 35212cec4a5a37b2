package org.capbuddy.kernel.api;

/**
 * ARM page attributes ({@code seL4_ARM_VMAttributes}): bit 0 cacheable, bit 1 parity (ignored),
 * bit 2 execute-never. The default is cacheable + parity = 3.
 */
public final class VmAttributes {
    public static final long PAGE_CACHEABLE = 0x1;
    public static final long PARITY_ENABLED = 0x2;
    public static final long EXECUTE_NEVER = 0x4;
    public static final long DEFAULT = PAGE_CACHEABLE | PARITY_ENABLED;

    private VmAttributes() {
    }
}
