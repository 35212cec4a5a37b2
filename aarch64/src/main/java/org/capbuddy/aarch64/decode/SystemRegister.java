package org.capbuddy.aarch64.decode;

/**
 * The system registers a static program may read or write at EL0, by their
 * (op0, op1, CRn, CRm, op2) encoding. Others are undefined instructions here (Linux would emulate
 * reads of the ID registers; no static musl program needs them).
 */
public enum SystemRegister {
    TPIDR_EL0(3, 3, 13, 0, 2, true),
    TPIDRRO_EL0(3, 3, 13, 0, 3, false),
    NZCV(3, 3, 4, 2, 0, true),
    FPCR(3, 3, 4, 4, 0, true),
    FPSR(3, 3, 4, 4, 1, true),
    DCZID_EL0(3, 3, 0, 0, 7, false),
    CTR_EL0(3, 3, 0, 0, 1, false),
    CNTFRQ_EL0(3, 3, 14, 0, 0, false),
    CNTVCT_EL0(3, 3, 14, 0, 2, false);

    private static final SystemRegister[] VALUES = values();

    private final int encoding;
    private final boolean writable;

    SystemRegister(int op0, int op1, int crn, int crm, int op2, boolean writable) {
        this.encoding = encode(op0, op1, crn, crm, op2);
        this.writable = writable;
    }

    public boolean writable() {
        return writable;
    }

    static int encode(int op0, int op1, int crn, int crm, int op2) {
        return (op0 << 14) | (op1 << 11) | (crn << 7) | (crm << 3) | op2;
    }

    /** The register with this encoding, or null. */
    static SystemRegister of(int encoding) {
        for (SystemRegister r : VALUES) {
            if (r.encoding == encoding) {
                return r;
            }
        }
        return null;
    }

    /** The register with this ordinal (as {@link Insn#a()} carries it). */
    public static SystemRegister ofOrdinal(int ordinal) {
        return VALUES[ordinal];
    }
}
