package org.capbuddy.aarch64.decode;

import static org.capbuddy.aarch64.decode.Bits.bit;
import static org.capbuddy.aarch64.decode.Bits.field;
import static org.capbuddy.aarch64.decode.Bits.signExtend;
import static org.capbuddy.aarch64.decode.Operands.hex;
import static org.capbuddy.aarch64.decode.Operands.reg;
import static org.capbuddy.aarch64.decode.Operands.target;

import java.util.List;
import java.util.Locale;

/**
 * Text for the classes {@link BranchSystemDecoder} decodes: branches with absolute targets, the
 * exception-generating instructions, hints and barriers by objdump's names, cache maintenance and
 * the system registers the interpreter knows.
 */
final class BranchSystemDisassembler {
    private BranchSystemDisassembler() {
    }

    /** DMB and DSB options by CRm; empty where objdump prints the number. */
    private static final List<String> BARRIER_OPTIONS = List.of(
            "", "oshld", "oshst", "osh", "", "nshld", "nshst", "nsh",
            "", "ishld", "ishst", "ish", "", "ld", "st", "sy");

    static String decode(long pc, int w) {
        return switch (BranchSystemClass.of(w)) {
            case UNCONDITIONAL_IMMEDIATE -> (w < 0 ? "bl " : "b ")
                    + target(pc + (signExtend(field(w, 0, 26), 26) << 2));
            case COMPARE_AND_BRANCH -> {
                long address = pc + (signExtend(field(w, 5, 19), 19) << 2);
                yield (bit(w, 24) ? "cbnz " : "cbz ") + reg(field(w, 0, 5), w < 0) + ", " + target(address);
            }
            case TEST_AND_BRANCH -> {
                long address = pc + (signExtend(field(w, 5, 14), 14) << 2);
                int bitNumber = (field(w, 31, 1) << 5) | field(w, 19, 5);
                // The register is named X only when the bit number needs it (b5 set).
                yield (bit(w, 24) ? "tbnz " : "tbz ") + reg(field(w, 0, 5), w < 0) + ", #" + bitNumber + ", "
                        + target(address);
            }
            case CONDITIONAL_BRANCH -> {
                long address = pc + (signExtend(field(w, 5, 19), 19) << 2);
                yield "b." + Operands.condition(field(w, 0, 4)) + " " + target(address);
            }
            case SVC -> "svc " + hex(field(w, 5, 16));
            case BRK -> "brk " + hex(field(w, 5, 16));
            case SYSTEM -> system(w);
            case UNCONDITIONAL_REGISTER -> {
                int rn = field(w, 5, 5);
                yield switch (field(w, 21, 4)) {
                    case 0 -> "br " + reg(rn, true);
                    case 1 -> "blr " + reg(rn, true);
                    default -> rn == 30 ? "ret" : "ret " + reg(rn, true);
                };
            }
            case OTHER -> null;
        };
    }

    private static String system(int w) {
        int crm = field(w, 8, 4);
        int op2 = field(w, 5, 3);
        return switch (SystemClass.of(w)) {
            case HINT -> {
                int hint = (crm << 3) | op2;
                String name = hintName(hint);
                yield name != null ? name : "hint " + hex(hint);
            }
            case BARRIER -> barrier(crm, op2);
            case SYSTEM_INSTRUCTION -> cacheMaintenance(crm, field(w, 0, 5));
            case REGISTER_MOVE -> registerMove(w);
            case OTHER -> null;
        };
    }

    private static String cacheMaintenance(int crm, int rt) {
        String operation = switch (crm) {
            case 4 -> "dc zva";
            case 5 -> "ic ivau";
            case 10 -> "dc cvac";
            case 11 -> "dc cvau";
            case 14 -> "dc civac";
            default -> null;
        };
        return operation == null ? null : operation + ", " + reg(rt, true);
    }

    private static String registerMove(int w) {
        SystemRegister register = SystemRegister.of(SystemRegister.encode(field(w, 19, 2), field(w, 16, 3),
                field(w, 12, 4), field(w, 8, 4), field(w, 5, 3)));
        if (register == null) {
            return null;
        }
        String name = register.name().toLowerCase(Locale.ROOT);
        int rt = field(w, 0, 5);
        return bit(w, 21) ? "mrs " + reg(rt, true) + ", " + name : "msr " + name + ", " + reg(rt, true);
    }

    /**
     * HINT #0..#127 as binutils 2.40 names them; null where it prints {@code hint #imm}. The names
     * depend on the binutils version (DGH at #6 came later): this follows the objdump the test
     * fixture was made with.
     */
    private static String hintName(int hint) {
        return switch (hint) {
            case 0 -> "nop";
            case 1 -> "yield";
            case 2 -> "wfe";
            case 3 -> "wfi";
            case 4 -> "sev";
            case 5 -> "sevl";
            case 7 -> "xpaclri";
            case 8 -> "pacia1716";
            case 10 -> "pacib1716";
            case 12 -> "autia1716";
            case 14 -> "autib1716";
            case 16 -> "esb";
            case 17 -> "psb csync";
            case 18 -> "tsb csync";
            case 20 -> "csdb";
            case 22 -> "clearbhb";
            case 24 -> "paciaz";
            case 25 -> "paciasp";
            case 26 -> "pacibz";
            case 27 -> "pacibsp";
            case 28 -> "autiaz";
            case 29 -> "autiasp";
            case 30 -> "autibz";
            case 31 -> "autibsp";
            case 32 -> "bti";
            case 34 -> "bti c";
            case 36 -> "bti j";
            case 38 -> "bti jc";
            default -> null;
        };
    }

    private static String barrier(int crm, int op2) {
        switch (op2) {
            case 2 -> {
                return crm == 15 ? "clrex" : "clrex " + hex(crm);
            }
            case 4, 5 -> {
                // DSB with CRm 0 and 4 are the speculation barriers SSBB and PSSBB; DMB keeps the number.
                if (op2 == 4 && crm == 0) {
                    return "ssbb";
                }
                if (op2 == 4 && crm == 4) {
                    return "pssbb";
                }
                String option = BARRIER_OPTIONS.get(crm);
                return (op2 == 4 ? "dsb " : "dmb ") + (option.isEmpty() ? String.format("#0x%02x", crm) : option);
            }
            case 6 -> {
                return crm == 15 ? "isb" : "isb " + hex(crm);
            }
            default -> {
                return null;
            }
        }
    }
}
