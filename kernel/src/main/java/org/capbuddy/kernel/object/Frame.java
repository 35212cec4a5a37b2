package org.capbuddy.kernel.object;

/** A frame of 4 KiB, 2 MiB or 1 GiB (SmallPage, LargePage, HugePage), RAM or device memory. */
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
