package org.capbuddy.kernel.object;

import org.capbuddy.kernel.api.VmRights;
import org.capbuddy.kernel.cap.Cap;

/**
 * A frame of 4 KiB, 2 MiB or 1 GiB (SmallPage, LargePage, HugePage), RAM or device memory. In
 * seL4 a frame is nothing but its memory; the model keeps one small object per frame (24 host
 * bytes) because caps and mappings name it by identity and deletion marks it dead. Nothing else
 * is kept per frame: Page_GetAddress's replies are cached per kernel
 * ({@code AddressReplies}), not here.
 *
 * <p>The frame is also its own original cap: read-write and unmapped, as Retype makes it (see
 * {@link Cap.FrameCap}). Such a cap holds nothing its frame does not, so a frame handed out and
 * never mapped costs a slot and this object, and no cap object besides. As an object it prints
 * as its kind and address; {@link Cap#text} prints it as a cap.
 */
public final class Frame extends KernelObject implements Cap.FrameCap {
    private final boolean device;

    public Frame(long paddr, int sizeBits, boolean device) {
        super(paddr, sizeBits);
        this.device = device;
    }

    public boolean isDevice() {
        return device;
    }

    // ---- as its own original cap: read-write, no mapping

    @Override
    public Frame frame() {
        return this;
    }

    @Override
    public VmRights rights() {
        return VmRights.READ_WRITE;
    }

    @Override
    public int mappedAsid() {
        return 0;
    }

    @Override
    public long mappedVaddr() {
        return 0;
    }

    @Override
    public Frame object() {
        return this;
    }

    @Override
    public boolean isMapped() {
        return false;
    }

    @Override
    public Cap.FrameCap unmapped() {
        return this;
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
