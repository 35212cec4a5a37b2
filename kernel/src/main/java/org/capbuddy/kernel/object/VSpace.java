package org.capbuddy.kernel.object;

import java.util.Objects;
import org.capbuddy.kernel.memory.HostViewClock;

/**
 * The root of an AArch64 address space ({@code seL4_ARM_VSpaceObject}, level 0). Its ASID is set
 * by ASIDPool_Assign. The translation epoch changes whenever a translation in this address space
 * is removed or changed, so that software TLBs above the kernel know when to flush; the machine's
 * {@link HostViewClock} ticks with it.
 */
public final class VSpace extends TranslationTable {
    private int asid;
    private long translationEpoch;
    private final HostViewClock viewClock;

    public VSpace(long paddr, HostViewClock viewClock) {
        super(paddr);
        this.viewClock = Objects.requireNonNull(viewClock, "a VSpace needs its machine's host-view clock");
    }

    public int asid() {
        return asid;
    }

    public void setAsid(int asid) {
        this.asid = asid;
    }

    public long translationEpoch() {
        return translationEpoch;
    }

    public void translationsChanged() {
        translationEpoch++;
        viewClock.tick();
    }

    @Override
    public String kindName() {
        return "VSpace";
    }
}
