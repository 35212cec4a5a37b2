package org.capbuddy.aarch64.cpu;

import static org.capbuddy.aarch64.cpu.Alu.W_MASK;
import static org.objectweb.asm.Opcodes.ALOAD;
import static org.objectweb.asm.Opcodes.GETFIELD;
import static org.objectweb.asm.Opcodes.GOTO;
import static org.objectweb.asm.Opcodes.IFEQ;
import static org.objectweb.asm.Opcodes.IFNE;
import static org.objectweb.asm.Opcodes.ILOAD;
import static org.objectweb.asm.Opcodes.INVOKEINTERFACE;
import static org.objectweb.asm.Opcodes.INVOKESTATIC;
import static org.objectweb.asm.Opcodes.INVOKEVIRTUAL;
import static org.objectweb.asm.Opcodes.ISTORE;
import static org.objectweb.asm.Opcodes.LADD;
import static org.objectweb.asm.Opcodes.LALOAD;
import static org.objectweb.asm.Opcodes.LAND;
import static org.objectweb.asm.Opcodes.LASTORE;
import static org.objectweb.asm.Opcodes.LCMP;
import static org.objectweb.asm.Opcodes.LLOAD;
import static org.objectweb.asm.Opcodes.LMUL;
import static org.objectweb.asm.Opcodes.LNEG;
import static org.objectweb.asm.Opcodes.LOR;
import static org.objectweb.asm.Opcodes.LRETURN;
import static org.objectweb.asm.Opcodes.LSTORE;
import static org.objectweb.asm.Opcodes.LSUB;
import static org.objectweb.asm.Opcodes.LXOR;
import static org.objectweb.asm.Opcodes.PUTFIELD;

import org.capbuddy.aarch64.decode.Insn;
import org.capbuddy.aarch64.decode.Op;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Type;

/**
 * Writes the bytecode of one {@link TranslatedBlock#run}: each instruction as the interpreter's
 * case for it would run with its operands known, registers held in JVM locals for the length of
 * the block, written back to the register file at every way out and before every memory access.
 *
 * <h2>Locals of the generated method</h2>
 * <pre>
 *  0 this   1 x (long[])   2 s (CpuState)   3 memory (GuestMemory)   4 interpreter
 *  5 nzcv (int)   6 handler runs at entry (long)   8, 10, 12, 14 scratch (long)   16 scratch flags (int)
 *  18 a pair's written-back base (long)
 *  20 + 2n  register slot n (n = 0..33, see CpuState), loaded at entry if the block uses it
 * </pre>
 * The emitter tracks which register locals (and the flags) hold values not yet in the register
 * file; an exit writes those back, and a memory access writes them back first and starts clean.
 */
final class BlockEmitter {
    private static final String ALU = Type.getInternalName(Alu.class);
    private static final String STATE = Type.getInternalName(CpuState.class);
    private static final String MEMORY = Type.getInternalName(GuestMemory.class);
    private static final String INTERPRETER = Type.getInternalName(Interpreter.class);

    private static final int X = 1;
    private static final int S = 2;
    private static final int MEM = 3;
    private static final int INTERP = 4;
    private static final int NZCV = 5;
    private static final int SEEN = 6;
    private static final int A = 8;
    private static final int B = 10;
    private static final int ADDRESS = 12;
    private static final int SECOND = 14;
    private static final int SCRATCH_FLAGS = 16;
    private static final int UPDATED_BASE = 18;
    private static final int REGISTERS = 20;

    /** Data aborts and misaligned branch targets, the two traps a block can stop on. */
    static final int TRAP_ABORT = 0;
    static final int TRAP_ALIGNMENT = 1;

    private final MethodVisitor mv;
    private final Insn[] page;
    private final int first;
    private final int length;
    private final long start;
    /** Register slots whose locals differ from the register file (bit n = slot n). */
    private long dirty;
    private boolean flagsDirty;
    /** Register slots the block names, loaded into locals at entry. */
    private long used;

    BlockEmitter(MethodVisitor mv, Insn[] page, int first, int length, long start) {
        this.mv = mv;
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
            used |= registersOf(in);
            flags |= usesFlags(in.op);
            memory |= accessesMemory(in.op);
        }
        loadRegisters();
        if (flags) {
            mv.visitVarInsn(ALOAD, S);
            mv.visitFieldInsn(GETFIELD, STATE, "nzcv", "I");
            mv.visitVarInsn(ISTORE, NZCV);
        }
        if (memory) {
            mv.visitVarInsn(ALOAD, MEM);
            mv.visitMethodInsn(INVOKEINTERFACE, MEMORY, "handlerRuns", "()J", true);
            mv.visitVarInsn(LSTORE, SEEN);
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

    /** Writes back what the register file lacks, without forgetting it (other paths go on). */
    private void writeBack() {
        for (int slot = 0; slot < 34; slot++) {
            if ((dirty & (1L << slot)) != 0) {
                mv.visitVarInsn(ALOAD, X);
                intConstant(slot);
                mv.visitVarInsn(LLOAD, local(slot));
                mv.visitInsn(LASTORE);
            }
        }
        if (flagsDirty) {
            mv.visitVarInsn(ALOAD, S);
            mv.visitVarInsn(ILOAD, NZCV);
            mv.visitFieldInsn(PUTFIELD, STATE, "nzcv", "I");
        }
    }

    private void retired(int count) {
        mv.visitVarInsn(ALOAD, INTERP);
        intConstant(count);
        mv.visitFieldInsn(PUTFIELD, INTERPRETER, "blockRetired", "I");
    }

    private void exitTo(long next, int retired) {
        writeBack();
        retired(retired);
        longConstant(next);
        mv.visitInsn(LRETURN);
    }

    /** Returns the long on top of the stack as the next PC. */
    private void exitToTop(int retired) {
        writeBack();
        retired(retired);
        mv.visitInsn(LRETURN);
    }

    private void trap(int kind, int addressLocal, int word, int retired) {
        writeBack();
        mv.visitVarInsn(ALOAD, INTERP);
        intConstant(kind);
        mv.visitVarInsn(LLOAD, addressLocal);
        intConstant(word);
        intConstant(retired);
        mv.visitMethodInsn(INVOKEVIRTUAL, INTERPRETER, "trap", "(IJII)J", false);
        mv.visitInsn(LRETURN);
    }

    // ---- data processing

    private void instruction(Insn in, long pc, int index) {
        boolean w = in.w;
        switch (in.op) {
            case Op.ADD_IMM -> {
                load(in.rn);
                longConstant(in.imm);
                mv.visitInsn(LADD);
                storeMasked(in.rd, w);
            }
            case Op.ADDS_IMM, Op.SUBS_IMM -> {
                load(in.rn);
                mv.visitVarInsn(LSTORE, A);
                longConstant(in.imm);
                mv.visitVarInsn(LSTORE, B);
                arithmeticWithFlags(in.op == Op.SUBS_IMM, in.rd, w);
            }
            case Op.MOV_CONST -> {
                longConstant(in.imm);
                store(in.rd);
            }
            case Op.MOVK -> {
                load(in.rn);
                longConstant(~in.imm2);
                mv.visitInsn(LAND);
                longConstant(in.imm);
                mv.visitInsn(LOR);
                storeMasked(in.rd, w);
            }
            case Op.AND_IMM -> {
                load(in.rn);
                longConstant(in.imm);
                mv.visitInsn(LAND);
                store(in.rd);
            }
            case Op.ORR_IMM, Op.EOR_IMM -> {
                load(in.rn);
                longConstant(in.imm);
                mv.visitInsn(in.op == Op.ORR_IMM ? LOR : LXOR);
                storeMasked(in.rd, w);
            }
            case Op.ANDS_IMM -> {
                load(in.rn);
                longConstant(in.imm);
                mv.visitInsn(LAND);
                logicFlagsAndStore(in.rd, w);
            }
            case Op.UBFM -> {
                load(in.rn);
                if (w) {
                    mv.visitInsn(org.objectweb.asm.Opcodes.L2I);
                    intConstant(in.a);
                    mv.visitMethodInsn(INVOKESTATIC, "java/lang/Integer", "rotateRight", "(II)I", false);
                    mv.visitInsn(org.objectweb.asm.Opcodes.I2L);
                    longConstant(W_MASK);
                    mv.visitInsn(LAND);
                } else {
                    intConstant(in.a);
                    mv.visitMethodInsn(INVOKESTATIC, "java/lang/Long", "rotateRight", "(JI)J", false);
                }
                longConstant(in.imm & in.imm2);
                mv.visitInsn(LAND);
                store(in.rd);
            }
            case Op.SBFM, Op.BFM -> {
                intConstant(in.op);
                load(in.rn);
                load(in.rm);
                intConstant(in.a);
                intConstant(in.b);
                longConstant(in.imm);
                longConstant(in.imm2);
                booleanConstant(w);
                mv.visitMethodInsn(INVOKESTATIC, ALU, "bitfieldMove", "(IJJIIJJZ)J", false);
                store(in.rd);
            }
            case Op.EXTR -> {
                load(in.rn);
                load(in.rm);
                intConstant(in.a);
                booleanConstant(w);
                mv.visitMethodInsn(INVOKESTATIC, ALU, "extract", "(JJIZ)J", false);
                store(in.rd);
            }
            case Op.ADD_EREG, Op.SUB_EREG, Op.ADDS_EREG, Op.SUBS_EREG -> {
                boolean subtract = in.op == Op.SUB_EREG || in.op == Op.SUBS_EREG;
                load(in.rn);
                mv.visitVarInsn(LSTORE, A);
                load(in.rm);
                intConstant(in.a);
                intConstant(in.b);
                mv.visitMethodInsn(INVOKESTATIC, ALU, "extend", "(JII)J", false);
                mv.visitVarInsn(LSTORE, B);
                if (in.op == Op.ADDS_EREG || in.op == Op.SUBS_EREG) {
                    arithmeticWithFlags(subtract, in.rd, w);
                } else {
                    mv.visitVarInsn(LLOAD, A);
                    mv.visitVarInsn(LLOAD, B);
                    mv.visitInsn(subtract ? LSUB : LADD);
                    storeMasked(in.rd, w);
                }
            }
            case Op.ADC, Op.SBC, Op.ADCS, Op.SBCS -> withCarry(in);
            case Op.DP1 -> {
                intConstant(in.a);
                load(in.rn);
                booleanConstant(w);
                mv.visitMethodInsn(INVOKESTATIC, ALU, "oneSource", "(IJZ)J", false);
                store(in.rd);
            }
            case Op.UDIV, Op.SDIV, Op.SHIFTV, Op.MADDL, Op.SMULH, Op.UMULH -> {
                intConstant(in.op);
                intConstant(in.a);
                booleanConstant(in.imm != 0);
                load(in.rn);
                load(in.rm);
                if (in.op == Op.MADDL) {
                    load(in.ra);
                } else {
                    longConstant(0);
                }
                booleanConstant(w);
                mv.visitMethodInsn(INVOKESTATIC, ALU, "multiplyDivideShift", "(IIZJJJZ)J", false);
                store(in.rd);
            }
            case Op.MOV_REG -> {
                load(in.rm);
                storeMasked(in.rd, w);
            }
            case Op.ADD_REG, Op.SUB_REG -> {
                load(in.rn);
                load(in.rm);
                mv.visitInsn(in.op == Op.ADD_REG ? LADD : LSUB);
                storeMasked(in.rd, w);
            }
            case Op.ADD_SREG, Op.SUB_SREG -> {
                load(in.rn);
                shifted(in);
                mv.visitInsn(in.op == Op.ADD_SREG ? LADD : LSUB);
                storeMasked(in.rd, w);
            }
            case Op.ADDS_SREG, Op.SUBS_SREG -> {
                load(in.rn);
                mv.visitVarInsn(LSTORE, A);
                shifted(in);
                mv.visitVarInsn(LSTORE, B);
                arithmeticWithFlags(in.op == Op.SUBS_SREG, in.rd, w);
            }
            case Op.AND_SREG, Op.ORR_SREG, Op.EOR_SREG, Op.ANDS_SREG -> {
                load(in.rn);
                shifted(in);
                if (in.imm != 0) {
                    longConstant(-1L);
                    mv.visitInsn(LXOR);
                }
                mv.visitInsn(switch (in.op) {
                    case Op.ORR_SREG -> LOR;
                    case Op.EOR_SREG -> LXOR;
                    default -> LAND;
                });
                if (in.op == Op.ANDS_SREG) {
                    mask(w);
                    logicFlagsAndStore(in.rd, w);
                } else {
                    storeMasked(in.rd, w);
                }
            }
            case Op.CCMP -> conditionalCompare(in);
            case Op.CSEL, Op.CSINC, Op.CSINV, Op.CSNEG -> conditionalSelect(in);
            case Op.MADD, Op.MSUB -> {
                load(in.ra);
                load(in.rn);
                load(in.rm);
                mv.visitInsn(LMUL);
                mv.visitInsn(in.op == Op.MADD ? LADD : LSUB);
                storeMasked(in.rd, w);
            }
            case Op.NOP, Op.PRFM -> {
                // no effect on one thread's state
            }
            case Op.LDP, Op.STP -> pair(in, pc, index);
            default -> single(in, pc, index);
        }
    }

    /** ADC, SBC and their flag-setting forms: Rn + (Rm or ~Rm) + C. */
    private void withCarry(Insn in) {
        boolean subtract = in.op == Op.SBC || in.op == Op.SBCS;
        load(in.rn);
        mv.visitVarInsn(LSTORE, A);
        load(in.rm);
        if (subtract) {
            longConstant(-1L);
            mv.visitInsn(LXOR);
        }
        mv.visitVarInsn(LSTORE, B);
        if (in.op == Op.ADCS || in.op == Op.SBCS) {
            mv.visitVarInsn(LLOAD, A);
            mv.visitVarInsn(LLOAD, B);
            carry();
            booleanConstant(in.w);
            mv.visitMethodInsn(INVOKESTATIC, ALU, "addWithCarryFlags", "(JJIZ)I", false);
            mv.visitVarInsn(ISTORE, SCRATCH_FLAGS);
        }
        mv.visitVarInsn(LLOAD, A);
        mv.visitVarInsn(LLOAD, B);
        mv.visitInsn(LADD);
        carry();
        mv.visitInsn(org.objectweb.asm.Opcodes.I2L);
        mv.visitInsn(LADD);
        storeMasked(in.rd, in.w);
        if (in.op == Op.ADCS || in.op == Op.SBCS) {
            mv.visitVarInsn(ILOAD, SCRATCH_FLAGS); // the carry in was read before the flags changed
            setFlags();
        }
    }

    /** Pushes C (0 or 1) from the flags. */
    private void carry() {
        mv.visitVarInsn(ILOAD, NZCV);
        intConstant(29);
        mv.visitInsn(org.objectweb.asm.Opcodes.IUSHR);
        intConstant(1);
        mv.visitInsn(org.objectweb.asm.Opcodes.IAND);
    }

    /** A (local) op B into rd, NZCV from the same operands. */
    private void arithmeticWithFlags(boolean subtract, int rd, boolean w) {
        mv.visitVarInsn(LLOAD, A);
        mv.visitVarInsn(LLOAD, B);
        booleanConstant(w);
        mv.visitMethodInsn(INVOKESTATIC, ALU, subtract ? "subFlags" : "addFlags", "(JJZ)I", false);
        setFlags();
        mv.visitVarInsn(LLOAD, A);
        mv.visitVarInsn(LLOAD, B);
        mv.visitInsn(subtract ? LSUB : LADD);
        storeMasked(rd, w);
    }

    /** Stores the result on the stack in rd and its N and Z as the flags. */
    private void logicFlagsAndStore(int rd, boolean w) {
        mv.visitVarInsn(LSTORE, A);
        mv.visitVarInsn(LLOAD, A);
        booleanConstant(w);
        mv.visitMethodInsn(INVOKESTATIC, ALU, "logicFlags", "(JZ)I", false);
        setFlags();
        mv.visitVarInsn(LLOAD, A);
        store(rd);
    }

    /** Pushes Rm shifted by the instruction's type and amount. */
    private void shifted(Insn in) {
        load(in.rm);
        intConstant(in.a);
        intConstant(in.b);
        booleanConstant(in.w);
        mv.visitMethodInsn(INVOKESTATIC, ALU, "shift", "(JIIZ)J", false);
    }

    private void conditionalSelect(Insn in) {
        Label otherwise = new Label();
        Label join = new Label();
        condition(in.a);
        mv.visitJumpInsn(IFEQ, otherwise);
        load(in.rn);
        mv.visitJumpInsn(GOTO, join);
        mv.visitLabel(otherwise);
        load(in.rm);
        switch (in.op) {
            case Op.CSINC -> {
                longConstant(1);
                mv.visitInsn(LADD);
            }
            case Op.CSINV -> {
                longConstant(-1L);
                mv.visitInsn(LXOR);
            }
            case Op.CSNEG -> mv.visitInsn(LNEG);
            default -> {
                // CSEL: Rm as it is
            }
        }
        mv.visitLabel(join);
        storeMasked(in.rd, in.w);
    }

    private void conditionalCompare(Insn in) {
        Label otherwise = new Label();
        Label join = new Label();
        condition(in.a);
        mv.visitJumpInsn(IFEQ, otherwise);
        load(in.rn);
        if (in.rm < 0) {
            longConstant(in.imm);
        } else {
            load(in.rm);
        }
        booleanConstant(in.w);
        mv.visitMethodInsn(INVOKESTATIC, ALU, in.imm2 != 0 ? "addFlags" : "subFlags", "(JJZ)I", false);
        mv.visitJumpInsn(GOTO, join);
        mv.visitLabel(otherwise);
        intConstant(in.b << 28);
        mv.visitLabel(join);
        setFlags();
    }

    /** Pushes whether condition {@code cond} holds (as an int). */
    private void condition(int cond) {
        intConstant(cond);
        mv.visitVarInsn(ILOAD, NZCV);
        mv.visitMethodInsn(INVOKESTATIC, ALU, "holds", "(II)Z", false);
    }

    private void setFlags() {
        mv.visitVarInsn(ISTORE, NZCV);
        flagsDirty = true;
    }

    // ---- loads and stores

    private void single(Insn in, long pc, int index) {
        boolean store = in.op == Op.STR_IMM || in.op == Op.STR_PRE || in.op == Op.STR_POST || in.op == Op.STR_REG;
        switch (in.op) {
            case Op.LDR_IMM, Op.STR_IMM, Op.LDR_PRE, Op.STR_PRE -> {
                load(in.rn);
                longConstant(in.imm);
                mv.visitInsn(LADD);
            }
            case Op.LDR_POST, Op.STR_POST -> load(in.rn);
            case Op.LDR_REG, Op.STR_REG -> {
                load(in.rn);
                load(in.rm);
                intConstant((int) in.imm2);
                intConstant((int) in.imm);
                mv.visitMethodInsn(INVOKESTATIC, ALU, "extend", "(JII)J", false);
                mv.visitInsn(LADD);
            }
            default -> longConstant(in.imm); // LDR_LIT: resolved when decoded
        }
        mv.visitVarInsn(LSTORE, ADDRESS);
        beforeAccess(pc);
        mv.visitVarInsn(ALOAD, MEM);
        mv.visitVarInsn(LLOAD, ADDRESS);
        intConstant(in.a);
        if (store) {
            load(in.rd);
            mv.visitMethodInsn(INVOKEINTERFACE, MEMORY, "store", "(JIJ)V", true);
        } else {
            mv.visitMethodInsn(INVOKEINTERFACE, MEMORY, "load", "(JI)J", true);
            mv.visitVarInsn(LSTORE, A);
        }
        trapIfFailed(ADDRESS, in.word, index);
        afterAccess(pc, index, () -> {
            if (in.op == Op.LDR_PRE || in.op == Op.LDR_POST || in.op == Op.STR_PRE || in.op == Op.STR_POST) {
                load(in.rn);
                longConstant(in.imm);
                mv.visitInsn(LADD);
                store(in.rn);
            }
            if (!store) {
                mv.visitVarInsn(LLOAD, A);
                extendLoad(in.a, in.b);
                store(in.rd);
            }
        });
    }

    /** LDP and STP (imm2: 0 offset, 1 pre-index, 2 post-index), as the interpreter's {@code pair}. */
    private void pair(Insn in, long pc, int index) {
        int size = in.a;
        // the written-back base comes from the base as it was before the accesses
        load(in.rn);
        longConstant(in.imm);
        mv.visitInsn(LADD);
        mv.visitVarInsn(LSTORE, UPDATED_BASE);
        load(in.rn);
        if (in.imm2 != 2) {
            longConstant(in.imm);
            mv.visitInsn(LADD);
        }
        mv.visitVarInsn(LSTORE, ADDRESS);
        mv.visitVarInsn(LLOAD, ADDRESS);
        longConstant(size);
        mv.visitInsn(LADD);
        mv.visitVarInsn(LSTORE, SECOND);
        boolean store = in.op == Op.STP;
        beforeAccess(pc);
        access(store, ADDRESS, size, in.rd, A);
        trapIfFailed(ADDRESS, in.word, index);
        access(store, SECOND, size, in.ra, B);
        trapIfFailed(SECOND, in.word, index);
        afterAccess(pc, index, () -> {
            if (in.imm2 != 0) {
                mv.visitVarInsn(LLOAD, UPDATED_BASE);
                store(in.rn);
            }
            if (!store) {
                mv.visitVarInsn(LLOAD, A);
                extendLoad(size, in.b);
                store(in.rd);
                mv.visitVarInsn(LLOAD, B);
                extendLoad(size, in.b);
                store(in.ra);
            }
        });
    }

    private void access(boolean store, int addressLocal, int size, int register, int loadedLocal) {
        mv.visitVarInsn(ALOAD, MEM);
        mv.visitVarInsn(LLOAD, addressLocal);
        intConstant(size);
        if (store) {
            load(register);
            mv.visitMethodInsn(INVOKEINTERFACE, MEMORY, "store", "(JIJ)V", true);
        } else {
            mv.visitMethodInsn(INVOKEINTERFACE, MEMORY, "load", "(JI)J", true);
            mv.visitVarInsn(LSTORE, loadedLocal);
        }
    }

    /** PC on the accessing instruction (the fault IP) and the register file up to date. */
    private void beforeAccess(long pc) {
        mv.visitVarInsn(ALOAD, S);
        longConstant(pc);
        mv.visitFieldInsn(PUTFIELD, STATE, "pc", "J");
        writeBack();
        dirty = 0;
        flagsDirty = false;
    }

    private void trapIfFailed(int addressLocal, int word, int index) {
        Label done = new Label();
        mv.visitVarInsn(ALOAD, MEM);
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
        mv.visitVarInsn(ALOAD, MEM);
        mv.visitMethodInsn(INVOKEINTERFACE, MEMORY, "handlerRuns", "()J", true);
        mv.visitVarInsn(LLOAD, SEEN);
        mv.visitInsn(LCMP);
        mv.visitJumpInsn(IFEQ, same);
        loadRegisters(); // nothing is dirty here: the access wrote everything back before it
        rest.run();
        exitTo(pc + 4, index + 1);
        dirty = 0;
        flagsDirty = false;
        mv.visitLabel(same);
        rest.run();
    }

    private void loadRegisters() {
        for (int slot = 0; slot < 34; slot++) {
            if ((used & (1L << slot)) != 0) {
                mv.visitVarInsn(ALOAD, X);
                intConstant(slot);
                mv.visitInsn(LALOAD);
                mv.visitVarInsn(LSTORE, local(slot));
            }
        }
    }

    private void extendLoad(int size, int kind) {
        if (kind != 0) {
            intConstant(size);
            intConstant(kind);
            mv.visitMethodInsn(INVOKESTATIC, ALU, "extendLoad", "(JII)J", false);
        }
    }

    // ---- branches (the last instruction of a block)

    private void branch(Insn in, long pc, int index) {
        int retired = index + 1;
        switch (in.op) {
            case Op.B -> exitTo(in.imm, retired);
            case Op.BL -> {
                longConstant(pc + 4);
                store(30);
                exitTo(in.imm, retired);
            }
            case Op.BR, Op.BLR -> {
                Label aligned = new Label();
                load(in.rn);
                mv.visitVarInsn(LSTORE, ADDRESS);
                mv.visitVarInsn(LLOAD, ADDRESS);
                longConstant(3);
                mv.visitInsn(LAND);
                longConstant(0);
                mv.visitInsn(LCMP);
                mv.visitJumpInsn(IFEQ, aligned);
                trap(TRAP_ALIGNMENT, ADDRESS, in.word, index);
                mv.visitLabel(aligned);
                if (in.op == Op.BLR) {
                    longConstant(pc + 4);
                    store(30);
                }
                mv.visitVarInsn(LLOAD, ADDRESS);
                exitToTop(retired);
            }
            default -> {
                Label taken = new Label();
                Label join = new Label();
                switch (in.op) {
                    case Op.BCOND -> {
                        condition(in.a);
                        mv.visitJumpInsn(IFNE, taken);
                    }
                    case Op.CBZ, Op.CBNZ -> {
                        load(in.rn);
                        mask(in.w);
                        longConstant(0);
                        mv.visitInsn(LCMP);
                        mv.visitJumpInsn(in.op == Op.CBZ ? IFEQ : IFNE, taken);
                    }
                    default -> { // TBZ, TBNZ
                        load(in.rn);
                        longConstant(1L << in.a);
                        mv.visitInsn(LAND);
                        longConstant(0);
                        mv.visitInsn(LCMP);
                        mv.visitJumpInsn(in.op == Op.TBZ ? IFEQ : IFNE, taken);
                    }
                }
                longConstant(pc + 4);
                mv.visitJumpInsn(GOTO, join);
                mv.visitLabel(taken);
                longConstant(in.imm);
                mv.visitLabel(join);
                exitToTop(retired);
            }
        }
    }

    // ---- primitives

    private static int local(int slot) {
        return REGISTERS + 2 * slot;
    }

    private void load(int slot) {
        mv.visitVarInsn(LLOAD, local(slot));
    }

    private void store(int slot) {
        mv.visitVarInsn(LSTORE, local(slot));
        dirty |= 1L << slot;
    }

    private void storeMasked(int slot, boolean w) {
        mask(w);
        store(slot);
    }

    private void mask(boolean w) {
        if (w) {
            longConstant(W_MASK);
            mv.visitInsn(LAND);
        }
    }

    private void longConstant(long value) {
        if (value == 0) {
            mv.visitInsn(org.objectweb.asm.Opcodes.LCONST_0);
        } else if (value == 1) {
            mv.visitInsn(org.objectweb.asm.Opcodes.LCONST_1);
        } else {
            mv.visitLdcInsn(value);
        }
    }

    private void intConstant(int value) {
        if (value >= -1 && value <= 5) {
            mv.visitInsn(org.objectweb.asm.Opcodes.ICONST_0 + value);
        } else if (value >= Byte.MIN_VALUE && value <= Byte.MAX_VALUE) {
            mv.visitIntInsn(org.objectweb.asm.Opcodes.BIPUSH, value);
        } else if (value >= Short.MIN_VALUE && value <= Short.MAX_VALUE) {
            mv.visitIntInsn(org.objectweb.asm.Opcodes.SIPUSH, value);
        } else {
            mv.visitLdcInsn(value);
        }
    }

    private void booleanConstant(boolean value) {
        intConstant(value ? 1 : 0);
    }
}
