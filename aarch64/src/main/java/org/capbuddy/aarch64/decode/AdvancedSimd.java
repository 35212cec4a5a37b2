package org.capbuddy.aarch64.decode;

import static org.capbuddy.aarch64.decode.Bits.bit;
import static org.capbuddy.aarch64.decode.Bits.field;

import java.util.Locale;

/**
 * The Advanced SIMD instructions a compiler's vectoriser and libm emit beyond those
 * {@link SimdFpDecoder}'s own classes cover: the structure loads and stores (LD1–LD4, ST1–ST4,
 * LD1R–LD4R, single lanes), three-different (widening, narrowing, long multiplies), the rest of
 * three-same (saturating, halving, shifts by register, absolute differences, multiply-accumulate,
 * floating point, the reciprocal steps FRECPS and FRSQRTS), two-register misc (widening pairwise
 * adds, CLZ, CLS, narrows, conversions, FCVTXN, rounding, floating-point compares, the estimates
 * FRECPE, FRSQRTE, URECPE, URSQRTE and FRECPX), floating-point reductions, the rest of shift by immediate
 * (accumulating, rounding, inserting, saturating, narrowing, fixed point), vector by element,
 * TBL and TBX, the scalar forms of these, and fixed-point scalar conversions.
 *
 * <p>One {@link Form} per word says everything about it: whether it is implemented at all
 * ({@link #of} returns null when not), what the interpreter executes and the text objdump shows,
 * so that decoder, interpreter and disassembler cannot disagree. Not here: half precision,
 * polynomial multiplies above 8 bits, crypto, dot products and the Armv8.1+ additions.
 */
public final class AdvancedSimd {
    private AdvancedSimd() {
    }

    /** The operation of a {@link Form}; {@link #mnemonic} is objdump's name (the "2" of upper-half forms added apart). */
    public enum Kind {
        // structure loads and stores: multiple (LDn, STn), single lane, replicate
        LD1, LD2, LD3, LD4, ST1, ST2, ST3, ST4, LD1R, LD2R, LD3R, LD4R,
        // three same, integer
        SHADD, UHADD, SQADD, UQADD, SRHADD, URHADD, SHSUB, UHSUB, SQSUB, UQSUB, CMGT, CMHI, CMGE, CMHS,
        SSHL, USHL, SQSHL, UQSHL, SRSHL, URSHL, SQRSHL, UQRSHL, SMAX, UMAX, SMIN, UMIN, SABD, UABD, SABA, UABA,
        ADD, SUB, CMTST, CMEQ, MLA, MLS, MUL, PMUL, SMAXP, UMAXP, SMINP, UMINP, SQDMULH, SQRDMULH, ADDP,
        // three same, floating point
        FMAXNM, FMLA, FADD, FMULX, FCMEQ, FMAX, FMINNM, FMLS, FSUB, FMIN, FMAXNMP, FADDP, FMUL, FCMGE, FACGE,
        FMAXP, FDIV, FMINNMP, FABD, FCMGT, FACGT, FRECPS, FRSQRTS, FMINP,
        // three different
        SADDL, UADDL, SADDW, UADDW, SSUBL, USUBL, SSUBW, USUBW, ADDHN, RADDHN, SABAL, UABAL, SUBHN, RSUBHN,
        SABDL, UABDL, SMLAL, UMLAL, SQDMLAL, SMLSL, UMLSL, SQDMLSL, SMULL, UMULL, SQDMULL, PMULL,
        // two-register misc, integer (compares with zero: CMGT0 ...)
        REV64, REV32, REV16, SADDLP, UADDLP, SUQADD, USQADD, CLS, CLZ, CNT, NOT, RBIT, SADALP, UADALP, SQABS,
        SQNEG, CMGT0, CMEQ0, CMLT0, CMGE0, CMLE0, ABS, NEG, XTN, SQXTN, UQXTN, SQXTUN, SHLL,
        // two-register misc, floating point
        FCVTN, FCVTL, FRINTN, FRINTM, FRINTP, FRINTZ, FRINTA, FRINTX, FRINTI, FCVTNS, FCVTNU, FCVTPS, FCVTPU,
        FCVTMS, FCVTMU, FCVTZS, FCVTZU, FCVTAS, FCVTAU, SCVTF, UCVTF, FCMGT0, FCMEQ0, FCMLT0, FCMGE0, FCMLE0,
        FABS, FNEG, FSQRT,
        // two-register misc: the estimates, FRECPX (scalar), FCVTXN (round to odd)
        FRECPE, FRSQRTE, URECPE, URSQRTE, FRECPX, FCVTXN,
        // across lanes (integer ones are SimdFpDecoder's)
        FMAXNMV, FMINNMV, FMAXV, FMINV,
        // shift by immediate (SSHR, USHR, SHL, SHRN, SSHLL, USHLL are SimdFpDecoder's in vector form)
        SSHR, USHR, SSRA, USRA, SRSHR, URSHR, SRSRA, URSRA, SRI, SHL, SLI, SQSHLU, SQSHL_IMM, UQSHL_IMM, SHRN,
        RSHRN, SQSHRUN, SQRSHRUN, SQSHRN, UQSHRN, SQRSHRN, UQRSHRN, SSHLL, USHLL, SCVTF_FIXED, UCVTF_FIXED,
        FCVTZS_FIXED, FCVTZU_FIXED,
        // table lookup, scalar copy
        TBL, TBX, DUP_SCALAR;

        /** objdump's mnemonic, without the "2" of the upper-half forms. */
        public String mnemonic() {
            String name = name().toLowerCase(Locale.ROOT);
            int cut = name.indexOf('_');
            if (cut > 0) {
                name = name.substring(0, cut);
            }
            return switch (this) {
                case CMGT0, CMEQ0, CMLT0, CMGE0, CMLE0, FCMGT0, FCMEQ0, FCMLT0, FCMGE0, FCMLE0 ->
                        name.substring(0, name.length() - 1);
                case DUP_SCALAR -> "mov";
                default -> name;
            };
        }
    }

    /** How a {@link Form}'s operands are laid out, which is how the interpreter loops over them. */
    public enum Shape {
        /** Vd = op(Vn, Vm) lane by lane (or pairwise), elements {@code size}. */
        SAME,
        /** Widening or narrowing three-register forms: sources and destination of different sizes. */
        DIFFERENT,
        /** Vd = op(Vn). */
        MISC,
        /** A scalar from all lanes of Vn. */
        ACROSS,
        /** Vd = op(Vn, shift). */
        SHIFT,
        /** Vd = op(Vn, Vm[index]). */
        ELEMENT,
        /** TBL, TBX: Vd from a table of {@code registers} registers at Vn, indices in Vm. */
        TABLE,
        /** LDn and STn of whole registers. */
        MULTIPLE,
        /** LDn and STn of one lane, or LDnR. */
        SINGLE,
        /** Scalar to or from a general register: fixed-point conversions (SCVTF d0, w1, #2). */
        FIXED_GENERAL
    }

    /**
     * One decoded instruction. {@code size} is log2 of the element size in bytes the operation
     * works on (for widening and narrowing forms, of the narrow elements); {@code q} the 128-bit
     * form (for "2" forms, the upper half); {@code scalar} the scalar form, on lane 0 only.
     */
    public static final class Form {
        public final Kind kind;
        public final Shape shape;
        public final int rd;
        public final int rn;
        public final int rm;
        public final int size;
        public final boolean q;
        public final boolean scalar;
        /** Element index (by-element, single lane), or the shift amount, or fbits. */
        public final int index;
        /** Registers of a structure access or table; for loads and stores also the post-index: see {@link #post}. */
        public final int registers;
        /** Structure loads and stores: -1 no write-back, 31 post-index by the bytes moved, else by Xm. */
        public final int post;
        /** FIXED_GENERAL: the general register is 64 bits (X). */
        public final boolean sf;

        Form(Kind kind, Shape shape, int rd, int rn, int rm, int size, boolean q, boolean scalar, int index,
                int registers, int post, boolean sf) {
            this.kind = kind;
            this.shape = shape;
            this.rd = rd;
            this.rn = rn;
            this.rm = rm;
            this.size = size;
            this.q = q;
            this.scalar = scalar;
            this.index = index;
            this.registers = registers;
            this.post = post;
            this.sf = sf;
        }

        /** Structure loads: the number of bytes one execution moves (the post-index immediate). */
        public int bytesMoved() {
            if (shape == Shape.MULTIPLE) {
                return (q ? 16 : 8) * registers;
            }
            return registers << size;
        }

        public boolean isLoad() {
            return switch (kind) {
                case LD1, LD2, LD3, LD4, LD1R, LD2R, LD3R, LD4R -> true;
                default -> false;
            };
        }
    }

    private static Form form(Kind kind, Shape shape, int w, int size, boolean q, boolean scalar, int index) {
        return new Form(kind, shape, field(w, 0, 5), field(w, 5, 5), field(w, 16, 5), size, q, scalar, index, 0, -1,
                false);
    }

    /** The form of a SIMD&amp;FP data-processing word, or null when it is not implemented here. */
    public static Form of(int w) {
        if ((w & 0x9F20_0400) == 0x0E20_0400) {
            return threeSame(w, false);
        }
        if ((w & 0xDF20_0400) == 0x5E20_0400) {
            return threeSame(w, true);
        }
        if ((w & 0x9F20_0C00) == 0x0E20_0000) {
            return threeDifferent(w);
        }
        if ((w & 0xDF20_0C00) == 0x5E20_0000) {
            return scalarThreeDifferent(w);
        }
        if ((w & 0x9F3E_0C00) == 0x0E20_0800) {
            return misc(w, false);
        }
        if ((w & 0xDF3E_0C00) == 0x5E20_0800) {
            return misc(w, true);
        }
        if ((w & 0x9F3E_0C00) == 0x0E30_0800) {
            return across(w);
        }
        if ((w & 0xDF3E_0C00) == 0x5E30_0800) {
            return scalarPairwise(w);
        }
        if ((w & 0x9F80_0400) == 0x0F00_0400 && field(w, 19, 4) != 0) {
            return shift(w, false);
        }
        if ((w & 0xDF80_0400) == 0x5F00_0400 && field(w, 19, 4) != 0) {
            return shift(w, true);
        }
        if ((w & 0x9F00_0400) == 0x0F00_0000) {
            return element(w, false);
        }
        if ((w & 0xDF00_0400) == 0x5F00_0000) {
            return element(w, true);
        }
        if ((w & 0xBFE0_8C00) == 0x0E00_0000) {
            return new Form(bit(w, 12) ? Kind.TBX : Kind.TBL, Shape.TABLE, field(w, 0, 5), field(w, 5, 5),
                    field(w, 16, 5), 0, bit(w, 30), false, 0, field(w, 13, 2) + 1, -1, false);
        }
        if ((w & 0xFFE0_FC00) == 0x5E00_0400) {
            int size = Integer.numberOfTrailingZeros(field(w, 16, 5));
            return size > 3 ? null : form(Kind.DUP_SCALAR, Shape.MISC, w, size, false, true, field(w, 16, 5) >>> (size + 1));
        }
        if ((w & 0x7F20_0000) == 0x1E00_0000) {
            return fixedGeneral(w);
        }
        return null;
    }

    /** The form of a load/store structure word (LD1–4, ST1–4, LDnR; op0 = 0x00 1100 x), or null. */
    public static Form ofLoadStore(int w) {
        if ((w & 0xBF80_0000) == 0x0C00_0000 || (w & 0xBF80_0000) == 0x0C80_0000) {
            return multiple(w);
        }
        if ((w & 0xBF80_0000) == 0x0D00_0000 || (w & 0xBF80_0000) == 0x0D80_0000) {
            return single(w);
        }
        return null;
    }

    private static Form multiple(int w) {
        boolean q = bit(w, 30);
        boolean load = bit(w, 22);
        boolean postIndex = bit(w, 23);
        if (!postIndex && field(w, 16, 5) != 0) {
            return null;
        }
        if (bit(w, 21)) {
            return null;
        }
        int size = field(w, 10, 2);
        int registers;
        int elements;
        switch (field(w, 12, 4)) {
            case 0b0000 -> { registers = 4; elements = 4; }
            case 0b0010 -> { registers = 4; elements = 1; }
            case 0b0100 -> { registers = 3; elements = 3; }
            case 0b0110 -> { registers = 3; elements = 1; }
            case 0b0111 -> { registers = 1; elements = 1; }
            case 0b1000 -> { registers = 2; elements = 2; }
            case 0b1010 -> { registers = 2; elements = 1; }
            default -> {
                return null;
            }
        }
        if (size == 3 && !q && elements > 1) {
            return null;
        }
        Kind kind = Kind.values()[(load ? Kind.LD1.ordinal() : Kind.ST1.ordinal()) + elements - 1];
        return new Form(kind, Shape.MULTIPLE, field(w, 0, 5), field(w, 5, 5), 0, size, q, false, 0, registers,
                postIndex ? field(w, 16, 5) : -1, false);
    }

    private static Form single(int w) {
        boolean q = bit(w, 30);
        boolean load = bit(w, 22);
        boolean postIndex = bit(w, 23);
        if (!postIndex && field(w, 16, 5) != 0) {
            return null;
        }
        int opcode = field(w, 13, 3);
        boolean s = bit(w, 12);
        int sizeField = field(w, 10, 2);
        int selem = ((opcode & 1) << 1 | field(w, 21, 1)) + 1;
        int scale = opcode >>> 1;
        int index;
        boolean replicate = false;
        switch (scale) {
            case 3 -> {
                if (!load || s) {
                    return null;
                }
                scale = sizeField;
                index = 0;
                replicate = true;
            }
            case 0 -> index = (q ? 8 : 0) | (s ? 4 : 0) | sizeField;
            case 1 -> {
                if ((sizeField & 1) != 0) {
                    return null;
                }
                index = (q ? 4 : 0) | (s ? 2 : 0) | (sizeField >>> 1);
            }
            default -> {
                if ((sizeField & 2) != 0) {
                    return null;
                }
                if ((sizeField & 1) == 0) {
                    index = (q ? 2 : 0) | (s ? 1 : 0);
                } else {
                    if (s) {
                        return null;
                    }
                    index = q ? 1 : 0;
                    scale = 3;
                }
            }
        }
        Kind kind = Kind.values()[(replicate ? Kind.LD1R.ordinal() : load ? Kind.LD1.ordinal() : Kind.ST1.ordinal())
                + selem - 1];
        return new Form(kind, Shape.SINGLE, field(w, 0, 5), field(w, 5, 5), 0, scale, replicate && q, false, index,
                selem, postIndex ? field(w, 16, 5) : -1, false);
    }

    // ---- three same

    private static final Kind[][] INTEGER_SAME = {
        // opcode 0..23, U = 0 then U = 1
        {Kind.SHADD, Kind.UHADD}, {Kind.SQADD, Kind.UQADD}, {Kind.SRHADD, Kind.URHADD}, {null, null},
        {Kind.SHSUB, Kind.UHSUB}, {Kind.SQSUB, Kind.UQSUB}, {Kind.CMGT, Kind.CMHI}, {Kind.CMGE, Kind.CMHS},
        {Kind.SSHL, Kind.USHL}, {Kind.SQSHL, Kind.UQSHL}, {Kind.SRSHL, Kind.URSHL}, {Kind.SQRSHL, Kind.UQRSHL},
        {Kind.SMAX, Kind.UMAX}, {Kind.SMIN, Kind.UMIN}, {Kind.SABD, Kind.UABD}, {Kind.SABA, Kind.UABA},
        {Kind.ADD, Kind.SUB}, {Kind.CMTST, Kind.CMEQ}, {Kind.MLA, Kind.MLS}, {Kind.MUL, Kind.PMUL},
        {Kind.SMAXP, Kind.UMAXP}, {Kind.SMINP, Kind.UMINP}, {Kind.SQDMULH, Kind.SQRDMULH}, {Kind.ADDP, null},
    };

    private static Form threeSame(int w, boolean scalar) {
        boolean q = bit(w, 30);
        int u = field(w, 29, 1);
        int size = field(w, 22, 2);
        int opcode = field(w, 11, 5);
        if (opcode >= 0b11000) {
            return floatSame(w, scalar, q, u, opcode);
        }
        Kind kind = INTEGER_SAME[opcode][u];
        if (kind == null) {
            return null;
        }
        if (scalar) {
            boolean ok = switch (kind) {
                case SQADD, UQADD, SQSUB, UQSUB, SQSHL, UQSHL, SQRSHL, UQRSHL -> true;
                case CMGT, CMHI, CMGE, CMHS, SSHL, USHL, SRSHL, URSHL, ADD, SUB, CMTST, CMEQ -> size == 3;
                case SQDMULH, SQRDMULH -> size == 1 || size == 2;
                default -> false;
            };
            return ok ? form(kind, Shape.SAME, w, size, false, true, 0) : null;
        }
        if (size == 3 && !q) {
            return null;
        }
        boolean ok = switch (kind) {
            case SHADD, UHADD, SRHADD, URHADD, SHSUB, UHSUB, SMAX, UMAX, SMIN, UMIN, SABD, UABD, SABA, UABA, MLA, MLS,
                    MUL, SMAXP, UMAXP, SMINP, UMINP -> size != 3;
            case PMUL -> size == 0;
            case SQDMULH, SQRDMULH -> size == 1 || size == 2;
            default -> true;
        };
        return ok ? form(kind, Shape.SAME, w, size, q, false, 0) : null;
    }

    private static Form floatSame(int w, boolean scalar, boolean q, int u, int opcode) {
        boolean a = bit(w, 23);
        int size = bit(w, 22) ? 3 : 2;
        Kind kind = switch ((u << 6) | ((a ? 1 : 0) << 5) | opcode) {
            case 0b0011000 -> Kind.FMAXNM;
            case 0b0011001 -> Kind.FMLA;
            case 0b0011010 -> Kind.FADD;
            case 0b0011011 -> Kind.FMULX;
            case 0b0011100 -> Kind.FCMEQ;
            case 0b0011110 -> Kind.FMAX;
            case 0b0111000 -> Kind.FMINNM;
            case 0b0111001 -> Kind.FMLS;
            case 0b0111010 -> Kind.FSUB;
            case 0b0111110 -> Kind.FMIN;
            case 0b1011000 -> Kind.FMAXNMP;
            case 0b1011010 -> Kind.FADDP;
            case 0b1011011 -> Kind.FMUL;
            case 0b1011100 -> Kind.FCMGE;
            case 0b1011101 -> Kind.FACGE;
            case 0b1011110 -> Kind.FMAXP;
            case 0b1011111 -> Kind.FDIV;
            case 0b1111000 -> Kind.FMINNMP;
            case 0b1111010 -> Kind.FABD;
            case 0b1111100 -> Kind.FCMGT;
            case 0b1111101 -> Kind.FACGT;
            case 0b1111110 -> Kind.FMINP;
            case 0b0011111 -> Kind.FRECPS;
            case 0b0111111 -> Kind.FRSQRTS;
            default -> null;
        };
        if (kind == null) {
            return null;
        }
        if (scalar) {
            boolean ok = switch (kind) {
                case FMULX, FCMEQ, FCMGE, FCMGT, FACGE, FACGT, FABD, FRECPS, FRSQRTS -> true;
                default -> false;
            };
            return ok ? form(kind, Shape.SAME, w, size, false, true, 0) : null;
        }
        return size == 3 && !q ? null : form(kind, Shape.SAME, w, size, q, false, 0);
    }

    // ---- three different

    private static Form threeDifferent(int w) {
        boolean q = bit(w, 30);
        int u = field(w, 29, 1);
        int size = field(w, 22, 2);
        int opcode = field(w, 12, 4);
        if (size == 3) {
            return null;
        }
        Kind kind = switch (opcode) {
            case 0 -> u == 0 ? Kind.SADDL : Kind.UADDL;
            case 1 -> u == 0 ? Kind.SADDW : Kind.UADDW;
            case 2 -> u == 0 ? Kind.SSUBL : Kind.USUBL;
            case 3 -> u == 0 ? Kind.SSUBW : Kind.USUBW;
            case 4 -> u == 0 ? Kind.ADDHN : Kind.RADDHN;
            case 5 -> u == 0 ? Kind.SABAL : Kind.UABAL;
            case 6 -> u == 0 ? Kind.SUBHN : Kind.RSUBHN;
            case 7 -> u == 0 ? Kind.SABDL : Kind.UABDL;
            case 8 -> u == 0 ? Kind.SMLAL : Kind.UMLAL;
            case 9 -> u == 0 && size != 0 ? Kind.SQDMLAL : null;
            case 10 -> u == 0 ? Kind.SMLSL : Kind.UMLSL;
            case 11 -> u == 0 && size != 0 ? Kind.SQDMLSL : null;
            case 12 -> u == 0 ? Kind.SMULL : Kind.UMULL;
            case 13 -> u == 0 && size != 0 ? Kind.SQDMULL : null;
            case 14 -> u == 0 && size == 0 ? Kind.PMULL : null;
            default -> null;
        };
        return kind == null ? null : form(kind, Shape.DIFFERENT, w, size, q, false, 0);
    }

    /** The scalar three-different forms: SQDMLAL, SQDMLSL, SQDMULL of H or S registers. */
    private static Form scalarThreeDifferent(int w) {
        int size = field(w, 22, 2);
        if (bit(w, 29) || size == 0 || size == 3) {
            return null;
        }
        Kind kind = switch (field(w, 12, 4)) {
            case 9 -> Kind.SQDMLAL;
            case 11 -> Kind.SQDMLSL;
            case 13 -> Kind.SQDMULL;
            default -> null;
        };
        return kind == null ? null : form(kind, Shape.DIFFERENT, w, size, false, true, 0);
    }

    // ---- two-register misc

    private static Form misc(int w, boolean scalar) {
        boolean q = bit(w, 30);
        int u = field(w, 29, 1);
        int size = field(w, 22, 2);
        int opcode = field(w, 12, 5);
        if (opcode >= 0b01100 && opcode != 0b10010 && opcode != 0b10011 && opcode != 0b10100
                && (opcode >= 0b10110 || (size & 2) != 0 || opcode >= 0b01100 && opcode <= 0b01111 && opcode != 0b01110 - 2)) {
            Form f = floatMisc(w, scalar, q, u, size, opcode);
            if (f != null || opcode >= 0b10110 || (size & 2) != 0) {
                return f;
            }
        }
        Kind kind = switch ((u << 5) | opcode) {
            case 0b000000 -> Kind.REV64;
            case 0b000001 -> Kind.REV16;
            case 0b000010 -> Kind.SADDLP;
            case 0b000011 -> Kind.SUQADD;
            case 0b000100 -> Kind.CLS;
            case 0b000101 -> Kind.CNT;
            case 0b000110 -> Kind.SADALP;
            case 0b000111 -> Kind.SQABS;
            case 0b001000 -> Kind.CMGT0;
            case 0b001001 -> Kind.CMEQ0;
            case 0b001010 -> Kind.CMLT0;
            case 0b001011 -> Kind.ABS;
            case 0b010010 -> Kind.XTN;
            case 0b010100 -> Kind.SQXTN;
            case 0b100000 -> Kind.REV32;
            case 0b100010 -> Kind.UADDLP;
            case 0b100011 -> Kind.USQADD;
            case 0b100100 -> Kind.CLZ;
            case 0b100101 -> size == 0 ? Kind.NOT : size == 1 ? Kind.RBIT : null;
            case 0b100110 -> Kind.UADALP;
            case 0b100111 -> Kind.SQNEG;
            case 0b101000 -> Kind.CMGE0;
            case 0b101001 -> Kind.CMLE0;
            case 0b101011 -> Kind.NEG;
            case 0b110010 -> Kind.SQXTUN;
            case 0b110011 -> Kind.SHLL;
            case 0b110100 -> Kind.UQXTN;
            default -> null;
        };
        if (kind == null) {
            return null;
        }
        if (kind == Kind.RBIT) {
            size = 0; // its size field tells it from NOT; it reverses bytes
        }
        if (scalar) {
            boolean ok = switch (kind) {
                case SUQADD, USQADD, SQABS, SQNEG -> true;
                case CMGT0, CMEQ0, CMLT0, ABS, CMGE0, CMLE0, NEG -> size == 3;
                case SQXTN, UQXTN, SQXTUN -> size != 3;
                default -> false;
            };
            return ok ? form(kind, Shape.MISC, w, size, false, true, 0) : null;
        }
        boolean ok = switch (kind) {
            case REV64, SADDLP, UADDLP, CLS, CLZ, SADALP, UADALP, XTN, SQXTN, UQXTN, SQXTUN, SHLL -> size != 3;
            case REV32 -> size <= 1;
            case REV16, CNT, NOT, RBIT -> size == 0;
            default -> size != 3 || q;
        };
        return ok ? form(kind, Shape.MISC, w, size, q, false, 0) : null;
    }

    private static Form floatMisc(int w, boolean scalar, boolean q, int u, int sizeField, int opcode) {
        boolean a = (sizeField & 2) != 0;
        int size = (sizeField & 1) != 0 ? 3 : 2;
        Kind kind = switch ((u << 6) | ((a ? 1 : 0) << 5) | opcode) {
            case 0b0010110 -> Kind.FCVTN;
            case 0b0010111 -> Kind.FCVTL;
            case 0b0011000 -> Kind.FRINTN;
            case 0b0011001 -> Kind.FRINTM;
            case 0b0011010 -> Kind.FCVTNS;
            case 0b0011011 -> Kind.FCVTMS;
            case 0b0011100 -> Kind.FCVTAS;
            case 0b0011101 -> Kind.SCVTF;
            case 0b0101100 -> Kind.FCMGT0;
            case 0b0101101 -> Kind.FCMEQ0;
            case 0b0101110 -> Kind.FCMLT0;
            case 0b0101111 -> Kind.FABS;
            case 0b0111000 -> Kind.FRINTP;
            case 0b0111001 -> Kind.FRINTZ;
            case 0b0111010 -> Kind.FCVTPS;
            case 0b0111011 -> Kind.FCVTZS;
            case 0b1011000 -> Kind.FRINTA;
            case 0b1011001 -> Kind.FRINTX;
            case 0b1011010 -> Kind.FCVTNU;
            case 0b1011011 -> Kind.FCVTMU;
            case 0b1011100 -> Kind.FCVTAU;
            case 0b1011101 -> Kind.UCVTF;
            case 0b1101100 -> Kind.FCMGE0;
            case 0b1101101 -> Kind.FCMLE0;
            case 0b1101111 -> Kind.FNEG;
            case 0b1111001 -> Kind.FRINTI;
            case 0b1111010 -> Kind.FCVTPU;
            case 0b1111011 -> Kind.FCVTZU;
            case 0b1111111 -> Kind.FSQRT;
            case 0b0111100 -> Kind.URECPE;
            case 0b1111100 -> Kind.URSQRTE;
            case 0b0111101 -> Kind.FRECPE;
            case 0b1111101 -> Kind.FRSQRTE;
            case 0b0111111 -> Kind.FRECPX;
            case 0b1010110 -> Kind.FCVTXN;
            default -> null;
        };
        if (kind == null) {
            return null;
        }
        switch (kind) {
            case URECPE, URSQRTE -> {
                // 32-bit lanes only (sz = 1 is reserved); no scalar form
                return scalar || (sizeField & 1) != 0 ? null : form(kind, Shape.MISC, w, 2, q, false, 0);
            }
            case FRECPX -> {
                return scalar ? form(kind, Shape.MISC, w, size, false, true, 0) : null;
            }
            case FCVTXN -> {
                // double to single only: sz = 0 (single to half) is reserved; size is the destination's
                return (sizeField & 1) == 0 ? null : form(kind, Shape.MISC, w, 2, q && !scalar, scalar, 0);
            }
            default -> {
                // the common rules below
            }
        }
        if (kind == Kind.FCVTN || kind == Kind.FCVTL) {
            // sz = 0 converts to and from half precision, which is not implemented
            return scalar || size != 3 ? null : form(kind, Shape.MISC, w, 2, q, false, 0);
        }
        if (scalar) {
            boolean ok = switch (kind) {
                case FRINTN, FRINTM, FRINTP, FRINTZ, FRINTA, FRINTX, FRINTI, FABS, FNEG, FSQRT -> false;
                default -> true;
            };
            return ok ? form(kind, Shape.MISC, w, size, false, true, 0) : null;
        }
        return size == 3 && !q ? null : form(kind, Shape.MISC, w, size, q, false, 0);
    }

    // ---- across lanes and scalar pairwise

    private static Form across(int w) {
        boolean q = bit(w, 30);
        int u = field(w, 29, 1);
        int sizeField = field(w, 22, 2);
        int opcode = field(w, 12, 5);
        if (u == 0 || !q || (sizeField & 1) != 0) {
            return null; // the integer ones are SimdFpDecoder's; FP16 and 2D are unallocated here
        }
        boolean min = (sizeField & 2) != 0;
        Kind kind = switch (opcode) {
            case 0b01100 -> min ? Kind.FMINNMV : Kind.FMAXNMV;
            case 0b01111 -> min ? Kind.FMINV : Kind.FMAXV;
            default -> null;
        };
        return kind == null ? null : form(kind, Shape.ACROSS, w, 2, true, false, 0);
    }

    private static Form scalarPairwise(int w) {
        int u = field(w, 29, 1);
        int sizeField = field(w, 22, 2);
        int opcode = field(w, 12, 5);
        if (u == 0) {
            return opcode == 0b11011 && sizeField == 3 ? form(Kind.ADDP, Shape.ACROSS, w, 3, true, true, 0) : null;
        }
        boolean min = (sizeField & 2) != 0;
        int size = (sizeField & 1) != 0 ? 3 : 2;
        Kind kind = switch (opcode) {
            case 0b01100 -> min ? Kind.FMINNMP : Kind.FMAXNMP;
            case 0b01101 -> min ? null : Kind.FADDP;
            case 0b01111 -> min ? Kind.FMINP : Kind.FMAXP;
            default -> null;
        };
        return kind == null ? null : form(kind, Shape.ACROSS, w, size, size == 3, true, 0);
    }

    // ---- shift by immediate

    private static Form shift(int w, boolean scalar) {
        boolean q = bit(w, 30);
        int u = field(w, 29, 1);
        int immh = field(w, 19, 4);
        int opcode = field(w, 11, 5);
        int size = 31 - Integer.numberOfLeadingZeros(immh);
        int bits = 8 << size;
        int immhb = field(w, 16, 7);
        int right = 2 * bits - immhb;
        int left = immhb - bits;
        Kind kind = switch ((u << 5) | opcode) {
            case 0b000000 -> Kind.SSHR;
            case 0b100000 -> Kind.USHR;
            case 0b000010 -> Kind.SSRA;
            case 0b100010 -> Kind.USRA;
            case 0b000100 -> Kind.SRSHR;
            case 0b100100 -> Kind.URSHR;
            case 0b000110 -> Kind.SRSRA;
            case 0b100110 -> Kind.URSRA;
            case 0b101000 -> Kind.SRI;
            case 0b001010 -> Kind.SHL;
            case 0b101010 -> Kind.SLI;
            case 0b101100 -> Kind.SQSHLU;
            case 0b001110 -> Kind.SQSHL_IMM;
            case 0b101110 -> Kind.UQSHL_IMM;
            case 0b010000 -> Kind.SHRN;
            case 0b110000 -> Kind.SQSHRUN;
            case 0b010001 -> Kind.RSHRN;
            case 0b110001 -> Kind.SQRSHRUN;
            case 0b010010 -> Kind.SQSHRN;
            case 0b110010 -> Kind.UQSHRN;
            case 0b010011 -> Kind.SQRSHRN;
            case 0b110011 -> Kind.UQRSHRN;
            case 0b010100 -> Kind.SSHLL;
            case 0b110100 -> Kind.USHLL;
            case 0b011100 -> Kind.SCVTF_FIXED;
            case 0b111100 -> Kind.UCVTF_FIXED;
            case 0b011111 -> Kind.FCVTZS_FIXED;
            case 0b111111 -> Kind.FCVTZU_FIXED;
            default -> null;
        };
        if (kind == null) {
            return null;
        }
        boolean narrow = switch (kind) {
            case SHRN, RSHRN, SQSHRUN, SQRSHRUN, SQSHRN, UQSHRN, SQRSHRN, UQRSHRN -> true;
            default -> false;
        };
        boolean fixed = switch (kind) {
            case SCVTF_FIXED, UCVTF_FIXED, FCVTZS_FIXED, FCVTZU_FIXED -> true;
            default -> false;
        };
        boolean leftShift = switch (kind) {
            case SHL, SLI, SQSHLU, SQSHL_IMM, UQSHL_IMM, SSHLL, USHLL -> true;
            default -> false;
        };
        if (fixed) {
            if (size < 2 || (size == 3 && !q && !scalar)) {
                return null;
            }
            return form(kind, Shape.SHIFT, w, size, q, scalar, right);
        }
        if (narrow || kind == Kind.SSHLL || kind == Kind.USHLL) {
            if (size == 3 || (scalar && (!narrow || kind == Kind.SHRN || kind == Kind.RSHRN))) {
                return null;
            }
            // narrowing: size is of the narrow destination, the shift counts in its width
            return form(kind, Shape.SHIFT, w, size, q, scalar, narrow ? right : left);
        }
        if (scalar) {
            boolean anySize = kind == Kind.SQSHLU || kind == Kind.SQSHL_IMM || kind == Kind.UQSHL_IMM;
            if (!anySize && size != 3) {
                return null;
            }
        } else if (size == 3 && !q) {
            return null;
        }
        return form(kind, Shape.SHIFT, w, size, q, scalar, leftShift ? left : right);
    }

    // ---- vector and scalar by element

    private static Form element(int w, boolean scalar) {
        boolean q = bit(w, 30);
        int u = field(w, 29, 1);
        int sizeField = field(w, 22, 2);
        int opcode = field(w, 12, 4);
        int l = field(w, 21, 1);
        int m = field(w, 20, 1);
        int h = field(w, 11, 1);
        int rm4 = field(w, 16, 4);
        if (opcode == 0b0001 || opcode == 0b0101 || opcode == 0b1001) {
            // FMLA, FMLS, FMUL (U = 0), FMULX (U = 1, opcode 1001 only)
            if ((sizeField & 2) == 0 || (u == 1 && opcode != 0b1001)) {
                return null;
            }
            boolean dbl = (sizeField & 1) != 0;
            if (dbl && (l == 1 || (!q && !scalar))) {
                return null;
            }
            int index = dbl ? h : (h << 1) | l;
            Kind kind = opcode == 0b0001 ? Kind.FMLA : opcode == 0b0101 ? Kind.FMLS : u == 1 ? Kind.FMULX : Kind.FMUL;
            return new Form(kind, Shape.ELEMENT, field(w, 0, 5), field(w, 5, 5), (m << 4) | rm4, dbl ? 3 : 2, q, scalar,
                    index, 0, -1, false);
        }
        if (sizeField != 1 && sizeField != 2) {
            return null;
        }
        Kind kind = switch ((u << 4) | opcode) {
            case 0b00010 -> Kind.SMLAL;
            case 0b00011 -> Kind.SQDMLAL;
            case 0b00110 -> Kind.SMLSL;
            case 0b00111 -> Kind.SQDMLSL;
            case 0b01000 -> Kind.MUL;
            case 0b01010 -> Kind.SMULL;
            case 0b01011 -> Kind.SQDMULL;
            case 0b01100 -> Kind.SQDMULH;
            case 0b01101 -> Kind.SQRDMULH;
            case 0b10000 -> Kind.MLA;
            case 0b10010 -> Kind.UMLAL;
            case 0b10100 -> Kind.MLS;
            case 0b10110 -> Kind.UMLSL;
            case 0b11010 -> Kind.UMULL;
            default -> null;
        };
        boolean scalarForm = switch (kind == null ? Kind.MUL : kind) {
            case SQDMULH, SQRDMULH, SQDMLAL, SQDMLSL, SQDMULL -> true;
            default -> false;
        };
        if (kind == null || scalar && !scalarForm) {
            return null;
        }
        int index = sizeField == 1 ? (h << 2) | (l << 1) | m : (h << 1) | l;
        int rm = sizeField == 1 ? rm4 : (m << 4) | rm4;
        return new Form(kind, Shape.ELEMENT, field(w, 0, 5), field(w, 5, 5), rm, sizeField, q, scalar, index, 0, -1,
                false);
    }

    // ---- scalar fixed-point conversions to and from general registers

    private static Form fixedGeneral(int w) {
        boolean sf = w < 0;
        int type = field(w, 22, 2);
        int rmode = field(w, 19, 2);
        int opcode = field(w, 16, 3);
        int scale = field(w, 10, 6);
        if (bit(w, 29) || type > 1 || (!sf && scale < 32)) {
            return null;
        }
        Kind kind = switch ((rmode << 3) | opcode) {
            case 0b00010 -> Kind.SCVTF_FIXED;
            case 0b00011 -> Kind.UCVTF_FIXED;
            case 0b11000 -> Kind.FCVTZS_FIXED;
            case 0b11001 -> Kind.FCVTZU_FIXED;
            default -> null;
        };
        return kind == null ? null : new Form(kind, Shape.FIXED_GENERAL, field(w, 0, 5), field(w, 5, 5), 0,
                type == 0 ? 2 : 3, false, true, 64 - scale, 0, -1, sf);
    }

    // ---- text, as objdump shows it

    private static final String[] ARRANGEMENTS = {"8b", "16b", "4h", "8h", "2s", "4s", "1d", "2d"};
    private static final String SCALARS = "bhsdq";

    private static String arrangement(int size, boolean q) {
        return ARRANGEMENTS[2 * size + (q ? 1 : 0)];
    }

    private static String v(int n, int size, boolean q) {
        return "v" + n + "." + arrangement(size, q);
    }

    private static String s(int n, int size) {
        return SCALARS.charAt(size) + Integer.toString(n);
    }

    /** Vector operand, or scalar register of that size for a scalar form. */
    private static String op(Form f, int n, int size) {
        return f.scalar ? s(n, size) : v(n, size, f.q);
    }

    /** objdump's text for a word {@link #of} or {@link #ofLoadStore} accepted. */
    public static String text(Form f) {
        String name = f.kind.mnemonic();
        return switch (f.shape) {
            case SAME -> name + " " + op(f, f.rd, f.size) + ", " + op(f, f.rn, f.size) + ", " + op(f, f.rm, f.size);
            case DIFFERENT -> differentText(f, name);
            case MISC -> miscText(f, name);
            case ACROSS -> name + " " + s(f.rd, f.scalar && f.kind == Kind.ADDP ? 3 : f.size) + ", "
                    + v(f.rn, f.size, f.q);
            case SHIFT -> shiftText(f, name);
            case ELEMENT -> elementText(f, name);
            case TABLE -> name + " " + v(f.rd, 0, f.q) + ", " + list(f.rn, f.registers, "16b") + ", " + v(f.rm, 0, f.q);
            case MULTIPLE -> name + " " + list(f.rd, f.registers, arrangement(f.size, f.q)) + ", " + address(f);
            case SINGLE -> singleText(f, name);
            case FIXED_GENERAL -> fixedGeneralText(f, name);
        };
    }

    private static String differentText(Form f, String name) {
        if (f.scalar) {
            return name + " " + s(f.rd, f.size + 1) + ", " + s(f.rn, f.size) + ", " + s(f.rm, f.size);
        }
        String two = f.q ? "2" : "";
        String wide = arrangement(f.size + 1, true);
        String narrow = arrangement(f.size, f.q);
        return switch (f.kind) {
            case SADDW, UADDW, SSUBW, USUBW -> name + two + " v" + f.rd + "." + wide + ", v" + f.rn + "." + wide + ", v"
                    + f.rm + "." + narrow;
            case ADDHN, RADDHN, SUBHN, RSUBHN -> name + two + " v" + f.rd + "." + narrow + ", v" + f.rn + "." + wide
                    + ", v" + f.rm + "." + wide;
            default -> name + two + " v" + f.rd + "." + wide + ", v" + f.rn + "." + narrow + ", v" + f.rm + "." + narrow;
        };
    }

    private static String miscText(Form f, String name) {
        String two = f.q ? "2" : "";
        return switch (f.kind) {
            case DUP_SCALAR -> name + " " + s(f.rd, f.size) + ", v" + f.rn + "." + "bhsd".charAt(f.size) + "[" + f.index + "]";
            case SADDLP, UADDLP, SADALP, UADALP -> name + " " + v(f.rd, f.size + 1, f.q) + ", " + v(f.rn, f.size, f.q);
            case XTN, SQXTN, UQXTN, SQXTUN -> f.scalar
                    ? name + " " + s(f.rd, f.size) + ", " + s(f.rn, f.size + 1)
                    : name + two + " " + v(f.rd, f.size, f.q) + ", " + v(f.rn, f.size + 1, true);
            case FCVTN -> name + two + " " + v(f.rd, 2, f.q) + ", " + v(f.rn, 3, true);
            case FCVTXN -> f.scalar ? name + " " + s(f.rd, 2) + ", " + s(f.rn, 3)
                    : name + two + " " + v(f.rd, 2, f.q) + ", " + v(f.rn, 3, true);
            case FCVTL -> name + two + " " + v(f.rd, 3, true) + ", " + v(f.rn, 2, f.q);
            case SHLL -> name + two + " " + v(f.rd, f.size + 1, true) + ", " + v(f.rn, f.size, f.q) + ", #" + (8 << f.size);
            case CMGT0, CMEQ0, CMLT0, CMGE0, CMLE0 -> name + " " + op(f, f.rd, f.size) + ", " + op(f, f.rn, f.size) + ", #0";
            case FCMGT0, FCMEQ0, FCMLT0, FCMGE0, FCMLE0 -> name + " " + op(f, f.rd, f.size) + ", " + op(f, f.rn, f.size)
                    + ", #0.0";
            case NOT -> "mvn " + v(f.rd, 0, f.q) + ", " + v(f.rn, 0, f.q);
            default -> name + " " + op(f, f.rd, f.size) + ", " + op(f, f.rn, f.size);
        };
    }

    private static String shiftText(Form f, String name) {
        String two = f.q ? "2" : "";
        return switch (f.kind) {
            case SHRN, RSHRN, SQSHRUN, SQRSHRUN, SQSHRN, UQSHRN, SQRSHRN, UQRSHRN -> f.scalar
                    ? name + " " + s(f.rd, f.size) + ", " + s(f.rn, f.size + 1) + ", #" + f.index
                    : name + two + " " + v(f.rd, f.size, f.q) + ", " + v(f.rn, f.size + 1, true) + ", #" + f.index;
            case SSHLL, USHLL -> f.index == 0
                    ? (f.kind == Kind.SSHLL ? "sxtl" : "uxtl") + two + " " + v(f.rd, f.size + 1, true) + ", "
                            + v(f.rn, f.size, f.q)
                    : name + two + " " + v(f.rd, f.size + 1, true) + ", " + v(f.rn, f.size, f.q) + ", #" + f.index;
            default -> name + " " + op(f, f.rd, f.size) + ", " + op(f, f.rn, f.size) + ", #" + f.index;
        };
    }

    private static String elementText(Form f, String name) {
        String element = "v" + f.rm + "." + "bhsd".charAt(f.size) + "[" + f.index + "]";
        return switch (f.kind) {
            case SMLAL, SQDMLAL, SMLSL, SQDMLSL, SMULL, SQDMULL, UMLAL, UMLSL, UMULL -> f.scalar
                    ? name + " " + s(f.rd, f.size + 1) + ", " + s(f.rn, f.size) + ", " + element
                    : name + (f.q ? "2" : "") + " " + v(f.rd, f.size + 1, true) + ", " + v(f.rn, f.size, f.q) + ", "
                            + element;
            default -> name + " " + op(f, f.rd, f.size) + ", " + op(f, f.rn, f.size) + ", " + element;
        };
    }

    private static String singleText(Form f, String name) {
        boolean replicate = f.kind.ordinal() >= Kind.LD1R.ordinal() && f.kind.ordinal() <= Kind.LD4R.ordinal();
        if (replicate) {
            return name + " " + list(f.rd, f.registers, arrangement(f.size, f.q)) + ", " + address(f);
        }
        return name + " " + list(f.rd, f.registers, String.valueOf("bhsd".charAt(f.size))) + "[" + f.index + "], "
                + address(f);
    }

    private static String fixedGeneralText(Form f, String name) {
        boolean toFloat = f.kind == Kind.SCVTF_FIXED || f.kind == Kind.UCVTF_FIXED;
        return toFloat ? name + " " + s(f.rd, f.size) + ", " + general(f.rn, f.sf) + ", #" + f.index
                : name + " " + general(f.rd, f.sf) + ", " + s(f.rn, f.size) + ", #" + f.index;
    }

    private static String general(int n, boolean x) {
        return n == 31 ? (x ? "xzr" : "wzr") : (x ? "x" : "w") + n;
    }

    /** A register list as objdump writes it: three or four registers as a range, unless they wrap past v31. */
    private static String list(int first, int count, String arrangement) {
        if (count <= 2 || first + count > 32) {
            StringBuilder text = new StringBuilder("{");
            for (int i = 0; i < count; i++) {
                text.append(i > 0 ? ", " : "").append('v').append((first + i) % 32).append('.').append(arrangement);
            }
            return text.append('}').toString();
        }
        return "{v" + first + "." + arrangement + "-v" + (first + count - 1) % 32 + "." + arrangement + "}";
    }

    private static String address(Form f) {
        String base = "[" + (f.rn == 31 ? "sp" : "x" + f.rn) + "]";
        if (f.post < 0) {
            return base;
        }
        return base + ", " + (f.post == 31 ? "#" + f.bytesMoved() : "x" + f.post);
    }
}
