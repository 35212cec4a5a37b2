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
        return switch (BranchSystemClass.of(w)) {
            case UNCONDITIONAL_IMMEDIATE -> {
                long target = pc + (signExtend(field(w, 0, 26), 26) << 2);
                yield insn(w < 0 ? Op.BL : Op.B, 0, 0, 0, target, 0, 0, 0, false, w);
            }
            case COMPARE_AND_BRANCH -> {
                long target = pc + (signExtend(field(w, 5, 19), 19) << 2);
                yield insn(bit(w, 24) ? Op.CBNZ : Op.CBZ, 0, src(field(w, 0, 5)), 0, target, 0, 0, 0, w >= 0, w);
            }
            case TEST_AND_BRANCH -> {
                long target = pc + (signExtend(field(w, 5, 14), 14) << 2);
                int bitNumber = (field(w, 31, 1) << 5) | field(w, 19, 5);
                yield insn(bit(w, 24) ? Op.TBNZ : Op.TBZ, 0, src(field(w, 0, 5)), 0, target, 0, bitNumber, 0, false, w);
            }
            case CONDITIONAL_BRANCH -> {
                long target = pc + (signExtend(field(w, 5, 19), 19) << 2);
                yield insn(Op.BCOND, 0, 0, 0, target, 0, field(w, 0, 4), 0, false, w);
            }
            case SVC -> insn(Op.SVC, 0, 0, 0, field(w, 5, 16), 0, 0, 0, false, w);
            case BRK -> insn(Op.BRK, 0, 0, 0, field(w, 5, 16), 0, 0, 0, false, w);
            case SYSTEM -> system(w);
            case UNCONDITIONAL_REGISTER -> {
                int rn = src(field(w, 5, 5));
                yield switch (field(w, 21, 4)) {
                    case 0, 2 -> insn(Op.BR, 0, rn, 0, 0, 0, 0, 0, false, w);
                    case 1 -> insn(Op.BLR, 0, rn, 0, 0, 0, 0, 0, false, w);
                    default -> Insn.undefined(w);
                };
            }
            case OTHER -> Insn.undefined(w);
        };
    }

    private static Insn system(int w) {
        return switch (SystemClass.of(w)) {
            case HINT -> insn(Op.NOP, 0, 0, 0, 0, 0, 0, 0, false, w); // NOP, YIELD, BTI, PAC hints ...
            case BARRIER -> switch (field(w, 5, 3)) {
                case 2 -> insn(Op.CLREX, 0, 0, 0, 0, 0, 0, 0, false, w);
                case 4, 5 -> insn(Op.NOP, 0, 0, 0, 0, 0, 0, 0, false, w); // DSB, DMB: one thread, in order
                case 6 -> insn(Op.SYNC_CODE, 0, 0, 0, 0, 0, 0, 0, false, w); // ISB
                default -> Insn.undefined(w);
            };
            case SYSTEM_INSTRUCTION -> cacheMaintenance(w);
            case REGISTER_MOVE -> registerMove(w);
            case OTHER -> Insn.undefined(w);
        };
    }

    /**
     * The SYS forms EL0 may execute on a Cortex-A53: DC ZVA, IC IVAU and the DC cleans (DC CVAP, of
     * Armv8.2's FEAT_DPB, is undefined there, as in QEMU's cortex-a53).
     */
    private static Insn cacheMaintenance(int w) {
        if (bit(w, 21) || field(w, 16, 3) != 3 || field(w, 12, 4) != 7 || field(w, 5, 3) != 1) {
            return Insn.undefined(w);
        }
        return switch (field(w, 8, 4)) {
            case 4 -> insn(Op.DC_ZVA, 0, src(field(w, 0, 5)), 0, 0, 0, 0, 0, false, w);
            case 5 -> insn(Op.SYNC_CODE, 0, 0, 0, 0, 0, 0, 0, false, w); // IC IVAU
            case 10, 11, 14 -> insn(Op.NOP, 0, 0, 0, 0, 0, 0, 0, false, w); // DC CVAC, CVAU, CIVAC
            default -> Insn.undefined(w);
        };
    }

    private static Insn registerMove(int w) {
        boolean read = bit(w, 21);
        int rt = field(w, 0, 5);
        SystemRegister register = SystemRegister.of(SystemRegister.encode(field(w, 19, 2), field(w, 16, 3),
                field(w, 12, 4), field(w, 8, 4), field(w, 5, 3)));
        if (register == null || (!read && !register.writable())) {
            return Insn.undefined(w);
        }
        if (read) {
            return insn(Op.MRS, dst(rt), 0, 0, 0, 0, register.ordinal(), 0, false, w);
        }
        return insn(Op.MSR, 0, src(rt), 0, 0, 0, register.ordinal(), 0, false, w);
    }
}
