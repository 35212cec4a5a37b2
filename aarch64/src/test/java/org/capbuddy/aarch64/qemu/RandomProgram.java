package org.capbuddy.aarch64.qemu;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.capbuddy.aarch64.decode.Decoder;
import org.capbuddy.aarch64.decode.Insn;
import org.capbuddy.aarch64.decode.Op;
import org.capbuddy.aarch64.decode.SimdOp;
import org.capbuddy.aarch64.decode.Slots;
import org.capbuddy.aarch64.elf.ElfBuilder;

/**
 * A seeded random A64 program for comparing the interpreter with QEMU instruction by instruction:
 * a preamble that loads X0–X30, SP, NZCV, FPCR, FPSR, TPIDR_EL0 and V0–V31 from a table of random
 * values, a block of random instructions, and {@code exit}.
 *
 * <p>The block draws from every class the decoder implements (data processing immediate and
 * register, loads and stores of every size and addressing form including pairs and exclusives,
 * SIMD and floating point, system registers, hints and barriers, forward branches) and holds only
 * encodings whose result the architecture defines: no CONSTRAINED UNPREDICTABLE forms (write-back
 * into a loaded or stored register, LDP of one register twice, SMULH with Ra other than 31, a store
 * exclusive whose status is its data or base) and nothing whose result depends on the host (the
 * virtual counter). Every access through a register stays inside a 4 KiB scratch segment: X28 (the
 * block never writes it) points at its middle and SP (never written either) into it, and forms
 * that need a base or index of their own get it from a setup instruction just before them; literal
 * loads read the program's own code segment. Branches only go
 * forward to a later instruction of the block or to the exit; FPCR keeps the rounding mode, flush
 * to zero and default NaN at Linux's defaults, which is all the interpreter implements (README,
 * Limits). Each generated word is decoded: one the decoder rejects is a generator bug and throws.
 */
final class RandomProgram {
    static final long CODE = 0x40_0000L;
    static final long ENTRY = CODE + ElfBuilder.HEADER_AREA;
    static final long SCRATCH = 0x50_0000L;
    static final int SCRATCH_BYTES = 4096;
    /** The register the block never writes: the scratch segment's middle. */
    static final int BASE = 28;
    static final long BASE_ADDRESS = SCRATCH + 0x800;
    static final long SP_ADDRESS = SCRATCH + 0xC00;

    // the data table: X0..X30, V0..V31, then the system registers
    private static final int T_X = 0;
    private static final int T_V = 256;
    private static final int T_FPCR = 768;
    private static final int T_FPSR = 776;
    private static final int T_NZCV = 784;
    private static final int T_TPIDR = 792;
    private static final int T_SP = 800;
    private static final int TABLE_BYTES = 816;

    /** FPCR bits the fuzzer may set: AHP, Stride, Len, and bits a Cortex-A53 ignores (trap enables, FZ16). */
    static final int FPCR_FREE = 0x043F_9F00;

    /**
     * What the block is made of: {@link #GENERAL} every class the decoder implements;
     * {@link #ESTIMATES} the reciprocal and square-root estimates and steps, FRECPX, FCVTXN and the
     * scalar saturating doubling long multiplies, alone and in the Newton-Raphson sequences gcc's
     * {@code -ffast-math} emits, on operands at their edges (see {@link #estimateUnit}).
     */
    enum Mix { GENERAL, ESTIMATES }

    final long seed;
    final Mix mix;
    /** Every word of the code: preamble, block, exit; the table follows them in the segment. */
    final int[] words;
    final int blockStart;
    final int blockEnd;
    final byte[] table;
    final byte[] scratch;

    private final SplittableRandom random;
    private final List<Unit> units = new ArrayList<>();

    /** A run of words that stays together (a setup and its user), with at most one word to patch. */
    private static final class Unit {
        final int[] words;
        int fix = -1;
        Fix kind;
        /** Branches: units to skip (0 = the next one); literals: where in the code segment, drawn early. */
        int operand;

        Unit(int... words) {
            this.words = words;
        }

        Unit fix(int at, Fix kind, int operand) {
            this.fix = at;
            this.kind = kind;
            this.operand = operand;
            return this;
        }
    }

    private enum Fix { IMM19, IMM14, IMM26, ADR, LITERAL }

    private RandomProgram(long seed, int instructions, Mix mix) {
        this.seed = seed;
        this.mix = mix;
        this.random = new SplittableRandom(seed);
        this.table = initialState();
        this.scratch = new byte[SCRATCH_BYTES];
        random.nextBytes(scratch);
        if (mix == Mix.ESTIMATES) {
            for (int at = 0; at < SCRATCH_BYTES; at += 8) {
                put(scratch, at, estimateLane(), 8); // operands for the reloads
            }
        }
        int count = 0;
        while (count < instructions) {
            Unit unit = mix == Mix.ESTIMATES ? estimateUnit() : unit();
            units.add(unit);
            count += unit.words.length;
        }
        int[] preamble = preamble(0);
        int exitWords = 3;
        int code = preamble.length + count + exitWords;
        int tableAt = (code + 3) & ~3; // 16-byte aligned
        preamble = preamble(4L * tableAt);
        words = new int[tableAt];
        System.arraycopy(preamble, 0, words, 0, preamble.length);
        blockStart = preamble.length;
        blockEnd = blockStart + count;
        lay();
        words[blockEnd] = 0xD2800000; // mov x0, #0 (the exit status)
        words[blockEnd + 1] = 0xD2800000 | (93 << 5) | 8; // mov x8, #93 (exit)
        words[blockEnd + 2] = 0xD4000001; // svc #0
        for (int i = blockEnd + 3; i < tableAt; i++) {
            words[i] = 0xD503201F; // nop padding, never executed
        }
        for (int i = 0; i < blockEnd + 3; i++) {
            long pc = ENTRY + 4L * i;
            Insn in = Decoder.decode(pc, words[i]);
            if (in.op() == Op.UNDEFINED) {
                throw new IllegalStateException(String.format("generator bug: seed %d made %08x at %x, which the"
                        + " decoder rejects", seed, words[i], pc));
            }
        }
    }

    /** The program of {@code seed} with (at least) {@code instructions} random instructions in its block. */
    static RandomProgram generate(long seed, int instructions) {
        return new RandomProgram(seed, instructions, Mix.GENERAL);
    }

    /** The program of {@code seed} of the given mix. */
    static RandomProgram generate(long seed, int instructions, Mix mix) {
        return new RandomProgram(seed, instructions, mix);
    }

    /** The static ELF: code and table read-only and executable at {@link #CODE}, the scratch segment read-write. */
    byte[] elf() {
        byte[] code = new byte[4 * words.length + table.length];
        for (int i = 0; i < words.length; i++) {
            put(code, 4 * i, words[i], 4);
        }
        System.arraycopy(table, 0, code, 4 * words.length, table.length);
        return ElfBuilder.exec().headerSegment(CODE, "rx", code).load(SCRATCH, SCRATCH_BYTES, "rw", scratch).build();
    }

    // ---- the state the preamble loads

    private byte[] initialState() {
        byte[] t = new byte[TABLE_BYTES];
        for (int i = 0; i < 31; i++) {
            put(t, T_X + 8 * i, i == BASE ? BASE_ADDRESS : generalValue(), 8);
        }
        for (int i = 0; i < 64; i++) {
            put(t, T_V + 8 * i, mix == Mix.ESTIMATES ? estimateLane() : laneValue(), 8);
        }
        put(t, T_FPCR, random.nextInt() & FPCR_FREE, 8);
        // the estimates start with no flags set, so that the first ones they raise are seen
        put(t, T_FPSR, random.nextInt() & (mix == Mix.ESTIMATES ? 0 : 0xF800_009FL), 8);
        put(t, T_NZCV, (long) random.nextInt(16) << 28, 8);
        put(t, T_TPIDR, random.nextLong(), 8);
        put(t, T_SP, SP_ADDRESS, 8);
        return t;
    }

    private static final long[] SPECIAL = {0, 1, -1, 2, 31, 32, 63, 64, 0x7F, 0x80, 0xFF, 0x7FFF, 0x8000, 0xFFFF,
        0x7FFF_FFFFL, 0x8000_0000L, 0xFFFF_FFFFL, 0x1_0000_0000L, Long.MAX_VALUE, Long.MIN_VALUE,
        0x8000_0000_0000_0001L, 0xFFFF_FFFF_8000_0000L, 0x0000_0000_FFFF_FFFEL};

    private long generalValue() {
        return switch (random.nextInt(10)) {
            case 0, 1, 2, 3 -> random.nextLong();
            case 4, 5 -> random.nextInt(-300, 300);
            case 6, 7 -> SPECIAL[random.nextInt(SPECIAL.length)];
            case 8 -> SCRATCH + random.nextInt(SCRATCH_BYTES);
            default -> laneValue();
        };
    }

    /** 64 bits of a vector register: random bits, an interesting double, or two interesting singles. */
    private long laneValue() {
        return switch (random.nextInt(4)) {
            case 0 -> random.nextLong();
            case 1, 2 -> interestingDouble();
            default -> (interestingFloat() & 0xFFFF_FFFFL) | ((long) interestingFloat() << 32);
        };
    }

    private long interestingDouble() {
        return switch (random.nextInt(16)) {
            case 0 -> 0x7FF8_0000_0000_0000L | random.nextLong(1L << 51) | (random.nextBoolean() ? Long.MIN_VALUE : 0);
            case 1 -> 0x7FF0_0000_0000_0000L | random.nextLong(1, 1L << 51) | (random.nextBoolean() ? Long.MIN_VALUE : 0);
            case 2 -> random.nextLong(1, 1L << 52) | (random.nextBoolean() ? Long.MIN_VALUE : 0); // subnormal
            case 3 -> Double.doubleToRawLongBits(random.nextInt(-100, 100) / 2.0); // halves: ties
            case 4 -> Double.doubleToRawLongBits(random.nextDouble(-1e6, 1e6));
            case 5 -> Double.doubleToRawLongBits(new double[] {0.0, -0.0, Double.POSITIVE_INFINITY,
                Double.NEGATIVE_INFINITY, Double.MIN_NORMAL, Double.MAX_VALUE, -Double.MAX_VALUE,
                0x1p63, -0x1p63, 0x1p64, 0x1p31, -0x1p31, 0x1p32, 4294967295.5, -2147483648.5, 2147483647.5,
                9.223372036854775E18, 1.0, -1.0, 0.5}[random.nextInt(20)]);
            case 6 -> Double.doubleToRawLongBits((double) random.nextLong());
            case 7 -> Double.doubleToRawLongBits(Math.scalb(random.nextDouble(1, 2), random.nextInt(-1074, 1024))
                    * (random.nextBoolean() ? -1 : 1));
            default -> (random.nextLong() & 0x800F_FFFF_FFFF_FFFFL) | ((long) random.nextInt(0x3C0, 0x440) << 52);
        };
    }

    private int interestingFloat() {
        return switch (random.nextInt(14)) {
            case 0 -> 0x7FC0_0000 | random.nextInt(1 << 22) | (random.nextBoolean() ? 0x8000_0000 : 0);
            case 1 -> 0x7F80_0000 | random.nextInt(1, 1 << 22) | (random.nextBoolean() ? 0x8000_0000 : 0);
            case 2 -> random.nextInt(1, 1 << 23) | (random.nextBoolean() ? 0x8000_0000 : 0);
            case 3 -> Float.floatToRawIntBits(random.nextInt(-100, 100) / 2.0f);
            case 4 -> Float.floatToRawIntBits((float) random.nextDouble(-1e5, 1e5));
            case 5 -> Float.floatToRawIntBits(new float[] {0.0f, -0.0f, Float.POSITIVE_INFINITY,
                Float.NEGATIVE_INFINITY, Float.MIN_NORMAL, Float.MAX_VALUE, 0x1p31f, -0x1p31f, 0x1p32f, 0x1p63f,
                0x1p64f, 1.0f, -1.0f, 16777217.0f}[random.nextInt(14)]);
            case 6 -> Float.floatToRawIntBits(Math.scalb((float) random.nextDouble(1, 2), random.nextInt(-149, 128))
                    * (random.nextBoolean() ? -1 : 1));
            default -> (random.nextInt() & 0x807F_FFFF) | (random.nextInt(0x60, 0xA0) << 23);
        };
    }

    private int[] preamble(long tableOffset) {
        List<Integer> p = new ArrayList<>();
        p.add(adr(BASE, tableOffset)); // adr x28, table (offset from the first word)
        for (int i = 0; i < 16; i++) {
            p.add(0xAD40_0000 | (((T_V + 32 * i) / 16) << 15) | ((2 * i + 1) << 10) | (BASE << 5) | (2 * i)); // ldp q
        }
        int[][] system = {{T_FPCR, 0xD51B4400}, {T_FPSR, 0xD51B4420}, {T_NZCV, 0xD51B4200}, {T_TPIDR, 0xD51BD040}};
        for (int[] r : system) {
            p.add(ldrX(0, BASE, r[0]));
            p.add(r[1]); // msr <register>, x0
        }
        p.add(ldrX(0, BASE, T_SP));
        p.add(0x9100_001F); // mov sp, x0
        for (int i = 0; i < 30; i += 2) {
            int first = i < 28 ? i : 29;
            p.add(0xA940_0000 | ((T_X + 8 * first) / 8 << 15) | ((first + 1) << 10) | (BASE << 5) | first); // ldp x
        }
        p.add(ldrX(BASE, BASE, T_X + 8 * BASE));
        return p.stream().mapToInt(Integer::intValue).toArray();
    }

    private static int ldrX(int rt, int rn, int offset) {
        return 0xF940_0000 | ((offset / 8) << 10) | (rn << 5) | rt;
    }

    /** ADR rd with this byte offset from the instruction (the first one when laid out, so fixed later). */
    private static int adr(int rd, long offset) {
        return 0x1000_0000 | (int) ((offset & 3) << 29) | (int) (((offset >> 2) & 0x7FFFF) << 5) | rd;
    }

    // ---- laying out the block: branch and literal offsets are known only now

    private void lay() {
        int[] start = new int[units.size() + 1];
        int at = blockStart;
        for (int u = 0; u < units.size(); u++) {
            start[u] = at;
            at += units.get(u).words.length;
        }
        start[units.size()] = blockEnd; // the exit
        int codeWords = words.length + TABLE_BYTES / 4;
        for (int u = 0; u < units.size(); u++) {
            Unit unit = units.get(u);
            System.arraycopy(unit.words, 0, words, start[u], unit.words.length);
            if (unit.fix < 0) {
                continue;
            }
            int index = start[u] + unit.fix;
            int word = words[index];
            long offset;
            if (unit.kind == Fix.LITERAL) {
                // anywhere in the code segment (headers, code, table), from the start of its file page
                long target = CODE + 4L * (unit.operand % ((ElfBuilder.HEADER_AREA / 4) + codeWords - 4));
                offset = target - (ENTRY + 4L * index);
            } else {
                int target = start[Math.min(u + 1 + unit.operand, units.size())];
                offset = 4L * (target - index);
            }
            words[index] = switch (unit.kind) {
                case IMM19, LITERAL -> word | (int) (((offset >> 2) & 0x7FFFF) << 5);
                case IMM14 -> word | (int) (((offset >> 2) & 0x3FFF) << 5);
                case IMM26 -> word | (int) ((offset >> 2) & 0x3FF_FFFF);
                case ADR -> word | adr(0, offset);
            };
        }
    }

    // ---- the units

    private Unit unit() {
        int pick = random.nextInt(100);
        if (pick < 14) {
            return new Unit(fromTemplate(DP_IMMEDIATE));
        }
        if (pick < 36) {
            return new Unit(fromTemplate(DP_REGISTER));
        }
        if (pick < 62) {
            return memory();
        }
        if (pick < 88) {
            return new Unit(fromTemplate(SIMD_FP));
        }
        if (pick < 95) {
            return branch();
        }
        return system();
    }

    /** A class of encodings: the bits in {@code fixed} are {@code value}'s, the others random. */
    private record Template(int value, int fixed) {
    }

    private static final Template[] DP_IMMEDIATE = {
        new Template(0x1000_0000, 0x1F00_0000), // ADR, ADRP
        new Template(0x1100_0000, 0x1F80_0000), // add/subtract (immediate)
        new Template(0x1200_0000, 0x1F80_0000), // logical (immediate)
        new Template(0x1280_0000, 0x1F80_0000), // move wide
        new Template(0x1300_0000, 0x1F80_0000), // bitfield
        new Template(0x1380_0000, 0x1F80_0000), // extract
    };

    private static final Template[] DP_REGISTER = {
        new Template(0x0A00_0000, 0x1F00_0000), // logical (shifted register)
        new Template(0x0B00_0000, 0x1F20_0000), // add/subtract (shifted register)
        new Template(0x0B20_0000, 0x1F20_0000), // add/subtract (extended register)
        new Template(0x1A00_0000, 0x1FE0_FC00), // add/subtract with carry
        new Template(0x1A40_0000, 0x1FE0_0000), // conditional compare
        new Template(0x1A80_0000, 0x1FE0_0000), // conditional select
        new Template(0x1AC0_0000, 0x5FE0_0000), // 2 source
        new Template(0x5AC0_0000, 0x7FFF_E000), // 1 source
        new Template(0x1B00_0000, 0x1F00_0000), // 3 source
    };

    private static final Template[] SIMD_FP = {
        new Template(0x1E20_0000, 0x7F20_FC00), // FP <-> integer conversions, FMOV (general)
        new Template(0x1E20_0400, 0xFF20_0C00), // FCCMP
        new Template(0x1E20_0800, 0xFF20_0C00), // FP 2 source
        new Template(0x1E20_0C00, 0xFF20_0C00), // FCSEL
        new Template(0x1E20_4000, 0xFF20_7C00), // FP 1 source
        new Template(0x1E20_2000, 0xFF20_FC07), // FCMP
        new Template(0x1E20_1000, 0xFF20_1FE0), // FMOV (scalar, immediate)
        new Template(0x1F00_0000, 0xFF00_0000), // FP 3 source
        new Template(0x0E00_0400, 0x9FE0_8400), // copy
        new Template(0x0E20_0400, 0x9F20_0400), // three same
        new Template(0x0E20_0800, 0x9F3E_0C00), // two-register misc
        new Template(0x0E30_0800, 0x9F3E_0C00), // across lanes
        new Template(0x0F00_0400, 0x9FF8_0400), // modified immediate
        new Template(0x0F00_0400, 0x9F80_0400), // shift by immediate
        new Template(0x2E00_0000, 0xBFE0_8400), // EXT
        new Template(0x0E00_0800, 0xBF20_8C00), // permute
    };

    /** A random word of one of the templates that the decoder accepts and that writes neither X28 nor SP. */
    private int fromTemplate(Template[] templates) {
        Template t = templates[random.nextInt(templates.length)];
        for (int attempt = 0; attempt < 100_000; attempt++) {
            int bits = random.nextInt();
            if (random.nextInt(4) == 0) {
                bits &= ~0x00C0_FC00; // no shift: the plain register forms (ADD_REG, MOV_REG) and aliases
            }
            if (random.nextInt(4) == 0) {
                bits |= 31 << 5; // Rn 31: XZR or SP
            }
            int word = t.value | (bits & ~t.fixed);
            Insn in = Decoder.decode(ENTRY, word);
            if (in.op() == Op.UNDEFINED || writesReserved(in)) {
                continue;
            }
            if (in.op() == Op.SMULH || in.op() == Op.UMULH) {
                word |= 31 << 10; // Ra is (1)(1)(1)(1)(1): other values are CONSTRAINED UNPREDICTABLE
            }
            return word;
        }
        throw new IllegalStateException("no word of template " + Integer.toHexString(t.value) + " decodes");
    }

    /** Whether a data-processing or SIMD word writes X28 or SP. */
    private static boolean writesReserved(Insn in) {
        int written;
        if (in.op() == Op.SIMD) {
            boolean general = switch (in.a()) {
                case SimdOp.UMOV, SimdOp.SMOV, SimdOp.CVT_F2I -> true;
                case SimdOp.FMOV_GEN -> in.b() == 0 || in.b() == 2;
                default -> false;
            };
            if (!general) {
                return false;
            }
            written = in.rd();
        } else if (in.op() == Op.CCMP) {
            return false;
        } else {
            written = in.rd();
        }
        return written == BASE || written == Slots.SP;
    }

    /** A general register other than X28 for a destination (31 is XZR where the encoding says so). */
    private int dest() {
        int r = random.nextInt(31);
        return r == BASE ? 31 : r;
    }

    /** A general register to hold a base or index: not X28, not 31, not any of {@code avoid}. */
    private int temp(int... avoid) {
        while (true) {
            int r = random.nextInt(31);
            boolean clash = r == BASE;
            for (int a : avoid) {
                clash |= r == a;
            }
            if (!clash) {
                return r;
            }
        }
    }

    // ---- memory

    /** Base choice: X28, SP or a temporary register set from X28; returns {setup word or 0, register, address}. */
    private long[] base(boolean mayUseFixed, int... avoid) {
        int choice = mayUseFixed ? random.nextInt(3) : 2;
        if (choice == 0) {
            return new long[] {0, BASE, BASE_ADDRESS};
        }
        if (choice == 1) {
            return new long[] {0, 31, SP_ADDRESS};
        }
        int t = temp(avoid);
        int k = random.nextInt(-2040, 2040);
        int setup = (k >= 0 ? 0x9100_0000 : 0xD100_0000) | (Math.abs(k) << 10) | (BASE << 5) | t; // add/sub xt, x28, #k
        return new long[] {setup, t, BASE_ADDRESS + k};
    }

    private static boolean inside(long address, int bytes) {
        return address >= SCRATCH && address + bytes <= SCRATCH + SCRATCH_BYTES;
    }

    private static Unit withSetup(long setup, int... words) {
        if (setup == 0) {
            return new Unit(words);
        }
        int[] all = new int[words.length + 1];
        all[0] = (int) setup;
        System.arraycopy(words, 0, all, 1, words.length);
        return new Unit(all);
    }

    private Unit memory() {
        int pick = random.nextInt(100);
        if (pick < 45) {
            return single();
        }
        if (pick < 65) {
            return pair();
        }
        if (pick < 75) {
            return literal();
        }
        if (pick < 88) {
            return exclusive();
        }
        return structure();
    }

    /** The most bytes one structure load or store moves: four registers of 16 bytes. */
    private static final int STRUCTURE_BYTES = 64;

    /**
     * An Advanced SIMD structure load or store: LD1–4/ST1–4 of one to four whole registers, or
     * one lane of each (LDn/STn single structure), or an element to every lane (LDnR); with no
     * offset, or post-indexed by the bytes moved or by a register. The fields the encoding leaves
     * free are random and the decoder says whether the word is one of them; the base is X28 or SP
     * when nothing is written back, else a temporary, and leaves room for the most a form moves.
     * A register post-index never uses the base itself as the offset.
     */
    private Unit structure() {
        boolean lanes = random.nextBoolean();
        boolean postIndex = random.nextBoolean();
        // bits fixed by the class: 0 Q 0 0 1 1 0 {0 lanes} {post} L R|0 Rm|0 ...
        int value = (lanes ? 0x0D00_0000 : 0x0C00_0000) | (postIndex ? 0x0080_0000 : 0);
        int fixed = 0xBF80_03E0 | (postIndex ? 0 : 0x001F_0000) | (lanes ? 0 : 0x0020_0000);
        while (true) {
            long[] base = base(!postIndex);
            int rn = (int) base[1];
            if (!inside(base[2], STRUCTURE_BYTES)) {
                continue;
            }
            for (int attempt = 0; attempt < 1_000; attempt++) {
                int word = value | (random.nextInt() & ~fixed) | (rn << 5);
                if (postIndex && ((word >>> 16) & 31) == rn) {
                    word |= 31 << 16; // post-index by the bytes moved rather than by the base itself
                }
                if (Decoder.decode(ENTRY, word).op() == Op.VLDST) {
                    return withSetup(base[0], word);
                }
            }
        }
    }

    /**
     * One register, general or SIMD&amp;FP, any size, any addressing: unsigned offset, unscaled,
     * pre- and post-index, unprivileged, register offset; and the prefetches.
     */
    private Unit single() {
        boolean vector = random.nextInt(3) == 0;
        int size;
        int opc;
        int bytes;
        if (vector) {
            int kind = random.nextInt(5); // B H S D Q
            size = kind == 4 ? 0 : kind;
            boolean load = random.nextBoolean();
            opc = (kind == 4 ? 2 : 0) | (load ? 1 : 0);
            bytes = 1 << kind;
        } else {
            size = random.nextInt(4);
            // 0 store, 1 load, 2 load signed to 64 (PRFM for size 3), 3 load signed to 32 (sizes 0, 1)
            opc = random.nextInt(size >= 2 ? 3 : 4);
            bytes = 1 << size;
        }
        int v = vector ? 1 << 26 : 0;
        boolean prefetch = !vector && size == 3 && opc == 2;
        int rt = vector || prefetch ? random.nextInt(32) : opc == 0 ? random.nextInt(32) : dest();
        int form = random.nextInt(6); // 0 unsigned offset, 1 unscaled, 2 pre, 3 post, 4 unprivileged, 5 register
        if (prefetch && (form == 2 || form == 3 || form == 4)) {
            form = 1; // no write-back or unprivileged prefetch
        }
        if (vector && form == 4) {
            form = 0; // no unprivileged SIMD&FP access
        }
        boolean writeBack = form == 2 || form == 3;
        int head = (size << 30) | v | (opc << 22) | rt;
        if (form == 5) {
            return registerOffset(head, rt, bytes, vector || prefetch || opc == 0);
        }
        while (true) {
            // a base near the segment's edge may leave no offset that fits: then another base
            long[] base = base(!writeBack, vector || prefetch ? -1 : rt);
            int rn = (int) base[1];
            for (int attempt = 0; attempt < 64; attempt++) {
                if (form == 0) {
                    int imm12 = random.nextInt(0, 512);
                    if (inside(base[2] + (long) imm12 * bytes, bytes)) {
                        return withSetup(base[0], 0x3900_0000 | head | (imm12 << 10) | (rn << 5));
                    }
                } else {
                    int imm9 = random.nextInt(-256, 256);
                    long address = form == 3 ? base[2] : base[2] + imm9;
                    if (inside(address, bytes)) {
                        int op4 = switch (form) {
                            case 1 -> 0;
                            case 2 -> 3;
                            case 3 -> 1;
                            default -> 2;
                        };
                        return withSetup(base[0],
                                0x3800_0000 | head | ((imm9 & 0x1FF) << 12) | (op4 << 10) | (rn << 5));
                    }
                }
            }
        }
    }

    /** [base, index, extend #shift]: the index set just before by MOVZ or MOVN so the address stays inside. */
    private Unit registerOffset(int head, int rt, int bytes, boolean rtIsSource) {
        while (true) {
            long[] base = base(true);
            int rn = (int) base[1];
            int rm = temp(rn == 31 ? -1 : rn, rtIsSource ? -1 : rt);
            int option = new int[] {2, 3, 6, 7}[random.nextInt(4)]; // UXTW, LSL, SXTW, SXTX
            int s = random.nextInt(2);
            int shift = s == 1 ? Integer.numberOfTrailingZeros(bytes) : 0;
            // MOVN makes a negative index (~k): SXTW and SXTX read it so, and LSL's 64-bit sum wraps
            boolean negative = option != 2 && random.nextBoolean();
            int magnitude = random.nextInt(0, 2048 >> shift);
            long index = negative ? ~(long) magnitude : magnitude;
            if (!inside(base[2] + (index << shift), bytes)) {
                continue;
            }
            // a W index for the 32-bit extends now and then: their upper half must not matter
            boolean wide = option == 3 || option == 7 || random.nextBoolean();
            int set = (negative ? (wide ? 0x9280_0000 : 0x1280_0000) : (wide ? 0xD280_0000 : 0x5280_0000))
                    | (magnitude << 5) | rm; // movz/movn wm or xm
            int access = 0x3820_0800 | head | (rm << 16) | (option << 13) | (s << 12) | (rn << 5);
            return base[0] == 0 ? new Unit(set, access) : new Unit((int) base[0], set, access);
        }
    }

    /** LDP/STP, LDNP/STNP, LDPSW of general registers and S/D/Q registers: offset, pre- and post-index. */
    private Unit pair() {
        boolean vector = random.nextInt(3) == 0;
        boolean load = random.nextBoolean();
        int opc;
        int bytes;
        if (vector) {
            opc = random.nextInt(3);
            bytes = 4 << opc;
        } else {
            opc = load ? random.nextInt(3) : 2 * random.nextInt(2); // 01 is LDPSW, loads only
            bytes = opc == 2 ? 8 : 4;
        }
        int mode = random.nextInt(4); // 00 non-temporal, 01 post, 10 offset, 11 pre
        if (!vector && opc == 1 && mode == 0) {
            mode = 2; // no LDNPSW
        }
        boolean writeBack = mode == 1 || mode == 3;
        int rt;
        int rt2;
        if (vector) {
            rt = random.nextInt(32);
            do {
                rt2 = random.nextInt(32);
            } while (load && rt2 == rt);
        } else if (load) {
            rt = dest();
            do {
                rt2 = dest();
            } while (rt2 == rt);
        } else {
            rt = random.nextInt(32);
            rt2 = random.nextInt(32);
        }
        while (true) {
            long[] base = writeBack ? base(false, vector ? -1 : rt, vector ? -1 : rt2) : base(true);
            int rn = (int) base[1];
            for (int attempt = 0; attempt < 64; attempt++) {
                int imm7 = random.nextInt(-64, 64);
                long address = mode == 1 ? base[2] : base[2] + (long) imm7 * bytes;
                if (inside(address, 2 * bytes)) {
                    int word = (opc << 30) | 0x2800_0000 | (vector ? 1 << 26 : 0) | (mode << 23)
                            | (load ? 1 << 22 : 0) | ((imm7 & 0x7F) << 15) | (rt2 << 10) | (rn << 5) | rt;
                    return withSetup(base[0], word);
                }
            }
        }
    }

    /** LDR (literal) of W, X, SW, S, D, Q, and PRFM (literal), from somewhere in the code segment. */
    private Unit literal() {
        boolean vector = random.nextInt(3) == 0;
        int opc = random.nextInt(vector ? 3 : 4);
        int rt = vector || opc == 3 ? random.nextInt(32) : dest();
        int word = (opc << 30) | 0x1800_0000 | (vector ? 1 << 26 : 0) | rt;
        return new Unit(word).fix(0, Fix.LITERAL, random.nextInt(1 << 20));
    }

    /**
     * Exclusives and acquire/release at aligned addresses: a load exclusive with its store exclusive
     * (the same size and address, nothing between them, so the monitor's outcome is defined), a
     * store exclusive after CLREX (which must fail), a lone load exclusive, LDAR, STLR.
     */
    private Unit exclusive() {
        int kind = random.nextInt(5);
        boolean pair = kind <= 1 && random.nextInt(3) == 0;
        int size = pair ? 2 + random.nextInt(2) : random.nextInt(4);
        int bytes = 1 << size;
        int alignment = pair ? 2 * bytes : bytes;
        long[] base;
        do {
            base = base(true);
        } while ((base[2] & (alignment - 1)) != 0 || !inside(base[2], alignment));
        int rn = (int) base[1];
        int common = (size << 30) | 0x0800_0000 | (pair ? 1 << 21 : 0) | (rn << 5);
        int acquire = random.nextBoolean() ? 1 << 15 : 0;
        int rt;
        do {
            rt = dest();
        } while (rt == rn);
        int rt2 = 31;
        while (pair && (rt2 == 31 || rt2 == rt || rt2 == rn)) {
            rt2 = dest();
        }
        int loadExclusive = common | (1 << 22) | (31 << 16) | acquire | (rt2 << 10) | rt;
        int st = random.nextInt(32);
        int st2 = pair ? random.nextInt(32) : 31;
        int status;
        do {
            status = dest();
        } while (status == st || (pair && status == st2) || (status == rn && rn != 31));
        int storeExclusive = common | (status << 16) | (random.nextBoolean() ? 1 << 15 : 0) | (st2 << 10) | st;
        int[] words = switch (kind) {
            case 0 -> new int[] {loadExclusive, storeExclusive};
            case 1 -> new int[] {0xD503305F | (random.nextInt(16) << 8), storeExclusive}; // clrex
            case 2 -> new int[] {loadExclusive};
            case 3 -> new int[] {(size << 30) | 0x08DF_FC00 | (rn << 5) | rt}; // ldar
            default -> new int[] {(size << 30) | 0x089F_FC00 | (rn << 5) | random.nextInt(32)}; // stlr
        };
        return withSetup(base[0], words);
    }

    // ---- branches and system

    /** A forward branch past 0 to 4 units (or to the exit): B.cond, CBZ/CBNZ, TBZ/TBNZ, B, BL, BR/BLR/RET. */
    private Unit branch() {
        int skip = random.nextInt(5);
        int rt = random.nextInt(32);
        return switch (random.nextInt(7)) {
            case 0, 1 -> new Unit(0x5400_0000 | random.nextInt(16)).fix(0, Fix.IMM19, skip);
            case 2 -> new Unit((random.nextInt(2) << 31) | 0x3400_0000 | (random.nextInt(2) << 24) | rt)
                    .fix(0, Fix.IMM19, skip);
            case 3 -> new Unit((random.nextInt(2) << 31) | 0x3600_0000 | (random.nextInt(2) << 24)
                    | (random.nextInt(32) << 19) | rt).fix(0, Fix.IMM14, skip);
            case 4 -> new Unit((random.nextInt(2) << 31) | 0x1400_0000).fix(0, Fix.IMM26, skip);
            default -> {
                int t = temp();
                int opc = random.nextInt(3); // BR, BLR, RET
                yield new Unit(0x1000_0000 | t, 0xD61F_0000 | (opc << 21) | (t << 5)).fix(0, Fix.ADR, skip);
            }
        };
    }

    /**
     * MRS and MSR of the registers the interpreter implements (FPCR written from a value set just
     * before, with the modes at their defaults), hints, barriers, DC ZVA and the other cache
     * maintenance EL0 may do.
     */
    private Unit system() {
        int rt = random.nextInt(32);
        return switch (random.nextInt(9)) {
            case 0 -> {
                // mrs: NZCV, FPCR, FPSR, TPIDR_EL0, TPIDRRO_EL0, DCZID_EL0, CTR_EL0, CNTFRQ_EL0
                int[] registers = {0xD53B4200, 0xD53B4400, 0xD53B4420, 0xD53BD040, 0xD53BD060, 0xD53B00E0,
                    0xD53B0020, 0xD53BE000};
                yield new Unit(registers[random.nextInt(registers.length)] | dest());
            }
            case 1 -> new Unit(new int[] {0xD51B4200, 0xD51B4420, 0xD51BD040}[random.nextInt(3)] | rt); // msr
            case 2 -> {
                int t = temp();
                int value = random.nextInt() & FPCR_FREE;
                yield new Unit(0xD2A0_0000 | ((value >>> 16) << 5) | t, 0xF280_0000 | ((value & 0xFFFF) << 5) | t,
                        0xD51B4400 | t); // movz xt, #hi, lsl #16; movk xt, #lo; msr fpcr, xt
            }
            case 3 -> {
                int hint;
                do {
                    hint = random.nextInt(128);
                } while (hint == 2 || hint == 3); // WFE, WFI: a user-mode emulator may wait
                yield new Unit(0xD503201F | (hint << 5));
            }
            case 4 -> new Unit(new int[] {0xD503309F, 0xD50330BF, 0xD50330DF, 0xD503305F}[random.nextInt(4)]
                    | (random.nextInt(16) << 8)); // dsb, dmb, isb, clrex
            case 5, 6 -> {
                long[] base;
                do {
                    base = base(true);
                } while (base[1] == 31); // Xt 31 is XZR here, not SP
                // dc zva, dc cvac, dc cvau, dc civac
                int op = new int[] {0xD50B7420, 0xD50B7A20, 0xD50B7B20, 0xD50B7E20}[random.nextInt(4)];
                yield withSetup(base[0], op | (int) base[1]);
            }
            case 7 -> {
                int t = temp();
                yield new Unit(0x1000_0000 | t, 0xD50B7520 | t).fix(0, Fix.ADR, random.nextInt(3)); // ic ivau
            }
            default -> new Unit(0xD503201F); // nop
        };
    }

    // ---- the estimates mix

    private static final Template[] ESTIMATES = {
        new Template(0x0EA1_D800, 0x9FBF_FC00), // FRECPE, FRSQRTE (vector)
        new Template(0x5EA1_D800, 0xDFBF_FC00), // FRECPE, FRSQRTE (scalar)
        new Template(0x0EA1_C800, 0x9FBF_FC00), // URECPE, URSQRTE
        new Template(0x0E20_FC00, 0xBF60_FC00), // FRECPS, FRSQRTS (vector)
        new Template(0x5E20_FC00, 0xFF60_FC00), // FRECPS, FRSQRTS (scalar)
        new Template(0x5EA1_F800, 0xFFBF_FC00), // FRECPX
        new Template(0x2E61_6800, 0xBFFF_FC00), // FCVTXN{2}
        new Template(0x7E61_6800, 0xFFFF_FC00), // FCVTXN (scalar)
        new Template(0x5E20_9000, 0xFF20_FC00), // SQDMLAL (scalar)
        new Template(0x5E20_B000, 0xFF20_FC00), // SQDMLSL (scalar)
        new Template(0x5E20_D000, 0xFF20_FC00), // SQDMULL (scalar)
        new Template(0x5F00_3000, 0xFF00_F400), // SQDMLAL (scalar, by element)
        new Template(0x5F00_7000, 0xFF00_F400), // SQDMLSL (scalar, by element)
        new Template(0x5F00_B000, 0xFF00_F400), // SQDMULL (scalar, by element)
    };

    /**
     * A unit of the estimates mix: a random word of one of their classes (40%); a Newton-Raphson
     * sequence on one register as gcc emits it for a division or a reciprocal square root (30%),
     * where the step's operands are an estimate and its own source, so that their product is near
     * 2 or 3 and the fused step cancels; a reload of a register with fresh edge operands from the
     * scratch segment (20%); or FPSR cleared (10%), so that later flags show.
     */
    private Unit estimateUnit() {
        int pick = random.nextInt(10);
        if (pick < 4) {
            return new Unit(fromTemplate(ESTIMATES));
        }
        if (pick < 7) {
            return newton();
        }
        if (pick < 9) {
            int offset = random.nextInt(0, 128); // a Q register from [x28, #16k], inside the segment
            return new Unit(0x3DC0_0000 | (offset << 10) | (BASE << 5) | random.nextInt(32));
        }
        return new Unit(0xD51B_443F); // msr fpsr, xzr
    }

    /** FRECPE/FRSQRTE then FRECPS/FRSQRTS (with the FMUL of the square root's step), scalar or vector. */
    private Unit newton() {
        boolean scalar = random.nextInt(3) == 0;
        boolean dbl = random.nextBoolean();
        boolean q = !scalar && (dbl || random.nextBoolean());
        int source = random.nextInt(32);
        int estimate = random.nextInt(32);
        int square = random.nextInt(32);
        int step = random.nextInt(32);
        int common = (q ? 1 << 30 : 0) | (dbl ? 1 << 22 : 0) | (scalar ? 0x5000_0000 : 0);
        if (random.nextBoolean()) {
            // x0 = frecpe(d); s = frecps(x0, d); x1 = x0 * s
            int frecpe = 0x0EA1_D800 | common | (source << 5) | estimate;
            int frecps = 0x0E20_FC00 | common | (source << 16) | (estimate << 5) | step;
            return new Unit(frecpe, frecps, fmul(scalar, q, dbl, estimate, estimate, step));
        }
        // x0 = frsqrte(d); t = x0 * x0; s = frsqrts(t, d); x1 = x0 * s
        int frsqrte = 0x2EA1_D800 | common | (source << 5) | estimate;
        int frsqrts = 0x0EA0_FC00 | common | (source << 16) | (square << 5) | step;
        return new Unit(frsqrte, fmul(scalar, q, dbl, square, estimate, estimate), frsqrts,
                fmul(scalar, q, dbl, step, estimate, step));
    }

    private static int fmul(boolean scalar, boolean q, boolean dbl, int rd, int rn, int rm) {
        if (scalar) {
            return 0x1E20_0800 | (dbl ? 1 << 22 : 0) | (rm << 16) | (rn << 5) | rd; // fmul s/d
        }
        return 0x2E20_DC00 | (q ? 1 << 30 : 0) | (dbl ? 1 << 22 : 0) | (rm << 16) | (rn << 5) | rd;
    }

    /** 64 bits of operands for the estimates: two singles or a double at their edges, or integer lanes. */
    private long estimateLane() {
        return switch (random.nextInt(8)) {
            case 0, 1, 2 -> (estimateFloat() & 0xFFFF_FFFFL) | ((long) estimateFloat() << 32);
            case 3, 4 -> estimateDouble();
            case 5 -> {
                long lanes = 0;
                for (int i = 0; i < 4; i++) {
                    long h = new long[] {0x8000, 0x7FFF, 0xFFFF, 0, 1, 0x8001, random.nextInt(1 << 16)}[random.nextInt(7)];
                    lanes |= h << (16 * i);
                }
                yield lanes;
            }
            case 6 -> {
                long lanes = 0;
                for (int i = 0; i < 2; i++) {
                    long w = new long[] {0x8000_0000L, 0x7FFF_FFFFL, 0xFFFF_FFFFL, 0, 1, 0x4000_0000L, 0x3FFF_FFFFL,
                        0xC000_0000L, 0x8080_0000L, 0x807F_FFFFL, random.nextLong(1L << 32)}[random.nextInt(11)];
                    lanes |= w << (32 * i);
                }
                yield lanes;
            }
            default -> new long[] {Long.MAX_VALUE, Long.MIN_VALUE, Long.MAX_VALUE - random.nextInt(1 << 20),
                Long.MIN_VALUE + random.nextInt(1 << 20), random.nextLong()}[random.nextInt(5)];
        };
    }

    /**
     * A single for the estimates: the fraction's top 8 bits (the tables' index) random and the rest
     * all zeros, all ones or random, so that both sides of every table step come up; exponents all
     * over, the extremes most (subnormals above and below 2^-128, where FRECPE overflows; results
     * that are subnormal); zeros, infinities, quiet and signalling NaNs; and values near 1.
     */
    private int estimateFloat() {
        int sign = random.nextBoolean() ? 0x8000_0000 : 0;
        int top = random.nextInt(256) << 15;
        int rest = new int[] {0, 0x7FFF, random.nextInt(1 << 15), 1}[random.nextInt(4)];
        return switch (random.nextInt(12)) {
            case 0 -> sign | new int[] {0, 0x7F80_0000, 0x7FC0_0000 | random.nextInt(1 << 22),
                0x7F80_0000 | random.nextInt(1, 1 << 22), 0x0080_0000, 0x7F7F_FFFF}[random.nextInt(6)];
            case 1, 2 -> sign | (random.nextInt(1, 1 << 23) >>> random.nextInt(23)); // subnormal, any leading bit
            case 3 -> sign | (random.nextBoolean() ? 0x0020_0000 : 0x0040_0000) | (random.nextInt(1 << 21)
                    & (random.nextBoolean() ? 0 : -1)); // around 2^-128 and 2^-127
            case 4 -> sign | (new int[] {1, 2, 252, 253, 254}[random.nextInt(5)] << 23) | top | rest;
            case 5 -> Float.floatToRawIntBits((float) random.nextDouble(0.5, 4)) ^ (random.nextInt(4) == 0 ? sign : 0);
            default -> (random.nextInt(4) == 0 ? sign : 0) | (random.nextInt(1, 255) << 23) | top | rest;
        };
    }

    /**
     * A double for the estimates and FCVTXN: as {@link #estimateFloat}'s, plus values inside and
     * just outside single precision's range whose low 29 bits (what FCVTXN drops) are zero, a
     * half, all ones or random, and single precision's subnormal range.
     */
    private long estimateDouble() {
        long sign = random.nextBoolean() ? Long.MIN_VALUE : 0;
        long top = (long) random.nextInt(256) << 44;
        long rest = new long[] {0, (1L << 44) - 1, random.nextLong(1L << 44), 1}[random.nextInt(4)];
        long dropped = new long[] {0, 1L << 28, (1L << 29) - 1, random.nextLong(1L << 29), 1, (1L << 28) + 1,
            (1L << 28) - 1}[random.nextInt(7)];
        return switch (random.nextInt(12)) {
            case 0 -> sign | new long[] {0, 0x7FF0_0000_0000_0000L, 0x7FF8_0000_0000_0000L | random.nextLong(1L << 51),
                0x7FF0_0000_0000_0000L | random.nextLong(1, 1L << 51), 0x0010_0000_0000_0000L,
                0x7FEF_FFFF_FFFF_FFFFL}[random.nextInt(6)];
            case 1 -> sign | (random.nextLong(1, 1L << 52) >>> random.nextInt(52));
            case 2 -> sign | (random.nextBoolean() ? 1L << 50 : 1L << 49) | (random.nextLong(1L << 49)
                    & (random.nextBoolean() ? 0 : -1L));
            case 3 -> sign | ((long) new int[] {1, 2, 2044, 2045, 2046}[random.nextInt(5)] << 52) | top | rest;
            case 4, 5 -> {
                // single's range and its edges: exponents -150 .. 128 unbiased
                long exponent = 1023 + random.nextInt(-152, 130);
                yield sign | (exponent << 52) | (random.nextLong(1L << 23) << 29) | dropped;
            }
            case 6 -> Double.doubleToRawLongBits(random.nextDouble(0.5, 4)) ^ (random.nextInt(4) == 0 ? sign : 0);
            default -> (random.nextInt(4) == 0 ? sign : 0) | ((long) random.nextInt(1, 2047) << 52) | top | rest;
        };
    }

    private static void put(byte[] b, int at, long value, int bytes) {
        for (int i = 0; i < bytes; i++) {
            b[at + i] = (byte) (value >>> (8 * i));
        }
    }
}
