package org.capbuddy.aarch64.cpu;

import static org.capbuddy.aarch64.cpu.Alu.W_MASK;
import static org.objectweb.asm.Opcodes.*;

import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Type;

/**
 * The frame of one translated block's method and the primitives its emitters write with:
 * where each value lives among the locals, which register locals (and the flags) hold values the
 * register file lacks, and loads, stores and constants.
 *
 * <h2>Locals of the generated method</h2>
 * <pre>
 *  0 this   1 x (long[])   2 s (CpuState)   3 memory (GuestMemory)   4 interpreter
 *  5 instructions retired before the block (long, a parameter)
 *  7 nzcv (int)   8 handler runs at entry (long)   10, 12, 14, 16 scratch (long)   18 scratch flags (int)
 *  20 a pair's written-back base (long)
 *  22 instructions retired in the region's blocks before the current one (int)
 *  23 instructions the region may retire before it must go back to the loop (int)
 *  24 the interpreter's code version at entry (long)
 *  26 + 2n  register slot n (n = 0..33, see CpuState), loaded at entry if the block uses it
 * </pre>
 * A memory access writes every dirty local back first and starts clean; an exit writes them back.
 * Slots 22 to 25 are used only by a region (several blocks in one method).
 */
final class BlockFrame {
    static final String ALU = Type.getInternalName(Alu.class);
    static final String STATE = Type.getInternalName(CpuState.class);

    static final int X = 1;
    static final int S = 2;
    static final int MEM = 3;
    static final int INTERP = 4;
    static final int RETIRED = 5;
    static final int NZCV = 7;
    static final int SEEN = 8;
    static final int A = 10;
    static final int B = 12;
    static final int ADDRESS = 14;
    static final int SECOND = 16;
    static final int SCRATCH_FLAGS = 18;
    static final int UPDATED_BASE = 20;
    static final int COUNT = 22;
    static final int LEFT = 23;
    static final int VERSION = 24;
    static final int REGISTERS = 26;

    final MethodVisitor mv;
    /** Register slots whose locals differ from the register file (bit n = slot n). */
    long dirty;
    boolean flagsDirty;
    /** Register slots the block names, loaded into locals at entry. */
    long used;

    BlockFrame(MethodVisitor mv) {
        this.mv = mv;
    }

    /** After a write-back: nothing differs from the register file. */
    void clean() {
        dirty = 0;
        flagsDirty = false;
    }

    static int local(int slot) {
        return REGISTERS + 2 * slot;
    }

    void load(int slot) {
        mv.visitVarInsn(LLOAD, local(slot));
    }

    void store(int slot) {
        mv.visitVarInsn(LSTORE, local(slot));
        dirty |= 1L << slot;
    }

    void storeMasked(int slot, boolean w) {
        mask(w);
        store(slot);
    }

    void mask(boolean w) {
        if (w) {
            longConstant(W_MASK);
            mv.visitInsn(LAND);
        }
    }

    void longConstant(long value) {
        if (value == 0) {
            mv.visitInsn(LCONST_0);
        } else if (value == 1) {
            mv.visitInsn(LCONST_1);
        } else {
            mv.visitLdcInsn(value);
        }
    }

    void intConstant(int value) {
        if (value >= -1 && value <= 5) {
            mv.visitInsn(ICONST_0 + value);
        } else if (value >= Byte.MIN_VALUE && value <= Byte.MAX_VALUE) {
            mv.visitIntInsn(BIPUSH, value);
        } else if (value >= Short.MIN_VALUE && value <= Short.MAX_VALUE) {
            mv.visitIntInsn(SIPUSH, value);
        } else {
            mv.visitLdcInsn(value);
        }
    }

    void booleanConstant(boolean value) {
        intConstant(value ? 1 : 0);
    }


    /** Writes back what the register file lacks, without forgetting it (other paths go on). */
    void writeBack() {
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


    void loadRegisters() {
        for (int slot = 0; slot < 34; slot++) {
            if ((used & (1L << slot)) != 0) {
                mv.visitVarInsn(ALOAD, X);
                intConstant(slot);
                mv.visitInsn(LALOAD);
                mv.visitVarInsn(LSTORE, local(slot));
            }
        }
    }


    /** Pushes whether condition {@code cond} holds (as an int). */
    void condition(int cond) {
        intConstant(cond);
        mv.visitVarInsn(ILOAD, NZCV);
        mv.visitMethodInsn(INVOKESTATIC, ALU, "holds", "(II)Z", false);
    }


    void setFlags() {
        mv.visitVarInsn(ISTORE, NZCV);
        flagsDirty = true;
    }
}
