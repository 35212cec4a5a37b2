package org.capbuddy.aarch64.decode;

import static org.capbuddy.aarch64.decode.Bits.bit;
import static org.capbuddy.aarch64.decode.Bits.field;
import static org.capbuddy.aarch64.decode.Bits.signExtend;
import static org.capbuddy.aarch64.decode.DataProcessingDecoder.insn;
import static org.capbuddy.aarch64.decode.Slots.dst;
import static org.capbuddy.aarch64.decode.Slots.src;

/**
 * Decodes op0 = 101x: immediate and register branches, compare/test and branch, exception
 * generation ({@code svc}, {@code brk}) and the system instructions EL0 may execute (hints,
 * barriers, {@code mrs}/{@code msr} of {@link SystemRegister}s, {@code dc zva}, cache maintenance).
 * Branch targets are made absolute here.
 */
final class BranchSystemDecoder {
    private BranchSystemDecoder() {
    }

    static Insn decode(long pc, int w) {
        if ((w & 0x7C00_0000) == 0x1400_0000) {
            long target = pc + (signExtend(field(w, 0, 26), 26) << 2);
            return insn(w < 0 ? Op.BL : Op.B, 0, 0, 0, target, 0, 0, 0, false, w);
        }
        if ((w & 0x7E00_0000) == 0x3400_0000) {
            long target = pc + (signExtend(field(w, 5, 19), 19) << 2);
            return insn(bit(w, 24) ? Op.CBNZ : Op.CBZ, 0, src(field(w, 0, 5)), 0, target, 0, 0, 0, w >= 0, w);
        }
        if ((w & 0x7E00_0000) == 0x3600_0000) {
            long target = pc + (signExtend(field(w, 5, 14), 14) << 2);
            int bitNumber = (field(w, 31, 1) << 5) | field(w, 19, 5);
            return insn(bit(w, 24) ? Op.TBNZ : Op.TBZ, 0, src(field(w, 0, 5)), 0, target, 0, bitNumber, 0, false, w);
        }
        if ((w & 0xFF00_0010) == 0x5400_0000) {
            long target = pc + (signExtend(field(w, 5, 19), 19) << 2);
            return insn(Op.BCOND, 0, 0, 0, target, 0, field(w, 0, 4), 0, false, w);
        }
        if ((w & 0xFFE0_001F) == 0xD400_0001) {
            return insn(Op.SVC, 0, 0, 0, field(w, 5, 16), 0, 0, 0, false, w);
        }
        if ((w & 0xFFE0_001F) == 0xD420_0000) {
            return insn(Op.BRK, 0, 0, 0, field(w, 5, 16), 0, 0, 0, false, w);
        }
        if ((w & 0xFFC0_0000) == 0xD500_0000) {
            return system(w);
        }
        if ((w & 0xFE1F_FC1F) == 0xD61F_0000) {
            int rn = src(field(w, 5, 5));
            return switch (field(w, 21, 4)) {
                case 0, 2 -> insn(Op.BR, 0, rn, 0, 0, 0, 0, 0, false, w);
                case 1 -> insn(Op.BLR, 0, rn, 0, 0, 0, 0, 0, false, w);
                default -> Insn.undefined(w);
            };
        }
        return Insn.undefined(w);
    }

    private static Insn system(int w) {
        boolean read = bit(w, 21);
        int op0 = field(w, 19, 2);
        int op1 = field(w, 16, 3);
        int crn = field(w, 12, 4);
        int crm = field(w, 8, 4);
        int op2 = field(w, 5, 3);
        int rt = field(w, 0, 5);
        if (op0 == 0) {
            if (read || rt != 31 || op1 != 3) {
                return Insn.undefined(w);
            }
            if (crn == 2) {
                return insn(Op.NOP, 0, 0, 0, 0, 0, 0, 0, false, w); // hints: NOP, YIELD, BTI, PAC hints ...
            }
            if (crn == 3) {
                return switch (op2) {
                    case 2 -> insn(Op.CLREX, 0, 0, 0, 0, 0, 0, 0, false, w);
                    case 4, 5 -> insn(Op.NOP, 0, 0, 0, 0, 0, 0, 0, false, w); // DSB, DMB: one thread, in order
                    case 6 -> insn(Op.SYNC_CODE, 0, 0, 0, 0, 0, 0, 0, false, w); // ISB
                    default -> Insn.undefined(w);
                };
            }
            return Insn.undefined(w);
        }
        if (op0 == 1) {
            if (read || op1 != 3 || crn != 7 || op2 != 1) {
                return Insn.undefined(w);
            }
            return switch (crm) {
                case 4 -> insn(Op.DC_ZVA, 0, src(rt), 0, 0, 0, 0, 0, false, w);
                case 5 -> insn(Op.SYNC_CODE, 0, 0, 0, 0, 0, 0, 0, false, w); // IC IVAU
                case 10, 11, 12, 14 -> insn(Op.NOP, 0, 0, 0, 0, 0, 0, 0, false, w); // DC CVAC, CVAU, CVAP, CIVAC
                default -> Insn.undefined(w);
            };
        }
        SystemRegister register = SystemRegister.of(SystemRegister.encode(op0, op1, crn, crm, op2));
        if (register == null || (!read && !register.writable())) {
            return Insn.undefined(w);
        }
        if (read) {
            return insn(Op.MRS, dst(rt), 0, 0, 0, 0, register.ordinal(), 0, false, w);
        }
        return insn(Op.MSR, 0, src(rt), 0, 0, 0, register.ordinal(), 0, false, w);
    }
}
