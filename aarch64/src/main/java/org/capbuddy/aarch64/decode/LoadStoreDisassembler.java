package org.capbuddy.aarch64.decode;

import static org.capbuddy.aarch64.decode.Bits.bit;
import static org.capbuddy.aarch64.decode.Bits.field;
import static org.capbuddy.aarch64.decode.Bits.signExtend;
import static org.capbuddy.aarch64.decode.Operands.base;
import static org.capbuddy.aarch64.decode.Operands.reg;
import static org.capbuddy.aarch64.decode.Operands.target;

import java.util.List;

/**
 * Text for the classes {@link LoadStoreDecoder} decodes. Offsets in addresses are decimal (objdump
 * writes them so, unlike data immediates); a zero offset is left out of an offset address but kept
 * in pre- and post-index forms, where it still means a write-back.
 */
final class LoadStoreDisassembler {
    private LoadStoreDisassembler() {
    }

    /** SIMD&amp;FP register prefixes by log2 of the access size. */
    private static final List<String> VECTOR = List.of("b", "h", "s", "d", "q");

    /** PRFM operation names by the Rt field; empty where objdump prints the number. */
    private static final List<String> PREFETCH = List.of(
            "pldl1keep", "pldl1strm", "pldl2keep", "pldl2strm", "pldl3keep", "pldl3strm", "", "",
            "plil1keep", "plil1strm", "plil2keep", "plil2strm", "plil3keep", "plil3strm", "", "",
            "pstl1keep", "pstl1strm", "pstl2keep", "pstl2strm", "pstl3keep", "pstl3strm", "", "");

    static String decode(long pc, int w) {
        return switch (LoadStoreClass.of(w)) {
            case EXCLUSIVE -> exclusive(w);
            case LITERAL -> literal(pc, w);
            case PAIR -> pair(w);
            case IMMEDIATE_9 -> immediate9(w);
            case REGISTER_OFFSET -> registerOffset(w);
            case UNSIGNED_OFFSET -> unsignedOffset(w);
            case STRUCTURE -> {
                AdvancedSimd.Form form = AdvancedSimd.ofLoadStore(w);
                yield form == null ? null : AdvancedSimd.text(form);
            }
            case OTHER -> null;
        };
    }

    private static String exclusive(int w) {
        int size = field(w, 30, 2);
        boolean load = bit(w, 22);
        boolean ordered = bit(w, 15);
        int rs = field(w, 16, 5);
        int rt2 = field(w, 10, 5);
        int rt = field(w, 0, 5);
        String address = "[" + base(field(w, 5, 5)) + "]";
        String suffix = size == 0 ? "b" : size == 1 ? "h" : "";
        boolean wide = size == 3;
        if (bit(w, 23)) {
            return (load ? "ldar" : "stlr") + suffix + " " + reg(rt, wide) + ", " + address;
        }
        if (bit(w, 21)) {
            String pair = reg(rt, wide) + ", " + reg(rt2, wide) + ", " + address;
            if (load) {
                return (ordered ? "ldaxp " : "ldxp ") + pair;
            }
            return (ordered ? "stlxp " : "stxp ") + reg(rs, false) + ", " + pair;
        }
        if (load) {
            return (ordered ? "ldaxr" : "ldxr") + suffix + " " + reg(rt, wide) + ", " + address;
        }
        return (ordered ? "stlxr" : "stxr") + suffix + " " + reg(rs, false) + ", " + reg(rt, wide) + ", " + address;
    }

    private static String literal(long pc, int w) {
        String address = target(pc + (signExtend(field(w, 5, 19), 19) << 2));
        int opc = field(w, 30, 2);
        int rt = field(w, 0, 5);
        if (bit(w, 26)) {
            return "ldr " + VECTOR.get(opc + 2) + rt + ", " + address;
        }
        return switch (opc) {
            case 0 -> "ldr " + reg(rt, false) + ", " + address;
            case 1 -> "ldr " + reg(rt, true) + ", " + address;
            case 2 -> "ldrsw " + reg(rt, true) + ", " + address;
            default -> "prfm " + prefetch(rt) + ", " + address;
        };
    }

    private static String prefetch(int rt) {
        String name = rt < PREFETCH.size() ? PREFETCH.get(rt) : "";
        return name.isEmpty() ? String.format("#0x%02x", rt) : name;
    }

    private static String pair(int w) {
        int opc = field(w, 30, 2);
        boolean vector = bit(w, 26);
        int mode = field(w, 23, 2);
        boolean load = bit(w, 22);
        int rt = field(w, 0, 5);
        int rt2 = field(w, 10, 5);
        int rn = field(w, 5, 5);
        boolean signed = !vector && opc == 1;
        // LDPSW with Rt == Rt2, or writing back to a base it also loads, is CONSTRAINED UNPREDICTABLE;
        // objdump declines to print it (though it prints LDP's equivalents), so match that.
        if (signed && (rt == rt2 || ((mode == 1 || mode == 3) && rn != 31 && (rn == rt || rn == rt2)))) {
            return null;
        }
        int scale;
        String t1;
        String t2;
        if (vector) {
            scale = 2 + opc;
            t1 = VECTOR.get(scale) + rt;
            t2 = VECTOR.get(scale) + rt2;
        } else {
            scale = opc == 2 ? 3 : 2;
            t1 = reg(rt, opc != 0);
            t2 = reg(rt2, opc != 0);
        }
        String name = (load ? "ld" : "st") + (mode == 0 ? "np" : "p") + (signed ? "sw" : "");
        long offset = signExtend(field(w, 15, 7), 7) << scale;
        return name + " " + t1 + ", " + t2 + ", " + address(rn, offset, LoadStoreClass.indexing(mode));
    }

    /** An immediate-offset address: 0 offset (omitted when zero), 1 pre-index, 2 post-index. */
    private static String address(int rn, long offset, int addressing) {
        return switch (addressing) {
            case 1 -> "[" + base(rn) + ", #" + offset + "]!";
            case 2 -> "[" + base(rn) + "], #" + offset;
            default -> offset == 0 ? "[" + base(rn) + "]" : "[" + base(rn) + ", #" + offset + "]";
        };
    }

    private static String immediate9(int w) {
        int form = field(w, 10, 2);
        // The mnemonic tells the unscaled (LDUR...) and unprivileged (LDTR...) forms from the rest.
        String kind = form == 0 ? "ur" : form == 2 ? "tr" : "r";
        long offset = signExtend(field(w, 12, 9), 9);
        return single(w, kind, address(field(w, 5, 5), offset, LoadStoreClass.indexing(form)));
    }

    private static String registerOffset(int w) {
        int option = field(w, 13, 3);
        boolean scaled = bit(w, 12);
        int log2 = log2Size(w);
        String rm = reg(field(w, 16, 5), (option & 1) != 0);
        String extend;
        if (option == 3) {
            extend = scaled ? ", lsl #" + log2 : "";
        } else {
            extend = ", " + Operands.extend(option) + (scaled ? " #" + log2 : "");
        }
        return single(w, "r", "[" + base(field(w, 5, 5)) + ", " + rm + extend + "]");
    }

    private static String unsignedOffset(int w) {
        long offset = (long) field(w, 10, 12) << log2Size(w);
        return single(w, "r", address(field(w, 5, 5), offset, 0));
    }

    /** log2 of the access size; 4 for a Q register. */
    private static int log2Size(int w) {
        if (bit(w, 26) && field(w, 22, 2) >= 2) {
            return 4;
        }
        return field(w, 30, 2);
    }

    /** One register, named by kind ("r", "ur" unscaled, "tr" unprivileged), size and opc. */
    private static String single(int w, String kind, String address) {
        int size = field(w, 30, 2);
        int opc = field(w, 22, 2);
        int rt = field(w, 0, 5);
        // The unprivileged kind never meets a SIMD&FP register or a prefetch: the decoder refuses
        // those words, as the architecture has no such instructions.
        if (bit(w, 26)) {
            String name = ((opc & 1) != 0 ? "ld" : "st") + kind;
            return name + " " + VECTOR.get(log2Size(w)) + rt + ", " + address;
        }
        if (size == 3 && opc == 2) {
            return (kind.equals("ur") ? "prfum " : "prfm ") + prefetch(rt) + ", " + address;
        }
        String width = size == 0 ? "b" : size == 1 ? "h" : "";
        String name;
        boolean wide;
        if (opc == 0) {
            name = "st" + kind + width;
            wide = size == 3;
        } else if (opc == 1) {
            name = "ld" + kind + width;
            wide = size == 3;
        } else {
            name = "ld" + kind + "s" + (size == 2 ? "w" : width);
            wide = opc == 2;
        }
        return name + " " + reg(rt, wide) + ", " + address;
    }
}
