package org.capbuddy.aarch64.cpu;

import static org.capbuddy.aarch64.cpu.Alu.W_MASK;
import static org.objectweb.asm.Opcodes.*;

import org.capbuddy.aarch64.decode.Insn;
import org.capbuddy.aarch64.decode.Op;
import org.objectweb.asm.Label;

/**
 * Writes the data-processing instructions of a translated block: each as the interpreter's case
 * for it would run with its operands known, on the register locals of a {@link BlockFrame}.
 */
final class DataProcessingEmitter {
    private static final String ALU = BlockFrame.ALU;
    private final BlockFrame f;

    DataProcessingEmitter(BlockFrame frame) {
        this.f = frame;
    }

    /** Emits data-processing instruction {@code in}; false when it is not one. */
    boolean emit(Insn in) {
        boolean w = in.w;
        switch (in.op) {
            case Op.ADD_IMM -> {
                f.load(in.rn);
                f.longConstant(in.imm);
                f.mv.visitInsn(LADD);
                f.storeMasked(in.rd, w);
            }
            case Op.ADDS_IMM, Op.SUBS_IMM -> {
                f.load(in.rn);
                f.mv.visitVarInsn(LSTORE, BlockFrame.A);
                f.longConstant(in.imm);
                f.mv.visitVarInsn(LSTORE, BlockFrame.B);
                arithmeticWithFlags(in.op == Op.SUBS_IMM, in.rd, w);
            }
            case Op.MOV_CONST -> {
                f.longConstant(in.imm);
                f.store(in.rd);
            }
            case Op.MOVK -> {
                f.load(in.rn);
                f.longConstant(~in.imm2);
                f.mv.visitInsn(LAND);
                f.longConstant(in.imm);
                f.mv.visitInsn(LOR);
                f.storeMasked(in.rd, w);
            }
            case Op.AND_IMM -> {
                f.load(in.rn);
                f.longConstant(in.imm);
                f.mv.visitInsn(LAND);
                f.store(in.rd);
            }
            case Op.ORR_IMM, Op.EOR_IMM -> {
                f.load(in.rn);
                f.longConstant(in.imm);
                f.mv.visitInsn(in.op == Op.ORR_IMM ? LOR : LXOR);
                f.storeMasked(in.rd, w);
            }
            case Op.ANDS_IMM -> {
                f.load(in.rn);
                f.longConstant(in.imm);
                f.mv.visitInsn(LAND);
                logicFlagsAndStore(in.rd, w);
            }
            case Op.UBFM -> {
                f.load(in.rn);
                if (w) {
                    f.mv.visitInsn(L2I);
                    f.intConstant(in.a);
                    f.mv.visitMethodInsn(INVOKESTATIC, "java/lang/Integer", "rotateRight", "(II)I", false);
                    f.mv.visitInsn(I2L);
                    f.longConstant(W_MASK);
                    f.mv.visitInsn(LAND);
                } else {
                    f.intConstant(in.a);
                    f.mv.visitMethodInsn(INVOKESTATIC, "java/lang/Long", "rotateRight", "(JI)J", false);
                }
                f.longConstant(in.imm & in.imm2);
                f.mv.visitInsn(LAND);
                f.store(in.rd);
            }
            case Op.SBFM, Op.BFM -> {
                f.intConstant(in.op);
                f.load(in.rn);
                f.load(in.rm);
                f.intConstant(in.a);
                f.intConstant(in.b);
                f.longConstant(in.imm);
                f.longConstant(in.imm2);
                f.booleanConstant(w);
                f.mv.visitMethodInsn(INVOKESTATIC, ALU, "bitfieldMove", "(IJJIIJJZ)J", false);
                f.store(in.rd);
            }
            case Op.EXTR -> {
                f.load(in.rn);
                f.load(in.rm);
                f.intConstant(in.a);
                f.booleanConstant(w);
                f.mv.visitMethodInsn(INVOKESTATIC, ALU, "extract", "(JJIZ)J", false);
                f.store(in.rd);
            }
            case Op.ADD_EREG, Op.SUB_EREG, Op.ADDS_EREG, Op.SUBS_EREG -> {
                boolean subtract = in.op == Op.SUB_EREG || in.op == Op.SUBS_EREG;
                f.load(in.rn);
                f.mv.visitVarInsn(LSTORE, BlockFrame.A);
                f.load(in.rm);
                f.intConstant(in.a);
                f.intConstant(in.b);
                f.mv.visitMethodInsn(INVOKESTATIC, ALU, "extend", "(JII)J", false);
                f.mv.visitVarInsn(LSTORE, BlockFrame.B);
                if (in.op == Op.ADDS_EREG || in.op == Op.SUBS_EREG) {
                    arithmeticWithFlags(subtract, in.rd, w);
                } else {
                    f.mv.visitVarInsn(LLOAD, BlockFrame.A);
                    f.mv.visitVarInsn(LLOAD, BlockFrame.B);
                    f.mv.visitInsn(subtract ? LSUB : LADD);
                    f.storeMasked(in.rd, w);
                }
            }
            case Op.ADC, Op.SBC, Op.ADCS, Op.SBCS -> withCarry(in);
            case Op.DP1 -> {
                f.intConstant(in.a);
                f.load(in.rn);
                f.booleanConstant(w);
                f.mv.visitMethodInsn(INVOKESTATIC, ALU, "oneSource", "(IJZ)J", false);
                f.store(in.rd);
            }
            case Op.UDIV, Op.SDIV, Op.SHIFTV, Op.MADDL, Op.SMULH, Op.UMULH -> {
                f.intConstant(in.op);
                f.intConstant(in.a);
                f.booleanConstant(in.imm != 0);
                f.load(in.rn);
                f.load(in.rm);
                if (in.op == Op.MADDL) {
                    f.load(in.ra);
                } else {
                    f.longConstant(0);
                }
                f.booleanConstant(w);
                f.mv.visitMethodInsn(INVOKESTATIC, ALU, "multiplyDivideShift", "(IIZJJJZ)J", false);
                f.store(in.rd);
            }
            case Op.MOV_REG -> {
                f.load(in.rm);
                f.storeMasked(in.rd, w);
            }
            case Op.ADD_REG, Op.SUB_REG -> {
                f.load(in.rn);
                f.load(in.rm);
                f.mv.visitInsn(in.op == Op.ADD_REG ? LADD : LSUB);
                f.storeMasked(in.rd, w);
            }
            case Op.ADD_SREG, Op.SUB_SREG -> {
                f.load(in.rn);
                shifted(in);
                f.mv.visitInsn(in.op == Op.ADD_SREG ? LADD : LSUB);
                f.storeMasked(in.rd, w);
            }
            case Op.ADDS_SREG, Op.SUBS_SREG -> {
                f.load(in.rn);
                f.mv.visitVarInsn(LSTORE, BlockFrame.A);
                shifted(in);
                f.mv.visitVarInsn(LSTORE, BlockFrame.B);
                arithmeticWithFlags(in.op == Op.SUBS_SREG, in.rd, w);
            }
            case Op.AND_SREG, Op.ORR_SREG, Op.EOR_SREG, Op.ANDS_SREG -> {
                f.load(in.rn);
                shifted(in);
                if (in.imm != 0) {
                    f.longConstant(-1L);
                    f.mv.visitInsn(LXOR);
                }
                f.mv.visitInsn(switch (in.op) {
                    case Op.ORR_SREG -> LOR;
                    case Op.EOR_SREG -> LXOR;
                    default -> LAND;
                });
                if (in.op == Op.ANDS_SREG) {
                    f.mask(w);
                    logicFlagsAndStore(in.rd, w);
                } else {
                    f.storeMasked(in.rd, w);
                }
            }
            case Op.CCMP -> conditionalCompare(in);
            case Op.CSEL, Op.CSINC, Op.CSINV, Op.CSNEG -> conditionalSelect(in);
            case Op.MADD, Op.MSUB -> {
                f.load(in.ra);
                f.load(in.rn);
                f.load(in.rm);
                f.mv.visitInsn(LMUL);
                f.mv.visitInsn(in.op == Op.MADD ? LADD : LSUB);
                f.storeMasked(in.rd, w);
            }
            default -> {
                return false;
            }
        }
        return true;
    }

    /** ADC, SBC and their flag-setting forms: Rn + (Rm or ~Rm) + C. */
    private void withCarry(Insn in) {
        boolean subtract = in.op == Op.SBC || in.op == Op.SBCS;
        f.load(in.rn);
        f.mv.visitVarInsn(LSTORE, BlockFrame.A);
        f.load(in.rm);
        if (subtract) {
            f.longConstant(-1L);
            f.mv.visitInsn(LXOR);
        }
        f.mv.visitVarInsn(LSTORE, BlockFrame.B);
        if (in.op == Op.ADCS || in.op == Op.SBCS) {
            f.mv.visitVarInsn(LLOAD, BlockFrame.A);
            f.mv.visitVarInsn(LLOAD, BlockFrame.B);
            carry();
            f.booleanConstant(in.w);
            f.mv.visitMethodInsn(INVOKESTATIC, ALU, "addWithCarryFlags", "(JJIZ)I", false);
            f.mv.visitVarInsn(ISTORE, BlockFrame.SCRATCH_FLAGS);
        }
        f.mv.visitVarInsn(LLOAD, BlockFrame.A);
        f.mv.visitVarInsn(LLOAD, BlockFrame.B);
        f.mv.visitInsn(LADD);
        carry();
        f.mv.visitInsn(I2L);
        f.mv.visitInsn(LADD);
        f.storeMasked(in.rd, in.w);
        if (in.op == Op.ADCS || in.op == Op.SBCS) {
            f.mv.visitVarInsn(ILOAD, BlockFrame.SCRATCH_FLAGS); // the carry in was read before the flags changed
            f.setFlags();
        }
    }

    /** Pushes C (0 or 1) from the flags. */
    private void carry() {
        f.mv.visitVarInsn(ILOAD, BlockFrame.NZCV);
        f.intConstant(29);
        f.mv.visitInsn(IUSHR);
        f.intConstant(1);
        f.mv.visitInsn(IAND);
    }

    /** A (local) op B into rd, NZCV from the same operands. */
    private void arithmeticWithFlags(boolean subtract, int rd, boolean w) {
        f.mv.visitVarInsn(LLOAD, BlockFrame.A);
        f.mv.visitVarInsn(LLOAD, BlockFrame.B);
        f.booleanConstant(w);
        f.mv.visitMethodInsn(INVOKESTATIC, ALU, subtract ? "subFlags" : "addFlags", "(JJZ)I", false);
        f.setFlags();
        f.mv.visitVarInsn(LLOAD, BlockFrame.A);
        f.mv.visitVarInsn(LLOAD, BlockFrame.B);
        f.mv.visitInsn(subtract ? LSUB : LADD);
        f.storeMasked(rd, w);
    }

    /** Stores the result on the stack in rd and its N and Z as the flags. */
    private void logicFlagsAndStore(int rd, boolean w) {
        f.mv.visitVarInsn(LSTORE, BlockFrame.A);
        f.mv.visitVarInsn(LLOAD, BlockFrame.A);
        f.booleanConstant(w);
        f.mv.visitMethodInsn(INVOKESTATIC, ALU, "logicFlags", "(JZ)I", false);
        f.setFlags();
        f.mv.visitVarInsn(LLOAD, BlockFrame.A);
        f.store(rd);
    }

    /** Pushes Rm shifted by the instruction's type and amount. */
    private void shifted(Insn in) {
        f.load(in.rm);
        f.intConstant(in.a);
        f.intConstant(in.b);
        f.booleanConstant(in.w);
        f.mv.visitMethodInsn(INVOKESTATIC, ALU, "shift", "(JIIZ)J", false);
    }

    private void conditionalSelect(Insn in) {
        Label otherwise = new Label();
        Label join = new Label();
        f.condition(in.a);
        f.mv.visitJumpInsn(IFEQ, otherwise);
        f.load(in.rn);
        f.mv.visitJumpInsn(GOTO, join);
        f.mv.visitLabel(otherwise);
        f.load(in.rm);
        switch (in.op) {
            case Op.CSINC -> {
                f.longConstant(1);
                f.mv.visitInsn(LADD);
            }
            case Op.CSINV -> {
                f.longConstant(-1L);
                f.mv.visitInsn(LXOR);
            }
            case Op.CSNEG -> f.mv.visitInsn(LNEG);
            default -> {
                // CSEL: Rm as it is
            }
        }
        f.mv.visitLabel(join);
        f.storeMasked(in.rd, in.w);
    }

    private void conditionalCompare(Insn in) {
        Label otherwise = new Label();
        Label join = new Label();
        f.condition(in.a);
        f.mv.visitJumpInsn(IFEQ, otherwise);
        f.load(in.rn);
        if (in.rm < 0) {
            f.longConstant(in.imm);
        } else {
            f.load(in.rm);
        }
        f.booleanConstant(in.w);
        f.mv.visitMethodInsn(INVOKESTATIC, ALU, in.imm2 != 0 ? "addFlags" : "subFlags", "(JJZ)I", false);
        f.mv.visitJumpInsn(GOTO, join);
        f.mv.visitLabel(otherwise);
        f.intConstant(in.b << 28);
        f.mv.visitLabel(join);
        f.setFlags();
    }
}
