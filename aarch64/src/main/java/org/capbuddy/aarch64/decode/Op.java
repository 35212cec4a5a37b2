package org.capbuddy.aarch64.decode;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;

/**
 * The operations the interpreter executes, as small ints so that its run loop dispatches with one
 * table switch. One A64 instruction decodes to exactly one operation; aliases (MOV, CMP, LSL ...)
 * share their base instruction's operation, and the decoder folds what it can (register 31, PC
 * relative targets, bitmask immediates, 32-bit width) into the decoded fields. The field use of
 * each operation is written beside it.
 */
public final class Op {
    private Op() {
    }

    /** Anything the interpreter does not implement; executing it stops the program. */
    public static final int UNDEFINED = 0;

    // ---- data processing, immediate. rd, rn; imm; w = 32-bit
    /** rd = rn + imm. */
    public static final int ADD_IMM = 1;
    /** rd = rn + imm, setting NZCV (SUBS/CMP are ADDS of -imm with the carry rules of a subtract: see SUBS_IMM). */
    public static final int ADDS_IMM = 2;
    public static final int SUBS_IMM = 3;
    /** rd = imm (MOVZ, MOVN, ADR, ADRP: the value is known when decoded). */
    public static final int MOV_CONST = 4;
    /** rd = (rd &amp; ~imm2) | imm. */
    public static final int MOVK = 5;
    /** rd = rn op imm, for AND, ORR, EOR; ANDS sets NZCV. */
    public static final int AND_IMM = 6;
    public static final int ORR_IMM = 7;
    public static final int EOR_IMM = 8;
    public static final int ANDS_IMM = 9;
    /** Bitfield moves: a = rotate right, imm = wmask, imm2 = tmask, b = S (the sign bit for SBFM). */
    public static final int UBFM = 10;
    public static final int SBFM = 11;
    public static final int BFM = 12;
    /** rd = (rn:rm) &gt;&gt; a, the low 64 (or 32) bits. */
    public static final int EXTR = 13;

    // ---- data processing, register. rd, rn, rm; a = shift type or extend option, b = amount
    /** rd = rn + shift(rm). ADD_REG: no shift (the common case). */
    public static final int ADD_REG = 14;
    public static final int SUB_REG = 15;
    public static final int ADD_SREG = 16;
    public static final int SUB_SREG = 17;
    public static final int ADDS_SREG = 18;
    public static final int SUBS_SREG = 19;
    /** rd = rn +- (extend(rm, a) &lt;&lt; b). */
    public static final int ADD_EREG = 20;
    public static final int SUB_EREG = 21;
    public static final int ADDS_EREG = 22;
    public static final int SUBS_EREG = 23;
    /** rd = rn op shift(rm), negated when imm is 1 (BIC, ORN, EON, BICS). ORR_REG: MOV (no shift, rn = zero). */
    public static final int AND_SREG = 24;
    public static final int ORR_SREG = 25;
    public static final int EOR_SREG = 26;
    public static final int ANDS_SREG = 27;
    public static final int MOV_REG = 28;
    /** rd = rn + rm + C, rn + ~rm + C; the S forms set NZCV. */
    public static final int ADC = 29;
    public static final int SBC = 30;
    public static final int ADCS = 31;
    public static final int SBCS = 32;
    /** Conditional compare: cond in a; when it holds, flags of rn - rm (or rn - imm); else NZCV = b &lt;&lt; 28. imm2 = 1 for CCMN. rm = -1 for the immediate form. */
    public static final int CCMP = 33;
    /** rd = cond(a) ? rn : f(rm): CSEL, CSINC, CSINV, CSNEG. */
    public static final int CSEL = 34;
    public static final int CSINC = 35;
    public static final int CSINV = 36;
    public static final int CSNEG = 37;
    /** One source: a = which (0 RBIT, 1 REV16, 2 REV32, 3 REV, 4 CLZ, 5 CLS). */
    public static final int DP1 = 38;
    public static final int UDIV = 39;
    public static final int SDIV = 40;
    /** Variable shifts: a = shift type. */
    public static final int SHIFTV = 41;
    /** rd = ra +- rn * rm. */
    public static final int MADD = 42;
    public static final int MSUB = 43;
    /** Widening multiply-add: a = 1 signed; imm = 1 subtract. */
    public static final int MADDL = 44;
    public static final int SMULH = 45;
    public static final int UMULH = 46;

    // ---- branches. imm = absolute target
    public static final int B = 47;
    public static final int BL = 48;
    /** a = condition. */
    public static final int BCOND = 49;
    public static final int CBZ = 50;
    public static final int CBNZ = 51;
    /** a = bit number. */
    public static final int TBZ = 52;
    public static final int TBNZ = 53;
    /** Branch to register rn; BLR also links. RET is BR. */
    public static final int BR = 54;
    public static final int BLR = 55;

    // ---- exceptions and system
    /** imm = the 16-bit immediate. */
    public static final int SVC = 56;
    public static final int BRK = 57;
    /** Hints and barriers that have no effect on one thread's state. */
    public static final int NOP = 58;
    public static final int CLREX = 59;
    /** a = the system register (see {@link SystemRegister}); rd for MRS, rn for MSR. */
    public static final int MRS = 60;
    public static final int MSR = 61;
    /** DC ZVA: zero the 64-byte block at rn. */
    public static final int DC_ZVA = 62;
    /** ISB or IC IVAU: re-read code. */
    public static final int SYNC_CODE = 63;

    // ---- loads and stores, general registers. rd = Rt, rn = base (31 = SP), a = size in bytes,
    //      b = extension (0 zero-extend, 1 sign-extend to 64, 2 sign-extend to 32)
    /** address = rn + imm. */
    public static final int LDR_IMM = 64;
    public static final int STR_IMM = 65;
    /** address = rn + imm, then rn = address. */
    public static final int LDR_PRE = 66;
    public static final int STR_PRE = 67;
    /** address = rn, then rn = rn + imm. */
    public static final int LDR_POST = 68;
    public static final int STR_POST = 69;
    /** address = rn + (extend(rm, imm2) &lt;&lt; imm). */
    public static final int LDR_REG = 70;
    public static final int STR_REG = 71;
    /** address = imm (PC relative, resolved when decoded). */
    public static final int LDR_LIT = 72;
    /** Pairs: rd = Rt, ra = Rt2; imm = offset; imm2 = 0 offset, 1 pre-index, 2 post-index. */
    public static final int LDP = 73;
    public static final int STP = 74;
    /** Exclusives and acquire/release. a = size; ra = Rt2 for pairs, rm = status register Rs. */
    public static final int LDXR = 75;
    public static final int STXR = 76;
    public static final int LDXP = 77;
    public static final int STXP = 78;
    /** Load-acquire and store-release (single thread: plain accesses that must be aligned). */
    public static final int LDAR = 79;
    public static final int STLR = 80;
    public static final int PRFM = 81;

    // ---- loads and stores, SIMD&FP registers: as the general forms, rd = Vt, a = size (1..16)
    public static final int VLDR = 82;
    public static final int VSTR = 83;
    /** imm2 = addressing: 0 offset, 1 pre-index, 2 post-index, 3 register (rm, extend b, shift imm3 in b's high bits). */
    public static final int VLDP = 84;
    public static final int VSTP = 85;
    public static final int VLDR_LIT = 86;

    /** SIMD and floating point data processing, executed off the hot path; a = the {@link SimdOp}. */
    public static final int SIMD = 87;
    /** LD1–LD4, ST1–ST4, LD1R–LD4R: {@link AdvancedSimd#ofLoadStore} of the word says what. */
    public static final int VLDST = 88;

    public static final int COUNT = 89;

    private static final String[] NAMES = names();

    /** The operation's name, for reports and tests. */
    public static String name(int op) {
        return op >= 0 && op < COUNT && NAMES[op] != null ? NAMES[op] : "op" + op;
    }

    private static String[] names() {
        String[] names = new String[COUNT];
        for (Field f : Op.class.getFields()) {
            if (f.getType() == int.class && Modifier.isStatic(f.getModifiers()) && !f.getName().equals("COUNT")) {
                try {
                    names[f.getInt(null)] = f.getName();
                } catch (IllegalAccessException e) {
                    throw new AssertionError(e);
                }
            }
        }
        return names;
    }
}
