package org.capbuddy.aarch64.decode;

/**
 * The SIMD and floating-point operations, carried in {@link Insn#a()} of an {@link Op#SIMD}
 * instruction. Field use (vector registers by number; general registers as slots):
 * <pre>
 *  DUP_GEN     Vd(rd) = Rn(rn) in every lane; imm = lane bytes
 *  DUP_ELEM    Vd = Vn[imm2] in every lane; imm = lane bytes
 *  UMOV, SMOV  Rd(rd) = Vn[imm2], zero- or sign-extended; imm = lane bytes; w = W destination
 *  INS_GEN     Vd[imm2] = Rn; imm = lane bytes
 *  INS_ELEM    Vd[imm2 &gt;&gt; 8] = Vn[imm2 &amp; 0xFF]; imm = lane bytes
 *  MODIMM      Vd = imm (b 0), Vd |= imm (b 1), Vd &amp;= ~imm (b 2), per 64 bits
 *  LOGIC3      b: 0 AND, 1 BIC, 2 ORR, 3 ORN, 4 EOR, 5 BSL, 6 BIT, 7 BIF
 *  INT3, MISC2, ACROSS, SHIFT_IMM   b = opcode | U &lt;&lt; 5; imm = lane bytes; imm2 = shift
 *  EXT         Vd = (Vm:Vn) &gt;&gt; 8 * imm
 *  PERMUTE     b: 1 UZP1, 2 TRN1, 3 ZIP1, 5 UZP2, 6 TRN2, 7 ZIP2; imm = lane bytes
 *  FMOV_GEN    b: 0 Rd = Vn (imm bytes), 1 Vd = Rn (imm bytes), 2 Rd = Vn.D[1], 3 Vn.D[1] = Rn
 *  FP1         b: 0 FMOV, 1 FABS, 2 FNEG, 3 FSQRT, 4 FCVT to S, 5 FCVT to D, 8..15 FRINT N P M Z A - X I
 *  FP2         b: 0 FMUL, 1 FDIV, 2 FADD, 3 FSUB, 4 FMAX, 5 FMIN, 6 FMAXNM, 7 FMINNM, 8 FNMUL
 *  FP3         b: 0 FMADD, 1 FMSUB, 2 FNMADD, 3 FNMSUB; ra = Va
 *  FCMP        rm = -1 to compare with zero
 *  FCSEL       imm2 = condition
 *  FCCMP       imm2 = condition, ra = NZCV when it fails
 *  FMOV_IMM    imm2 = the value's bits
 *  CVT_I2F     b = 1 unsigned; w = W source
 *  CVT_F2I     b = rounding (0 N, 1 P, 2 M, 3 Z, 4 A) | unsigned &lt;&lt; 3; w = W destination
 *  ADVANCED    everything else implemented: {@link AdvancedSimd#of} of the word says what
 * </pre>
 * Floating-point operations carry the operand size in bytes (4 or 8) in imm. {@code w} on vector
 * operations means the 64-bit form (the upper half of Vd is zeroed).
 */
public final class SimdOp {
    private SimdOp() {
    }

    public static final int DUP_GEN = 0;
    public static final int DUP_ELEM = 1;
    public static final int UMOV = 2;
    public static final int SMOV = 3;
    public static final int INS_GEN = 4;
    public static final int INS_ELEM = 5;
    public static final int MODIMM = 6;
    public static final int LOGIC3 = 7;
    public static final int INT3 = 8;
    public static final int MISC2 = 9;
    public static final int ACROSS = 10;
    public static final int SHIFT_IMM = 11;
    public static final int EXT = 12;
    public static final int PERMUTE = 13;
    public static final int FMOV_GEN = 14;
    public static final int FP1 = 15;
    public static final int FP2 = 16;
    public static final int FP3 = 17;
    public static final int FCMP = 18;
    public static final int FCSEL = 19;
    public static final int FCCMP = 20;
    public static final int FMOV_IMM = 21;
    public static final int CVT_I2F = 22;
    public static final int CVT_F2I = 23;
    /** An {@link AdvancedSimd} form, executed from its word: the vectoriser's and libm's other instructions. */
    public static final int ADVANCED = 24;
}
