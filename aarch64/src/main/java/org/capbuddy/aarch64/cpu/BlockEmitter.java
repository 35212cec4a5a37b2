package org.capbuddy.aarch64.cpu;

import static org.objectweb.asm.Opcodes.ALOAD;
import static org.objectweb.asm.Opcodes.GETFIELD;
import static org.objectweb.asm.Opcodes.GOTO;
import static org.objectweb.asm.Opcodes.IFEQ;
import static org.objectweb.asm.Opcodes.IFNE;
import static org.objectweb.asm.Opcodes.INVOKEINTERFACE;
import static org.objectweb.asm.Opcodes.INVOKESTATIC;
import static org.objectweb.asm.Opcodes.INVOKEVIRTUAL;
import static org.objectweb.asm.Opcodes.ISTORE;
import static org.objectweb.asm.Opcodes.LADD;
import static org.objectweb.asm.Opcodes.LAND;
import static org.objectweb.asm.Opcodes.LCMP;
import static org.objectweb.asm.Opcodes.LLOAD;
import static org.objectweb.asm.Opcodes.LRETURN;
import static org.objectweb.asm.Opcodes.LSTORE;
import static org.objectweb.asm.Opcodes.PUTFIELD;

import org.capbuddy.aarch64.decode.Insn;
import org.capbuddy.aarch64.decode.Op;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Type;

/**
 * Writes the bytecode of one {@link TranslatedBlock#run}: the entry (registers the block names
 * loaded into locals), each instruction as the interpreter's case for it would run with its
 * operands known (data processing by a {@link DataProcessingEmitter}, loads, stores and the
 * closing branch here), and every way out, where the locals the register file lacks are written
 * back ({@link BlockFrame} keeps the layout and that account).
 */
final class BlockEmitter {
    private static final String MEMORY = Type.getInternalName(GuestMemory.class);
    private static final String INTERPRETER = Type.getInternalName(Interpreter.class);


    /** Data aborts and misaligned branch targets, the two traps a block can stop on. */
    static final int TRAP_ABORT = 0;
    static final int TRAP_ALIGNMENT = 1;

    private final MethodVisitor mv;
    private final Insn[] page;
    private final int first;
    private final int length;
    private final long start;
    private final BlockFrame f;
    private final DataProcessingEmitter dataProcessing;

    BlockEmitter(MethodVisitor mv, Insn[] page, int first, int length, long start) {
        this.mv = mv;
        this.f = new BlockFrame(mv);
        this.dataProcessing = new DataProcessingEmitter(f);
        this.page = page;
        this.first = first;
        this.length = length;
        this.start = start;
    }

    /** The operations a block may contain; the rest stay in the interpreter. */
    static boolean translatable(int op) {
        return switch (op) {
            case Op.ADD_IMM, Op.ADDS_IMM, Op.SUBS_IMM, Op.MOV_CONST, Op.MOVK, Op.AND_IMM, Op.ORR_IMM, Op.EOR_IMM,
                    Op.ANDS_IMM, Op.UBFM, Op.SBFM, Op.BFM, Op.EXTR, Op.MOV_REG, Op.ADD_REG, Op.SUB_REG, Op.ADD_SREG, Op.SUB_SREG, Op.ADDS_SREG,
                    Op.SUBS_SREG, Op.AND_SREG, Op.ORR_SREG, Op.EOR_SREG, Op.ANDS_SREG, Op.CCMP, Op.CSEL, Op.CSINC,
                    Op.CSINV, Op.CSNEG, Op.MADD, Op.MSUB, Op.NOP, Op.PRFM,
                    Op.ADD_EREG, Op.SUB_EREG, Op.ADDS_EREG, Op.SUBS_EREG, Op.ADC, Op.SBC, Op.ADCS, Op.SBCS, Op.DP1,
                    Op.UDIV, Op.SDIV, Op.SHIFTV, Op.MADDL, Op.SMULH, Op.UMULH,
                    Op.LDR_IMM, Op.LDR_PRE, Op.LDR_POST, Op.LDR_REG, Op.LDR_LIT,
                    Op.STR_IMM, Op.STR_PRE, Op.STR_POST, Op.STR_REG, Op.LDP, Op.STP,
                    Op.B, Op.BL, Op.BCOND, Op.CBZ, Op.CBNZ, Op.TBZ, Op.TBNZ, Op.BR, Op.BLR -> true;
            default -> false;
        };
    }

    void emit() {
        mv.visitCode();
        prologue();
        boolean ended = false;
        for (int i = 0; i < length; i++) {
            Insn in = page[first + i];
            long pc = start + 4L * i;
            if (BlockTranslator.isBranch(in.op)) {
                branch(in, pc, i);
                ended = true;
            } else {
                instruction(in, pc, i);
            }
        }
        if (!ended) {
            exitTo(start + 4L * length, length);
        }
        mv.visitMaxs(0, 0);
        mv.visitEnd();
    }

    // ---- entry and exits

    private void prologue() {
        boolean flags = false;
        boolean memory = false;
        for (int i = 0; i < length; i++) {
            Insn in = page[first + i];
            f.used |= registersOf(in);
            flags |= usesFlags(in.op);
            memory |= accessesMemory(in.op);
        }
        f.loadRegisters();
        if (flags) {
            mv.visitVarInsn(ALOAD, BlockFrame.S);
            mv.visitFieldInsn(GETFIELD, BlockFrame.STATE, "nzcv", "I");
            mv.visitVarInsn(ISTORE, BlockFrame.NZCV);
        }
        if (memory) {
            mv.visitVarInsn(ALOAD, BlockFrame.MEM);
            mv.visitMethodInsn(INVOKEINTERFACE, MEMORY, "handlerRuns", "()J", true);
            mv.visitVarInsn(LSTORE, BlockFrame.SEEN);
        }
    }

    /** Every register slot the instruction names, whatever the role (unused fields are slot 0). */
    private static long registersOf(Insn in) {
        long set = slotBit(in.rd) | slotBit(in.rn) | slotBit(in.rm) | slotBit(in.ra);
        if (in.op == Op.BL || in.op == Op.BLR) {
            set |= 1L << 30;
        }
        return set;
    }

    private static long slotBit(int slot) {
        return slot >= 0 && slot < 34 ? 1L << slot : 0; // CCMP's immediate form has rm = -1
    }

    private static boolean usesFlags(int op) {
        return switch (op) {
            case Op.ADDS_IMM, Op.SUBS_IMM, Op.ANDS_IMM, Op.ADDS_SREG, Op.SUBS_SREG, Op.ANDS_SREG, Op.ADDS_EREG,
                    Op.SUBS_EREG, Op.ADC, Op.SBC, Op.ADCS, Op.SBCS, Op.CCMP, Op.CSEL, Op.CSINC, Op.CSINV, Op.CSNEG,
                    Op.BCOND -> true;
            default -> false;
        };
    }

    private static boolean accessesMemory(int op) {
        return op >= Op.LDR_IMM && op <= Op.STP;
    }

    private void retired(int count) {
        mv.visitVarInsn(ALOAD, BlockFrame.INTERP);
        f.intConstant(count);
        mv.visitFieldInsn(PUTFIELD, INTERPRETER, "blockRetired", "I");
    }

    private void exitTo(long next, int retired) {
        f.writeBack();
        retired(retired);
        f.longConstant(next);
        mv.visitInsn(LRETURN);
    }

    /** Returns the long on top of the stack as the next PC. */
    private void exitToTop(int retired) {
        f.writeBack();
        retired(retired);
        mv.visitInsn(LRETURN);
    }

    private void trap(int kind, int addressLocal, int word, int retired) {
        f.writeBack();
        mv.visitVarInsn(ALOAD, BlockFrame.INTERP);
        f.intConstant(kind);
        mv.visitVarInsn(LLOAD, addressLocal);
        f.intConstant(word);
        f.intConstant(retired);
        mv.visitMethodInsn(INVOKEVIRTUAL, INTERPRETER, "trap", "(IJII)J", false);
        mv.visitInsn(LRETURN);
    }

    /** A non-branch instruction of the block ({@link #translatable} says which). */
    private void instruction(Insn in, long pc, int index) {
        switch (in.op) {
            case Op.NOP, Op.PRFM -> {
                // no effect on one thread's state
            }
            case Op.LDP, Op.STP -> pair(in, pc, index);
            case Op.LDR_IMM, Op.LDR_PRE, Op.LDR_POST, Op.LDR_REG, Op.LDR_LIT, Op.STR_IMM, Op.STR_PRE, Op.STR_POST,
                    Op.STR_REG -> single(in, pc, index);
            default -> {
                if (!dataProcessing.emit(in)) {
                    // translatable() and the emitters disagree: a bug, which the translator reports
                    throw new IllegalStateException("no emitter for " + in);
                }
            }
        }
    }

    // ---- loads and stores

    private void single(Insn in, long pc, int index) {
        boolean store = in.op == Op.STR_IMM || in.op == Op.STR_PRE || in.op == Op.STR_POST || in.op == Op.STR_REG;
        switch (in.op) {
            case Op.LDR_IMM, Op.STR_IMM, Op.LDR_PRE, Op.STR_PRE -> {
                f.load(in.rn);
                f.longConstant(in.imm);
                mv.visitInsn(LADD);
            }
            case Op.LDR_POST, Op.STR_POST -> f.load(in.rn);
            case Op.LDR_REG, Op.STR_REG -> {
                f.load(in.rn);
                f.load(in.rm);
                f.intConstant((int) in.imm2);
                f.intConstant((int) in.imm);
                mv.visitMethodInsn(INVOKESTATIC, BlockFrame.ALU, "extend", "(JII)J", false);
                mv.visitInsn(LADD);
            }
            default -> f.longConstant(in.imm); // LDR_LIT: resolved when decoded
        }
        mv.visitVarInsn(LSTORE, BlockFrame.ADDRESS);
        beforeAccess(pc);
        mv.visitVarInsn(ALOAD, BlockFrame.MEM);
        mv.visitVarInsn(LLOAD, BlockFrame.ADDRESS);
        f.intConstant(in.a);
        if (store) {
            f.load(in.rd);
            mv.visitMethodInsn(INVOKEINTERFACE, MEMORY, "store", "(JIJ)V", true);
        } else {
            mv.visitMethodInsn(INVOKEINTERFACE, MEMORY, "load", "(JI)J", true);
            mv.visitVarInsn(LSTORE, BlockFrame.A);
        }
        trapIfFailed(BlockFrame.ADDRESS, in.word, index);
        afterAccess(pc, index, () -> {
            if (in.op == Op.LDR_PRE || in.op == Op.LDR_POST || in.op == Op.STR_PRE || in.op == Op.STR_POST) {
                f.load(in.rn);
                f.longConstant(in.imm);
                mv.visitInsn(LADD);
                f.store(in.rn);
            }
            if (!store) {
                mv.visitVarInsn(LLOAD, BlockFrame.A);
                extendLoad(in.a, in.b);
                f.store(in.rd);
            }
        });
    }

    /** LDP and STP (imm2: 0 offset, 1 pre-index, 2 post-index), as the interpreter's {@code pair}. */
    private void pair(Insn in, long pc, int index) {
        int size = in.a;
        // the written-back base comes from the base as it was before the accesses
        f.load(in.rn);
        f.longConstant(in.imm);
        mv.visitInsn(LADD);
        mv.visitVarInsn(LSTORE, BlockFrame.UPDATED_BASE);
        f.load(in.rn);
        if (in.imm2 != 2) {
            f.longConstant(in.imm);
            mv.visitInsn(LADD);
        }
        mv.visitVarInsn(LSTORE, BlockFrame.ADDRESS);
        mv.visitVarInsn(LLOAD, BlockFrame.ADDRESS);
        f.longConstant(size);
        mv.visitInsn(LADD);
        mv.visitVarInsn(LSTORE, BlockFrame.SECOND);
        boolean store = in.op == Op.STP;
        beforeAccess(pc);
        access(store, BlockFrame.ADDRESS, size, in.rd, BlockFrame.A);
        trapIfFailed(BlockFrame.ADDRESS, in.word, index);
        access(store, BlockFrame.SECOND, size, in.ra, BlockFrame.B);
        trapIfFailed(BlockFrame.SECOND, in.word, index);
        afterAccess(pc, index, () -> {
            if (in.imm2 != 0) {
                mv.visitVarInsn(LLOAD, BlockFrame.UPDATED_BASE);
                f.store(in.rn);
            }
            if (!store) {
                mv.visitVarInsn(LLOAD, BlockFrame.A);
                extendLoad(size, in.b);
                f.store(in.rd);
                mv.visitVarInsn(LLOAD, BlockFrame.B);
                extendLoad(size, in.b);
                f.store(in.ra);
            }
        });
    }

    private void access(boolean store, int addressLocal, int size, int register, int loadedLocal) {
        mv.visitVarInsn(ALOAD, BlockFrame.MEM);
        mv.visitVarInsn(LLOAD, addressLocal);
        f.intConstant(size);
        if (store) {
            f.load(register);
            mv.visitMethodInsn(INVOKEINTERFACE, MEMORY, "store", "(JIJ)V", true);
        } else {
            mv.visitMethodInsn(INVOKEINTERFACE, MEMORY, "load", "(JI)J", true);
            mv.visitVarInsn(LSTORE, loadedLocal);
        }
    }

    /** PC on the accessing instruction (the fault IP), its instruction count, and the register file up to date. */
    private void beforeAccess(long pc) {
        mv.visitVarInsn(ALOAD, BlockFrame.S);
        f.longConstant(pc);
        mv.visitFieldInsn(PUTFIELD, BlockFrame.STATE, "pc", "J");
        mv.visitVarInsn(ALOAD, BlockFrame.S);
        mv.visitVarInsn(LLOAD, BlockFrame.RETIRED);
        f.longConstant((pc - start) >>> 2);
        mv.visitInsn(LADD);
        mv.visitFieldInsn(PUTFIELD, BlockFrame.STATE, "retiredAtAccess", "J");
        f.writeBack();
        f.dirty = 0;
        f.flagsDirty = false;
    }

    private void trapIfFailed(int addressLocal, int word, int index) {
        Label done = new Label();
        mv.visitVarInsn(ALOAD, BlockFrame.MEM);
        mv.visitMethodInsn(INVOKEINTERFACE, MEMORY, "failed", "()Z", true);
        mv.visitJumpInsn(IFEQ, done);
        trap(TRAP_ABORT, addressLocal, word, index);
        mv.visitLabel(done);
    }

    /**
     * Emits the rest of an accessing instruction ({@code rest}: base write-back, loaded values)
     * twice: as it is, and for when a handler ran during the access, after reading every register
     * again from the register file (the handler may have changed any of them, and the interpreter
     * would use the new values), followed by a return to the interpreter.
     */
    private void afterAccess(long pc, int index, Runnable rest) {
        Label same = new Label();
        mv.visitVarInsn(ALOAD, BlockFrame.MEM);
        mv.visitMethodInsn(INVOKEINTERFACE, MEMORY, "handlerRuns", "()J", true);
        mv.visitVarInsn(LLOAD, BlockFrame.SEEN);
        mv.visitInsn(LCMP);
        mv.visitJumpInsn(IFEQ, same);
        f.loadRegisters(); // nothing is dirty here: the access wrote everything back before it
        rest.run();
        exitTo(pc + 4, index + 1);
        f.dirty = 0;
        f.flagsDirty = false;
        mv.visitLabel(same);
        rest.run();
    }

    private void extendLoad(int size, int kind) {
        if (kind != 0) {
            f.intConstant(size);
            f.intConstant(kind);
            mv.visitMethodInsn(INVOKESTATIC, BlockFrame.ALU, "extendLoad", "(JII)J", false);
        }
    }

    // ---- branches (the last instruction of a block)

    private void branch(Insn in, long pc, int index) {
        int retired = index + 1;
        switch (in.op) {
            case Op.B -> exitTo(in.imm, retired);
            case Op.BL -> {
                f.longConstant(pc + 4);
                f.store(30);
                exitTo(in.imm, retired);
            }
            case Op.BR, Op.BLR -> {
                Label aligned = new Label();
                f.load(in.rn);
                mv.visitVarInsn(LSTORE, BlockFrame.ADDRESS);
                mv.visitVarInsn(LLOAD, BlockFrame.ADDRESS);
                f.longConstant(3);
                mv.visitInsn(LAND);
                f.longConstant(0);
                mv.visitInsn(LCMP);
                mv.visitJumpInsn(IFEQ, aligned);
                trap(TRAP_ALIGNMENT, BlockFrame.ADDRESS, in.word, index);
                mv.visitLabel(aligned);
                if (in.op == Op.BLR) {
                    f.longConstant(pc + 4);
                    f.store(30);
                }
                mv.visitVarInsn(LLOAD, BlockFrame.ADDRESS);
                exitToTop(retired);
            }
            default -> {
                Label taken = new Label();
                Label join = new Label();
                switch (in.op) {
                    case Op.BCOND -> {
                        f.condition(in.a);
                        mv.visitJumpInsn(IFNE, taken);
                    }
                    case Op.CBZ, Op.CBNZ -> {
                        f.load(in.rn);
                        f.mask(in.w);
                        f.longConstant(0);
                        mv.visitInsn(LCMP);
                        mv.visitJumpInsn(in.op == Op.CBZ ? IFEQ : IFNE, taken);
                    }
                    default -> { // TBZ, TBNZ
                        f.load(in.rn);
                        f.longConstant(1L << in.a);
                        mv.visitInsn(LAND);
                        f.longConstant(0);
                        mv.visitInsn(LCMP);
                        mv.visitJumpInsn(in.op == Op.TBZ ? IFEQ : IFNE, taken);
                    }
                }
                f.longConstant(pc + 4);
                mv.visitJumpInsn(GOTO, join);
                mv.visitLabel(taken);
                f.longConstant(in.imm);
                mv.visitLabel(join);
                exitToTop(retired);
            }
        }
    }

}
