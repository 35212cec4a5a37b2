package org.capbuddy.aarch64.decode;

/**
 * The classes of {@link EncodingGroup#BRANCH_SYSTEM} the interpreter implements, shared by
 * {@link BranchSystemDecoder} and {@link BranchSystemDisassembler}. The masks follow the Arm ARM's
 * classes, narrowed where the interpreter implements only part of one: B.cond without BC.cond,
 * the register branches without pointer authentication, and SVC and BRK alone of the
 * exception-generating instructions.
 *
 * <pre>
 *  UNCONDITIONAL_IMMEDIATE   op  00101 imm26                         B, BL
 *  COMPARE_AND_BRANCH        sf  011010 op imm19 Rt                  CBZ, CBNZ
 *  TEST_AND_BRANCH           b5  011011 op b40 imm14 Rt              TBZ, TBNZ
 *  CONDITIONAL_BRANCH        0101010 0 imm19 0 cond                  B.cond
 *  SVC                       11010100 000 imm16 000 01
 *  BRK                       11010100 001 imm16 000 00
 *  SYSTEM                    1101010100 L op0 op1 CRn CRm op2 Rt     (split by SystemClass)
 *  UNCONDITIONAL_REGISTER    1101011 opc 11111 000000 Rn 00000       BR, BLR, RET (opc 0, 1, 2)
 * </pre>
 */
enum BranchSystemClass {
    UNCONDITIONAL_IMMEDIATE,
    COMPARE_AND_BRANCH,
    TEST_AND_BRANCH,
    CONDITIONAL_BRANCH,
    SVC,
    BRK,
    SYSTEM,
    UNCONDITIONAL_REGISTER,
    /**
     * Unallocated, or not implemented: the other exception-generating instructions, the
     * pointer-authenticated branches, ...
     */
    OTHER;

    static BranchSystemClass of(int word) {
        if ((word & 0x7C00_0000) == 0x1400_0000) {
            return UNCONDITIONAL_IMMEDIATE;
        }
        if ((word & 0x7E00_0000) == 0x3400_0000) {
            return COMPARE_AND_BRANCH;
        }
        if ((word & 0x7E00_0000) == 0x3600_0000) {
            return TEST_AND_BRANCH;
        }
        if ((word & 0xFF00_0010) == 0x5400_0000) {
            return CONDITIONAL_BRANCH;
        }
        if ((word & 0xFFE0_001F) == 0xD400_0001) {
            return SVC;
        }
        if ((word & 0xFFE0_001F) == 0xD420_0000) {
            return BRK;
        }
        if ((word & 0xFFC0_0000) == 0xD500_0000) {
            return SYSTEM;
        }
        if ((word & 0xFE1F_FC1F) == 0xD61F_0000) {
            return UNCONDITIONAL_REGISTER;
        }
        return OTHER;
    }
}
