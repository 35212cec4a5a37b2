package org.capbuddy.kernel.object;

/**
 * The root of an AArch64 address space ({@code seL4_ARM_VSpaceObject}, level 0). Its ASID is set
 * by ASIDPool_Assign. The translation epoch changes whenever a translation in this address space
 * is removed or changed, so that software TLBs above the kernel know when to flush.
 */
public final class VSpace extends TranslationTable {
    private int asid;
    private long translationEpoch;

    public VSpace(long paddr) {
        super(paddr);
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
    }

    @Override
    public String kindName() {
        return "VSpace";
    }
}
