package org.capbuddy.aarch64.decode;

/**
 * One decoded A64 instruction, ready to execute: the {@link Op} and its operands, with register 31
 * already resolved to SP, the zero source or the discard sink (see {@code CpuState}) and PC
 * relative targets made absolute (so a decoded instruction belongs to its address).
 *
 * @param op the operation
 * @param rd destination register slot (Rt for loads and stores)
 * @param rn first source (the base for loads and stores)
 * @param rm second source
 * @param ra third source (Rt2 for pairs, the accumulator for multiply-add)
 * @param imm immediate, target or mask, per operation
 * @param imm2 second immediate or mask, per operation
 * @param a small operand (shift type, size, condition, ...), per operation
 * @param b small operand, per operation
 * @param w 32-bit form: sources read as W registers, the result zero-extended
 * @param word the encoding
 */
public record Insn(int op, int rd, int rn, int rm, int ra, long imm, long imm2, int a, int b, boolean w, int word) {
    /** The instruction every word decodes to when nothing implements it. */
    public static Insn undefined(int word) {
        return new Insn(Op.UNDEFINED, 0, 0, 0, 0, 0, 0, 0, 0, false, word);
    }

    /** The same instruction with {@code ra} set. */
    public Insn withRa(int slot) {
        return new Insn(op, rd, rn, rm, slot, imm, imm2, a, b, w, word);
    }

    @Override
    public String toString() {
        return String.format("%s rd=%d rn=%d rm=%d ra=%d imm=%#x imm2=%#x a=%d b=%d%s [%08x]", Op.name(op), rd, rn,
                rm, ra, imm, imm2, a, b, w ? " w" : "", word);
    }
}
