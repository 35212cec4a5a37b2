package org.capbuddy.kernel.object;

/**
 * A frame of 4 KiB, 2 MiB or 1 GiB (SmallPage, LargePage, HugePage), RAM or device memory. In
 * seL4 a frame is nothing but its memory; the model keeps one small object per frame (24 host
 * bytes) because caps and mappings name it by identity and deletion marks it dead. Nothing else
 * is kept per frame: Page_GetAddress's replies are cached per kernel
 * ({@code AddressReplies}), not here.
 */
public final class Frame extends KernelObject {
    private final boolean device;

    public Frame(long paddr, int sizeBits, boolean device) {
        super(paddr, sizeBits);
        this.device = device;
    }

    public boolean isDevice() {
        return device;
    }

    @Override
    public String kindName() {
        return switch (sizeBits()) {
            case 12 -> "SmallPage";
            case 21 -> "LargePage";
            default -> "HugePage";
        };
    }
}
