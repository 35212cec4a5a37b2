package org.capbuddy.aarch64.cpu;

import static org.objectweb.asm.Opcodes.ALOAD;
import static org.objectweb.asm.Opcodes.GETFIELD;
import static org.objectweb.asm.Opcodes.GOTO;
import static org.objectweb.asm.Opcodes.I2L;
import static org.objectweb.asm.Opcodes.IADD;
import static org.objectweb.asm.Opcodes.IFEQ;
import static org.objectweb.asm.Opcodes.IFNE;
import static org.objectweb.asm.Opcodes.IF_ICMPGT;
import static org.objectweb.asm.Opcodes.ILOAD;
import static org.objectweb.asm.Opcodes.INVOKEINTERFACE;
import static org.objectweb.asm.Opcodes.INVOKESTATIC;
import static org.objectweb.asm.Opcodes.INVOKEVIRTUAL;
import static org.objectweb.asm.Opcodes.ISTORE;
import static org.objectweb.asm.Opcodes.L2I;
import static org.objectweb.asm.Opcodes.LADD;
import static org.objectweb.asm.Opcodes.LAND;
import static org.objectweb.asm.Opcodes.LCMP;
import static org.objectweb.asm.Opcodes.LLOAD;
import static org.objectweb.asm.Opcodes.LRETURN;
import static org.objectweb.asm.Opcodes.LSTORE;
import static org.objectweb.asm.Opcodes.LSUB;
import static org.objectweb.asm.Opcodes.PUTFIELD;

import org.capbuddy.aarch64.decode.Insn;
import org.capbuddy.aarch64.decode.Op;
import org.objectweb.asm.Label;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * Writes the bytecode of one {@link TranslatedBlock#run}: the entry (registers the block names
 * loaded into locals), each instruction as the interpreter's case for it would run with its
 * operands known (data processing by a {@link DataProcessingEmitter}, loads, stores and the
 * closing branch here), and every way out, where the locals the register file lacks are written
 * back ({@link BlockFrame} keeps the layout and that account).
 *
 * <p>A region is several blocks of one page in one method: where a block ends in a static branch
 * (or runs into the next block) to another block of the region, the method jumps there with the
 * registers still in locals, after the checks the interpreter's loop makes between two blocks (the
 * code version at a branch, and that the budget covers the whole next block); everywhere else it
 * leaves as a single block does. Which locals differ from the register file where a block starts
 * is the union over the jumps into it, found by emitting the region without output until that
 * account no longer grows.
 */
final class BlockEmitter {
    private static final String MEMORY = Type.getInternalName(GuestMemory.class);
    private static final String INTERPRETER = Type.getInternalName(Interpreter.class);
    /** The most a region runs before it goes back to the loop: keeps its count an int. */
    static final int REGION_RUN = 1 << 30;


    /** Data aborts and misaligned branch targets, the two traps a block can stop on. */
    static final int TRAP_ABORT = 0;
    static final int TRAP_ALIGNMENT = 1;

    private final MethodVisitor mv;
    private final Insn[] page;
    private final long pageBase;
    private final int[] slots;
    private final int[] lengths;
    private final boolean region;
    private final Label[] labels;
    private final BlockFrame f;
    private final DataProcessingEmitter dataProcessing;
    private final boolean usesFlags;
    private final boolean accessesMemory;
    /** Per block of a region: the locals (and whether the flags) that may differ from the register file at its start. */
    private final long[] dirtyIn;
    private final boolean[] flagsIn;
    private boolean grew;

    /** The current block: its first slot, length and address. */
    private int first;
    private int length;
    private long start;

    /**
     * The blocks at {@code slots} (of {@code lengths}) of the page at {@code pageBase}, entered at
     * the first; a region when {@code region}, else the first block alone.
     */
    BlockEmitter(MethodVisitor mv, Insn[] page, long pageBase, int[] slots, int[] lengths, boolean region) {
        this.mv = mv;
        this.f = new BlockFrame(mv);
        this.dataProcessing = new DataProcessingEmitter(f);
        this.page = page;
        this.pageBase = pageBase;
        this.slots = slots;
        this.lengths = lengths;
        this.region = region;
        this.labels = new Label[slots.length];
        this.dirtyIn = new long[slots.length];
        this.flagsIn = new boolean[slots.length];
        boolean flags = false;
        boolean memory = false;
        int blocks = region ? slots.length : 1;
        for (int b = 0; b < blocks; b++) {
            labels[b] = new Label();
            for (int i = slots[b]; i < slots[b] + lengths[b]; i++) {
                Insn in = page[i];
                f.used |= registersOf(in);
                flags |= usesFlags(in.op);
                memory |= accessesMemory(in.op);
            }
        }
        this.usesFlags = flags;
        this.accessesMemory = memory;
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

    /** Writes the method; returns its bytecode's size. */
    int emit() {
        mv.visitCode();
        prologue();
        if (region) {
            settleDirtyAccounts();
            for (int b = 0; b < slots.length; b++) {
                mv.visitLabel(labels[b]);
                f.dirty = dirtyIn[b];
                f.flagsDirty = flagsIn[b];
                block(b);
            }
        } else {
            block(0);
        }
        Label end = new Label();
        mv.visitLabel(end);
        mv.visitMaxs(0, 0);
        mv.visitEnd();
        return end.getOffset();
    }

    /** Emits the region without output until no jump adds to the dirty account of a block it enters. */
    private void settleDirtyAccounts() {
        BlockEmitter dry = new BlockEmitter(new MethodVisitor(Opcodes.ASM9) { }, page, pageBase, slots, lengths, true);
        do {
            dry.grew = false;
            for (int b = 0; b < slots.length; b++) {
                dry.f.dirty = dry.dirtyIn[b];
                dry.f.flagsDirty = dry.flagsIn[b];
                dry.block(b);
            }
        } while (dry.grew);
        System.arraycopy(dry.dirtyIn, 0, dirtyIn, 0, slots.length);
        System.arraycopy(dry.flagsIn, 0, flagsIn, 0, slots.length);
    }

    private void block(int b) {
        first = slots[b];
        length = lengths[b];
        start = pageBase + 4L * first;
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
            leave(start + 4L * length, false);
        }
    }

    // ---- entry and exits

    private void prologue() {
        f.loadRegisters();
        if (usesFlags) {
            mv.visitVarInsn(ALOAD, BlockFrame.S);
            mv.visitFieldInsn(GETFIELD, BlockFrame.STATE, "nzcv", "I");
            mv.visitVarInsn(ISTORE, BlockFrame.NZCV);
        }
        if (accessesMemory) {
            mv.visitVarInsn(ALOAD, BlockFrame.MEM);
            mv.visitMethodInsn(INVOKEINTERFACE, MEMORY, "handlerRuns", "()J", true);
            mv.visitVarInsn(LSTORE, BlockFrame.SEEN);
        }
        if (region) {
            f.intConstant(0);
            mv.visitVarInsn(ISTORE, BlockFrame.COUNT);
            // the budget left (the loop made sure it covers the first block), capped to keep the count an int
            mv.visitVarInsn(ALOAD, BlockFrame.INTERP);
            mv.visitFieldInsn(GETFIELD, INTERPRETER, "instructionLimit", "J");
            mv.visitVarInsn(LLOAD, BlockFrame.RETIRED);
            mv.visitInsn(LSUB);
            f.longConstant(REGION_RUN);
            mv.visitMethodInsn(INVOKESTATIC, "java/lang/Math", "min", "(JJ)J", false);
            mv.visitInsn(L2I);
            mv.visitVarInsn(ISTORE, BlockFrame.LEFT);
            mv.visitVarInsn(ALOAD, BlockFrame.INTERP);
            mv.visitFieldInsn(GETFIELD, INTERPRETER, "codeVersion", "J");
            mv.visitVarInsn(LSTORE, BlockFrame.VERSION);
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

    /** Pushes the instructions retired since the method's entry, {@code inBlock} of them in the current block. */
    private void pushRetired(int inBlock) {
        if (region) {
            mv.visitVarInsn(ILOAD, BlockFrame.COUNT);
            if (inBlock != 0) {
                f.intConstant(inBlock);
                mv.visitInsn(IADD);
            }
        } else {
            f.intConstant(inBlock);
        }
    }

    private void retired(int inBlock, boolean atBranch) {
        mv.visitVarInsn(ALOAD, BlockFrame.INTERP);
        pushRetired(inBlock);
        mv.visitFieldInsn(PUTFIELD, INTERPRETER, "blockRetired", "I");
        if (region) {
            mv.visitVarInsn(ALOAD, BlockFrame.INTERP);
            f.booleanConstant(atBranch);
            mv.visitFieldInsn(PUTFIELD, INTERPRETER, "leftAtBranch", "Z");
        }
    }

    private void exitTo(long next, int retired, boolean atBranch) {
        f.writeBack();
        retired(retired, atBranch);
        f.longConstant(next);
        mv.visitInsn(LRETURN);
    }

    /** Returns the long on top of the stack as the next PC. */
    private void exitToTop(int retired, boolean atBranch) {
        f.writeBack();
        retired(retired, atBranch);
        mv.visitInsn(LRETURN);
    }

    /** The index of the region's block that starts at {@code target}, or -1. */
    private int blockAt(long target) {
        if (!region || (target & ~0xFFFL) != pageBase) {
            return -1;
        }
        int slot = (int) (target >>> 2) & 1023;
        for (int b = 0; b < slots.length; b++) {
            if (slots[b] == slot) {
                return b;
            }
        }
        return -1;
    }

    /**
     * The way out of the current block, when it has retired all its instructions, to
     * {@code target}: straight into the region's block there when the loop would run that block
     * next (code unchanged, if at a branch; budget covering it), else back to the loop.
     */
    private void leave(long target, boolean atBranch) {
        int to = blockAt(target);
        if (to < 0) {
            exitTo(target, length, atBranch);
            return;
        }
        Label out = new Label();
        mv.visitIincInsn(BlockFrame.COUNT, length);
        if (atBranch) {
            mv.visitVarInsn(ALOAD, BlockFrame.MEM);
            mv.visitMethodInsn(INVOKEINTERFACE, MEMORY, "codeVersion", "()J", true);
            mv.visitVarInsn(LLOAD, BlockFrame.VERSION);
            mv.visitInsn(LCMP);
            mv.visitJumpInsn(IFNE, out);
        }
        mv.visitVarInsn(ILOAD, BlockFrame.COUNT);
        f.intConstant(lengths[to]);
        mv.visitInsn(IADD);
        mv.visitVarInsn(ILOAD, BlockFrame.LEFT);
        mv.visitJumpInsn(IF_ICMPGT, out);
        if ((f.dirty & ~dirtyIn[to]) != 0 || (f.flagsDirty && !flagsIn[to])) {
            dirtyIn[to] |= f.dirty;
            flagsIn[to] |= f.flagsDirty;
            grew = true;
        }
        mv.visitJumpInsn(GOTO, labels[to]);
        mv.visitLabel(out);
        exitTo(target, 0, atBranch);
    }

    /**
     * At a branch through a register whose target is in {@code ADDRESS}: into the region's block
     * there, if it is one that follows a call (a return comes back there), as {@link #leave} goes
     * into a block; otherwise on to the code after this, which leaves. The other targets are not
     * compared: a call through a pointer or a jump table rarely lands on a block of the region,
     * and each comparison is code in every such branch.
     */
    private void toReturnSite() {
        for (int b = 0; b < slots.length; b++) {
            if (!RegionPlan.followsCall(page, slots[b])) {
                continue;
            }
            long site = pageBase + 4L * slots[b];
            Label elsewhere = new Label();
            mv.visitVarInsn(LLOAD, BlockFrame.ADDRESS);
            f.longConstant(site);
            mv.visitInsn(LCMP);
            mv.visitJumpInsn(IFNE, elsewhere);
            leave(site, true);
            mv.visitLabel(elsewhere);
        }
    }

    private void trap(int kind, int addressLocal, int word, int retired, long pc) {
        f.writeBack();
        mv.visitVarInsn(ALOAD, BlockFrame.INTERP);
        f.intConstant(kind);
        mv.visitVarInsn(LLOAD, addressLocal);
        f.intConstant(word);
        pushRetired(retired);
        f.longConstant(pc);
        mv.visitMethodInsn(INVOKEVIRTUAL, INTERPRETER, "trap", "(IJIIJ)J", false);
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
        trapIfFailed(BlockFrame.ADDRESS, in.word, index, pc);
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
        trapIfFailed(BlockFrame.ADDRESS, in.word, index, pc);
        access(store, BlockFrame.SECOND, size, in.ra, BlockFrame.B);
        trapIfFailed(BlockFrame.SECOND, in.word, index, pc);
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
        if (region) {
            mv.visitVarInsn(ILOAD, BlockFrame.COUNT);
            mv.visitInsn(I2L);
            mv.visitInsn(LADD);
        }
        f.longConstant((pc - start) >>> 2);
        mv.visitInsn(LADD);
        mv.visitFieldInsn(PUTFIELD, BlockFrame.STATE, "retiredAtAccess", "J");
        f.writeBack();
        f.dirty = 0;
        f.flagsDirty = false;
    }

    private void trapIfFailed(int addressLocal, int word, int index, long pc) {
        Label done = new Label();
        mv.visitVarInsn(ALOAD, BlockFrame.MEM);
        mv.visitMethodInsn(INVOKEINTERFACE, MEMORY, "failed", "()Z", true);
        mv.visitJumpInsn(IFEQ, done);
        trap(TRAP_ABORT, addressLocal, word, index, pc);
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
        exitTo(pc + 4, index + 1, false);
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
            case Op.B -> leave(in.imm, true);
            case Op.BL -> {
                f.longConstant(pc + 4);
                f.store(30);
                leave(in.imm, true);
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
                trap(TRAP_ALIGNMENT, BlockFrame.ADDRESS, in.word, index, pc);
                mv.visitLabel(aligned);
                if (in.op == Op.BLR) {
                    f.longConstant(pc + 4);
                    f.store(30);
                }
                if (region) {
                    toReturnSite();
                }
                mv.visitVarInsn(LLOAD, BlockFrame.ADDRESS);
                exitToTop(retired, true);
            }
            default -> {
                Label taken = new Label();
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
                if (region) {
                    leave(pc + 4, true);
                    mv.visitLabel(taken);
                    leave(in.imm, true);
                } else {
                    Label join = new Label();
                    f.longConstant(pc + 4);
                    mv.visitJumpInsn(GOTO, join);
                    mv.visitLabel(taken);
                    f.longConstant(in.imm);
                    mv.visitLabel(join);
                    exitToTop(retired, true);
                }
            }
        }
    }

}
