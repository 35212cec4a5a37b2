package org.capbuddy.aarch64.decode;

/**
 * One decoded A64 instruction, ready to execute: the {@link Op} and its operands, with register 31
 * already resolved to SP, the zero source or the discard sink (see {@code CpuState}) and PC
 * relative targets made absolute (so a decoded instruction belongs to its address).
 *
 * <p>A value class with public final fields rather than a record: the interpreter's run loop is
 * one large method, larger than HotSpot's inlining budget, and reading a field costs nothing
 * where an accessor left as a call would cost a call per operand.
 */
public final class Insn {
    /** The operation. */
    public final int op;
    /** Destination register slot (Rt for loads and stores). */
    public final int rd;
    /** First source (the base for loads and stores). */
    public final int rn;
    /** Second source. */
    public final int rm;
    /** Third source (Rt2 for pairs, the accumulator for multiply-add). */
    public final int ra;
    /** Immediate, target or mask, per operation. */
    public final long imm;
    /** Second immediate or mask, per operation. */
    public final long imm2;
    /** Small operand (shift type, size, condition, ...), per operation. */
    public final int a;
    /** Small operand, per operation. */
    public final int b;
    /** 32-bit form: sources read as W registers, the result zero-extended. */
    public final boolean w;
    /** The encoding. */
    public final int word;

    public Insn(int op, int rd, int rn, int rm, int ra, long imm, long imm2, int a, int b, boolean w, int word) {
        this.op = op;
        this.rd = rd;
        this.rn = rn;
        this.rm = rm;
        this.ra = ra;
        this.imm = imm;
        this.imm2 = imm2;
        this.a = a;
        this.b = b;
        this.w = w;
        this.word = word;
    }

    /** The instruction every word decodes to when nothing implements it. */
    public static Insn undefined(int word) {
        return new Insn(Op.UNDEFINED, 0, 0, 0, 0, 0, 0, 0, 0, false, word);
    }

    /** The same instruction with {@code ra} set. */
    public Insn withRa(int slot) {
        return new Insn(op, rd, rn, rm, slot, imm, imm2, a, b, w, word);
    }

    public int op() {
        return op;
    }

    public int rd() {
        return rd;
    }

    public int rn() {
        return rn;
    }

    public int rm() {
        return rm;
    }

    public int ra() {
        return ra;
    }

    public long imm() {
        return imm;
    }

    public long imm2() {
        return imm2;
    }

    public int a() {
        return a;
    }

    public int b() {
        return b;
    }

    public boolean w() {
        return w;
    }

    public int word() {
        return word;
    }

    @Override
    public String toString() {
        return String.format("%s rd=%d rn=%d rm=%d ra=%d imm=%#x imm2=%#x a=%d b=%d%s [%08x]", Op.name(op), rd, rn,
                rm, ra, imm, imm2, a, b, w ? " w" : "", word);
    }
}
