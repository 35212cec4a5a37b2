package org.capbuddy.aarch64.decode;

import static org.capbuddy.aarch64.decode.Bits.bit;
import static org.capbuddy.aarch64.decode.Bits.field;

/**
 * The classes within {@link BranchSystemClass#SYSTEM}, by op0 and for op0 = 00 the fields the Arm
 * ARM's hint and barrier rows fix, shared by {@link BranchSystemDecoder} and
 * {@link BranchSystemDisassembler}.
 *
 * <pre>
 *  31        22 21  20  19 18  16 15  12 11  8 7   5 4  0
 * +------------+---+------+------+------+-----+-----+----+
 * | 1101010100 | L | op0  | op1  | CRn  | CRm | op2 | Rt |
 * +------------+---+------+------+------+-----+-----+----+
 *
 *  L  op0 op1 CRn  Rt
 *  0  00  011 0010 11111  hints (NOP, YIELD, BTI, the PAC hints, ...)
 *  0  00  011 0011 11111  barriers (CLREX, DSB, DMB, ISB, SB, ...)
 *  -  01  -   -    -      system instructions (SYS, SYSL: cache and TLB maintenance, ...)
 *  -  1x  -   -    -      system register moves (MRS, MSR)
 * </pre>
 */
enum SystemClass {
    HINT,
    BARRIER,
    SYSTEM_INSTRUCTION,
    REGISTER_MOVE,
    /** The rest of op0 = 00: PSTATE access, and the unallocated encodings. */
    OTHER;

    /** The class of a word that {@link BranchSystemClass#of} puts in {@link BranchSystemClass#SYSTEM}. */
    static SystemClass of(int word) {
        int op0 = field(word, 19, 2);
        if (op0 == 1) {
            return SYSTEM_INSTRUCTION;
        }
        if (op0 >= 2) {
            return REGISTER_MOVE;
        }
        if (bit(word, 21) || field(word, 0, 5) != 31 || field(word, 16, 3) != 3) {
            return OTHER;
        }
        return switch (field(word, 12, 4)) {
            case 2 -> HINT;
            case 3 -> BARRIER;
            default -> OTHER;
        };
    }
}
