package org.capbuddy.kernel.boot;

/** A fixed initial cap in the root CNode, by seL4's slot number and name. */
public enum InitialCap {
    NULL(0),
    INIT_THREAD_TCB(1),
    INIT_THREAD_CNODE(2),
    INIT_THREAD_VSPACE(3),
    IRQ_CONTROL(4),
    ASID_CONTROL(5),
    INIT_THREAD_ASID_POOL(6),
    IO_PORT_CONTROL(7),
    IO_SPACE(8),
    BOOT_INFO_FRAME(9),
    INIT_THREAD_IPC_BUFFER(10),
    DOMAIN(11),
    SMMU_SID_CONTROL(12),
    SMMU_CB_CONTROL(13),
    INIT_THREAD_SC(14),
    SMC(15);

    /** {@code seL4_NumInitialCaps}. */
    public static final int COUNT = 16;

    private final int slot;

    InitialCap(int slot) {
        this.slot = slot;
    }

    public long cptr() {
        return slot;
    }
}
