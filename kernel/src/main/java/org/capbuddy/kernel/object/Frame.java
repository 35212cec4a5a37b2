package org.capbuddy.kernel.object;

import org.capbuddy.kernel.api.InvocationResult;

/** A frame of 4 KiB, 2 MiB or 1 GiB (SmallPage, LargePage, HugePage), RAM or device memory. */
public final class Frame extends KernelObject {
    private final boolean device;
    /** Page_GetAddress's reply, made on first use: the address never changes, and replies are immutable. */
    private InvocationResult addressReply;

    public Frame(long paddr, int sizeBits, boolean device) {
        super(paddr, sizeBits);
        this.device = device;
    }

    public boolean isDevice() {
        return device;
    }

    /** The successful reply to {@code seL4_ARM_Page_GetAddress}: MR0 is the physical address. */
    public InvocationResult addressReply() {
        if (addressReply == null) {
            addressReply = InvocationResult.ok(paddr());
        }
        return addressReply;
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
