package org.capbuddy.aarch64.decode;

import static org.capbuddy.aarch64.decode.Bits.bit;
import static org.capbuddy.aarch64.decode.Bits.field;
import static org.capbuddy.aarch64.decode.Bits.signExtend;
import static org.capbuddy.aarch64.decode.Slots.dst;
import static org.capbuddy.aarch64.decode.Slots.src;

/**
 * Decodes the load and store classes (op0 = x1x0): exclusives and acquire/release, literal loads,
 * pairs, and single registers with unscaled, pre-index, post-index, register-offset and unsigned
 * offset addressing, for general and SIMD&amp;FP registers. The base register's 31 is SP; Rt's is XZR
 * (general) or V31 (SIMD&amp;FP). Atomic memory operations and compare-and-swap (Armv8.1 LSE, absent
 * on the Cortex-A53 the traces come from) are undefined.
 */
final class LoadStoreDecoder {
    private LoadStoreDecoder() {
    }

    /** Extension for loads: zero-extend, sign-extend to 64 bits, sign-extend to 32 bits. */
    static final int ZERO_EXTEND = 0;
    static final int SIGN_64 = 1;
    static final int SIGN_32 = 2;

    static Insn decode(long pc, int w) {
        return switch (LoadStoreClass.of(w)) {
            case EXCLUSIVE -> exclusive(w);
            case LITERAL -> literal(pc, w);
            case PAIR -> pair(w);
            case IMMEDIATE_9 -> immediate9(w);
            case REGISTER_OFFSET -> registerOffset(w);
            case UNSIGNED_OFFSET -> unsignedOffset(w);
            case STRUCTURE -> AdvancedSimd.ofLoadStore(w) == null ? Insn.undefined(w)
                    : new Insn(Op.VLDST, 0, 0, 0, 0, 0, 0, 0, 0, false, w);
            case OTHER -> Insn.undefined(w);
        };
    }

    private static Insn exclusive(int w) {
        int size = 1 << field(w, 30, 2);
        boolean o2 = bit(w, 23);
        boolean load = bit(w, 22);
        boolean o1 = bit(w, 21);
        boolean ordered = bit(w, 15);
        int rs = field(w, 16, 5);
        int rt2 = field(w, 10, 5);
        int rn = field(w, 5, 5);
        int rt = field(w, 0, 5);
        if (bit(w, 26)) {
            return Insn.undefined(w);
        }
        if (o2) {
            if (o1 || !ordered || rs != 31 || rt2 != 31) {
                return Insn.undefined(w); // CAS (LSE) and the LORegion forms
            }
            return load ? new Insn(Op.LDAR, dst(rt), rn, 0, 0, 0, 0, size, 0, false, w)
                    : new Insn(Op.STLR, 0, rn, 0, src(rt), 0, 0, size, 0, false, w);
        }
        if (o1) {
            if (size < 4) {
                return Insn.undefined(w); // CASP
            }
            return load ? new Insn(Op.LDXP, dst(rt), rn, 0, dst(rt2), 0, 0, size, 0, false, w)
                    : new Insn(Op.STXP, dst(rs), rn, src(rt), src(rt2), 0, 0, size, 0, false, w);
        }
        return load ? new Insn(Op.LDXR, dst(rt), rn, 0, 0, 0, 0, size, 0, false, w)
                : new Insn(Op.STXR, dst(rs), rn, src(rt), 0, 0, 0, size, 0, false, w);
    }

    private static Insn literal(long pc, int w) {
        long address = pc + (signExtend(field(w, 5, 19), 19) << 2);
        int opc = field(w, 30, 2);
        int rt = field(w, 0, 5);
        if (bit(w, 26)) {
            if (opc == 3) {
                return Insn.undefined(w);
            }
            return new Insn(Op.VLDR_LIT, rt, 0, 0, 0, address, 0, 4 << opc, 0, false, w);
        }
        return switch (opc) {
            case 0 -> new Insn(Op.LDR_LIT, dst(rt), 0, 0, 0, address, 0, 4, ZERO_EXTEND, false, w);
            case 1 -> new Insn(Op.LDR_LIT, dst(rt), 0, 0, 0, address, 0, 8, ZERO_EXTEND, false, w);
            case 2 -> new Insn(Op.LDR_LIT, dst(rt), 0, 0, 0, address, 0, 4, SIGN_64, false, w);
            default -> new Insn(Op.PRFM, 0, 0, 0, 0, 0, 0, 0, 0, false, w);
        };
    }

    private static Insn pair(int w) {
        int opc = field(w, 30, 2);
        boolean vector = bit(w, 26);
        int mode = field(w, 23, 2);
        boolean load = bit(w, 22);
        int rt = field(w, 0, 5);
        int rt2 = field(w, 10, 5);
        int rn = field(w, 5, 5);
        if (opc == 3) {
            return Insn.undefined(w);
        }
        int size;
        int extend = ZERO_EXTEND;
        if (vector) {
            size = 4 << opc;
        } else if (opc == 1) {
            if (!load || mode == 0) {
                return Insn.undefined(w); // STGP (MTE); no non-temporal LDPSW
            }
            size = 4;
            extend = SIGN_64;
        } else {
            size = opc == 0 ? 4 : 8;
        }
        long offset = signExtend(field(w, 15, 7), 7) * size;
        int addressing = LoadStoreClass.indexing(mode);
        if (vector) {
            return new Insn(load ? Op.VLDP : Op.VSTP, rt, rn, 0, rt2, offset, addressing, size, 0, false, w);
        }
        if (load) {
            return new Insn(Op.LDP, dst(rt), rn, 0, dst(rt2), offset, addressing, size, extend, false, w);
        }
        return new Insn(Op.STP, src(rt), rn, 0, src(rt2), offset, addressing, size, 0, false, w);
    }

    private static Insn immediate9(int w) {
        int form = field(w, 10, 2);
        // Unprivileged (op4 = 10) means EL0's own access, which from EL0 is a plain one; but
        // there is no unprivileged SIMD&FP access or prefetch.
        if (form == 2 && (bit(w, 26) || field(w, 30, 2) == 3 && field(w, 22, 2) == 2)) {
            return Insn.undefined(w);
        }
        return single(w, LoadStoreClass.indexing(form), signExtend(field(w, 12, 9), 9), 0, 0);
    }

    private static Insn registerOffset(int w) {
        int option = field(w, 13, 3);
        if ((option & 2) == 0) {
            return Insn.undefined(w);
        }
        return single(w, 3, 0, src(field(w, 16, 5)), option);
    }

    private static Insn unsignedOffset(int w) {
        int scale = accessSize(w);
        if (scale < 0) {
            return Insn.undefined(w);
        }
        return single(w, 0, (long) field(w, 10, 12) * scale, 0, 0);
    }

    /** The access size in bytes, or -1 for an unallocated size and opc. */
    private static int accessSize(int w) {
        int size = field(w, 30, 2);
        int opc = field(w, 22, 2);
        if (bit(w, 26) && opc >= 2) {
            return size == 0 ? 16 : -1;
        }
        return 1 << size;
    }

    /**
     * One register, any addressing: 0 offset, 1 pre-index, 2 post-index, 3 register offset
     * (rm extended by option, shifted by the access size when S is set).
     */
    private static Insn single(int w, int addressing, long offset, int rm, int option) {
        int size = accessSize(w);
        if (size < 0) {
            return Insn.undefined(w);
        }
        int opc = field(w, 22, 2);
        int rt = field(w, 0, 5);
        int rn = field(w, 5, 5);
        long shift = addressing == 3 && bit(w, 12) ? Integer.numberOfTrailingZeros(size) : 0;
        if (bit(w, 26)) {
            boolean load = (opc & 1) != 0;
            int op = load ? Op.VLDR : Op.VSTR;
            if (addressing == 3) {
                return new Insn(op, rt, rn, rm, 0, shift, 3, size, option, false, w);
            }
            return new Insn(op, rt, rn, 0, 0, offset, addressing, size, 0, false, w);
        }
        boolean prefetch = size == 8 && opc == 2;
        if (prefetch) {
            return addressing == 1 || addressing == 2 ? Insn.undefined(w)
                    : new Insn(Op.PRFM, 0, 0, 0, 0, 0, 0, 0, 0, false, w);
        }
        if (opc == 3 && size >= 4) {
            return Insn.undefined(w);
        }
        boolean load = opc != 0;
        int extend = switch (opc) {
            case 2 -> SIGN_64;
            case 3 -> SIGN_32;
            default -> ZERO_EXTEND;
        };
        int target = load ? dst(rt) : src(rt);
        int op = switch (addressing) {
            case 0 -> load ? Op.LDR_IMM : Op.STR_IMM;
            case 1 -> load ? Op.LDR_PRE : Op.STR_PRE;
            case 2 -> load ? Op.LDR_POST : Op.STR_POST;
            default -> load ? Op.LDR_REG : Op.STR_REG;
        };
        if (addressing == 3) {
            return new Insn(op, target, rn, rm, 0, shift, option, size, extend, false, w);
        }
        return new Insn(op, target, rn, 0, 0, offset, 0, size, extend, false, w);
    }
}
