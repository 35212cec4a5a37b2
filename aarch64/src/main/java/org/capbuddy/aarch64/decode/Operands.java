package org.capbuddy.aarch64.decode;

import java.util.List;

/**
 * The operand spellings the disassembler shares, as GNU objdump writes them: register names with
 * what 31 means in each position, immediates in hex or decimal (objdump chooses per operand kind,
 * not per value), condition, shift and extend names, and branch targets.
 */
final class Operands {
    private Operands() {
    }

    /** objdump's names: the first of each synonym pair (cs, not hs; cc, not lo). */
    private static final List<String> CONDITIONS = List.of(
            "eq", "ne", "cs", "cc", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le", "al", "nv");
    private static final List<String> SHIFTS = List.of("lsl", "lsr", "asr", "ror");
    private static final List<String> EXTENDS = List.of("uxtb", "uxth", "uxtw", "uxtx", "sxtb", "sxth", "sxtw", "sxtx");

    /** A general register where 31 is the zero register. */
    static String reg(int n, boolean x) {
        if (n == 31) {
            return x ? "xzr" : "wzr";
        }
        return (x ? "x" : "w") + n;
    }

    /** A general register where 31 is the stack pointer. */
    static String regOrSp(int n, boolean x) {
        if (n == 31) {
            return x ? "sp" : "wsp";
        }
        return (x ? "x" : "w") + n;
    }

    /** A base register in an address: always 64-bit, 31 is SP. */
    static String base(int n) {
        return regOrSp(n, true);
    }

    static String hex(long value) {
        return "#0x" + Long.toHexString(value);
    }

    static String dec(long value) {
        return "#" + value;
    }

    /** A PC-relative target, as objdump prints it once its symbol comment is dropped. */
    static String target(long address) {
        return "0x" + Long.toHexString(address);
    }

    static String condition(int cond) {
        return CONDITIONS.get(cond & 0xF);
    }

    /** A condition as CSET, CINC and friends name it: the one under which the result is the "set" value. */
    static String inverted(int cond) {
        return CONDITIONS.get((cond ^ 1) & 0xF);
    }

    static String shift(int type) {
        return SHIFTS.get(type & 3);
    }

    static String extend(int option) {
        return EXTENDS.get(option & 7);
    }

    /** ", lsl #3" and the like after a register; nothing for LSL #0, which objdump leaves out (but not LSR #0). */
    static String shiftSuffix(int type, int amount) {
        if (type == 0 && amount == 0) {
            return "";
        }
        return ", " + shift(type) + " #" + amount;
    }

    /** objdump's form for a word it cannot decode, which we also use for words the interpreter leaves undefined. */
    static String undefined(int word) {
        String hex = Integer.toHexString(word);
        return ".inst 0x" + "0".repeat(8 - hex.length()) + hex + " ; undefined";
    }
}
