package org.capbuddy.kernel.api;

/**
 * Invocation labels with the numbers libsel4 generates for AArch64, non-MCS, single core, no
 * hypervisor and no debug API, in seL4 15.0.0 and later (generic labels, then the aarch64 ones,
 * then the ARM ones). Earlier releases number them differently.
 *
 * <p>The model implements the labels that create, move, delete and map memory, and the ARM
 * cache-maintenance labels (their checks run; with no caches modelled, a flush does nothing). The
 * others are listed so that a raw invocation of one is decoded as seL4 would see it (and refused
 * where the model does not implement it, see {@link #implemented()}).
 */
public enum InvocationLabel {
    INVALID_INVOCATION(0),
    UNTYPED_RETYPE(1),
    TCB_READ_REGISTERS(2),
    TCB_WRITE_REGISTERS(3),
    TCB_COPY_REGISTERS(4),
    TCB_CONFIGURE(5),
    TCB_SET_PRIORITY(6),
    TCB_SET_MC_PRIORITY(7),
    TCB_SET_SCHED_PARAMS(8),
    TCB_SET_IPC_BUFFER(9),
    TCB_SET_SPACE(10),
    TCB_SUSPEND(11),
    TCB_RESUME(12),
    TCB_BIND_NOTIFICATION(13),
    TCB_UNBIND_NOTIFICATION(14),
    TCB_SET_TLS_BASE(15),
    TCB_SET_FLAGS(16),
    CNODE_REVOKE(17),
    CNODE_DELETE(18),
    CNODE_CANCEL_BADGED_SENDS(19),
    CNODE_COPY(20),
    CNODE_MINT(21),
    CNODE_MOVE(22),
    CNODE_MUTATE(23),
    CNODE_ROTATE(24),
    CNODE_SAVE_CALLER(25),
    IRQ_ISSUE_IRQ_HANDLER(26),
    IRQ_ACK_IRQ(27),
    IRQ_SET_IRQ_HANDLER(28),
    IRQ_CLEAR_IRQ_HANDLER(29),
    DOMAIN_SET_SET(30),
    DOMAIN_SCHEDULE_CONFIGURE(31),
    DOMAIN_SCHEDULE_SET_START(32),
    ARM_VSPACE_CLEAN_DATA(33),
    ARM_VSPACE_INVALIDATE_DATA(34),
    ARM_VSPACE_CLEAN_INVALIDATE_DATA(35),
    ARM_VSPACE_UNIFY_INSTRUCTION(36),
    ARM_SMC_CALL(37),
    ARM_PAGE_TABLE_MAP(38),
    ARM_PAGE_TABLE_UNMAP(39),
    ARM_PAGE_MAP(40),
    ARM_PAGE_UNMAP(41),
    ARM_PAGE_CLEAN_DATA(42),
    ARM_PAGE_INVALIDATE_DATA(43),
    ARM_PAGE_CLEAN_INVALIDATE_DATA(44),
    ARM_PAGE_UNIFY_INSTRUCTION(45),
    ARM_PAGE_GET_ADDRESS(46),
    ARM_ASID_CONTROL_MAKE_POOL(47),
    ARM_ASID_POOL_ASSIGN(48),
    ARM_IRQ_ISSUE_IRQ_HANDLER_TRIGGER(49),
    ARM_IRQ_ISSUE_SGI_SIGNAL(50);

    private static final InvocationLabel[] BY_NUMBER = values();

    private final int number;

    InvocationLabel(int number) {
        this.number = number;
    }

    public int number() {
        return number;
    }

    /** The label with this number, or {@link #INVALID_INVOCATION} for a number seL4 does not define. */
    public static InvocationLabel of(long number) {
        return number >= 0 && number < BY_NUMBER.length ? BY_NUMBER[(int) number] : INVALID_INVOCATION;
    }

    /** True for the labels the model decodes and performs. */
    public boolean implemented() {
        return switch (this) {
            case UNTYPED_RETYPE, TCB_SET_SPACE, TCB_SUSPEND, TCB_RESUME, TCB_READ_REGISTERS, TCB_WRITE_REGISTERS,
                 CNODE_REVOKE, CNODE_DELETE, CNODE_COPY, CNODE_MINT,
                 CNODE_MOVE, CNODE_MUTATE, CNODE_ROTATE, ARM_PAGE_TABLE_MAP, ARM_PAGE_TABLE_UNMAP,
                 ARM_PAGE_MAP, ARM_PAGE_UNMAP, ARM_PAGE_GET_ADDRESS, ARM_ASID_CONTROL_MAKE_POOL,
                 ARM_ASID_POOL_ASSIGN, ARM_VSPACE_CLEAN_DATA, ARM_VSPACE_INVALIDATE_DATA,
                 ARM_VSPACE_CLEAN_INVALIDATE_DATA, ARM_VSPACE_UNIFY_INSTRUCTION, ARM_PAGE_CLEAN_DATA,
                 ARM_PAGE_INVALIDATE_DATA, ARM_PAGE_CLEAN_INVALIDATE_DATA, ARM_PAGE_UNIFY_INSTRUCTION -> true;
            default -> false;
        };
    }
}
