package org.capbuddy.aarch64.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.capbuddy.aarch64.decode.Decoder;
import org.capbuddy.aarch64.decode.Insn;
import org.capbuddy.aarch64.testing.FlatMemory;
import org.junit.jupiter.api.Test;

/**
 * Translated blocks against the interpreter they stand in for. Random programs (random encodings
 * that decode to translatable instructions, in blocks joined by random branches, with now and then
 * an instruction only the interpreter runs) start from the same random state in two interpreters:
 * one translates nothing, the other every block at its first or second entry. Both run in slices
 * of random budgets; after each slice the exit and its details, PC, the instruction count, every
 * register, the flags and the memory's access counts must agree, and at the end the memory itself.
 *
 * <p>Some programs run with writable code (stores may rewrite instructions), some with demand-zero
 * memory whose "handler" changes a register inside the access, as a fault handler may. Seeded;
 * re-run one with {@code -Da64.seed=N}.
 */
class BlockTranslationDifferentialTest {
    private static final long DEFAULT_SEED = 0x7B10C5L;
    private static final int PROGRAMS = 400;
    private static final long CODE = 0x40_0000L;
    private static final long DATA = 0x10_0000L;
    private static final int DATA_BYTES = 64 * 1024;
    /** Instructions only the interpreter runs: svc #0, mrs x3, tpidr_el0, movi v0.2d, #0, isb. */
    private static final int[] INTERPRETED = {0xD4000001, 0xD53BD043, 0x6F00E400, 0xD5033FDF};

    @Test
    void randomProgramsRunTheSameTranslatedAndInterpreted() {
        long seed = Long.getLong("a64.seed", DEFAULT_SEED);
        Totals t = runAll(new SplittableRandom(seed), Shape.ANY, PROGRAMS, seed);
        // The comparison means something only if translated code ran a good part of the time.
        assertThat(t.translated).as("instructions retired in translated blocks, of %d", t.total)
                .isGreaterThan(t.total / 4);
    }

    /**
     * The same with programs that only branch to their own instructions (no returns, no branches
     * through registers), run longer: they loop, so their blocks join regions, which jump from
     * block to block inside one method (see {@link TranslatedBlock}).
     */
    @Test
    void randomLoopingProgramsRunTheSameInRegionsAndInterpreted() {
        long seed = Long.getLong("a64.seed", DEFAULT_SEED);
        Totals t = runAll(new SplittableRandom(seed ^ 0x5EED), Shape.LOOPS, PROGRAMS, seed);
        // about half the instructions run translated (48% to 55% on seeds 2, 4, 5 and 6): a
        // third leaves room for a seed's share and still fails when few blocks are translated
        assertThat(t.regions).as("regions written (seed %d)", seed).isGreaterThan(PROGRAMS / 4);
        assertThat(t.translated).as("instructions retired in translated code, of %d (seed %d)", t.total, seed)
                .isGreaterThan(t.total / 3);
    }

    /**
     * Looping programs whose main part calls functions ({@code bl}) that return ({@code ret}) to
     * the block after the call, x30 untouched in between: regions hold the calls, the functions
     * and, through the returns, the return sites.
     */
    @Test
    void randomProgramsWithCallsRunTheSameInRegionsAndInterpreted() {
        long seed = Long.getLong("a64.seed", DEFAULT_SEED);
        Totals t = runAll(new SplittableRandom(seed ^ 0xCA11), Shape.CALLS, PROGRAMS / 2, seed);
        assertThat(t.translated).as("instructions retired in translated code, of %d (seed %d)", t.total, seed)
                .isGreaterThan(t.total / 3);
        // a return that leaves its region comes back through the loop: one entry for 14 to 16 translated
        // instructions on seeds 2, 4, 5, 6 and the default, 9 to 10 when no return stays in its region
        assertThat(t.entries).as("entries into translated code for %d translated instructions (seed %d)",
                t.translated, seed).isLessThan(t.translated / 12);
    }

    /** What the translating interpreters of a set of random programs did, summed. */
    private record Totals(long translated, long total, long regions, long entries) {
    }

    /**
     * Runs {@code programs} random programs of {@code shape} from {@code random}, each translated
     * and interpreted, failing at the first difference (with the seed to re-run it).
     */
    private static Totals runAll(SplittableRandom random, Shape shape, int programs, long seed) {
        long translated = 0;
        long total = 0;
        long regions = 0;
        long entries = 0;
        for (int program = 0; program < programs; program++) {
            Pair pair = new Pair(random.split(), shape);
            String difference = pair.run();
            if (difference != null) {
                fail(String.format("%s program %d: %s%nre-run with -Da64.seed=%d", shape, program, difference, seed));
            }
            Interpreter translating = pair.translating.interpreter;
            assertThat(translating.translationFailures()).isZero();
            translated += translating.translatedInstructions();
            total += pair.translating.state.instructions();
            regions += translating.translations().regionsWritten();
            entries += translating.translatedEntries();
        }
        return new Totals(translated, total, regions, entries);
    }

    @Test
    void aHotLoopRunsTranslatedWithTheInterpretersResult() {
        // x0 = 0; x1 = 1000; loop: add x0, x0, x1; subs x1, x1, #1; b.ne loop; then brk
        int[] words = {0xD2800000, 0xD2807D01, 0x8B010000, 0xF1000421, 0x54FFFFC1, 0xD4200000};
        Engine plain = Engine.of(words, 0);
        Engine fast = Engine.of(words, Interpreter.DEFAULT_TRANSLATE_AFTER);
        assertThat(plain.interpreter.run(1_000_000)).isEqualTo(Exit.BREAKPOINT);
        assertThat(fast.interpreter.run(1_000_000)).isEqualTo(Exit.BREAKPOINT);
        assertThat(fast.state.x(0)).isEqualTo(plain.state.x(0)).isEqualTo(500_500L);
        assertThat(fast.state.instructions()).isEqualTo(plain.state.instructions()).isEqualTo(3_002L);
        assertThat(fast.interpreter.translatedBlocks()).isEqualTo(1);
        // the first 256 entries of the loop ran interpreted, the other 744 translated
        assertThat(fast.interpreter.translatedInstructions()).isEqualTo(3L * (1000 - 256 + 1) - 3);
        assertThat(plain.interpreter.translatedBlocks()).isZero();
    }

    @Test
    void aBudgetShorterThanTheBlockStopsInsideItExactly() {
        int[] words = {0xD2800000, 0xD2807D01, 0x8B010000, 0xF1000421, 0x54FFFFC1, 0xD4200000};
        Engine fast = Engine.of(words, 1);
        for (int i = 0; i < 3_001; i++) {
            assertThat(fast.interpreter.run(1)).isEqualTo(Exit.LIMIT);
        }
        assertThat(fast.state.instructions()).isEqualTo(3_001);
        assertThat(fast.interpreter.translatedInstructions()).isZero();
        assertThat(fast.interpreter.run(2)).isEqualTo(Exit.BREAKPOINT);
        assertThat(fast.state.x(0)).isEqualTo(500_500L);
    }

    @Test
    void aNegativeThresholdIsRefusedAndChangesNothing() {
        Engine engine = Engine.of(new int[] {0xD4200000}, 7);
        assertThat(engine.interpreter.translateAfter(-1)).isFalse();
        assertThat(engine.interpreter.translateAfter(0)).isTrue();
    }

    /** What random programs do: branch anywhere, loop among their own instructions, or loop and call functions. */
    private enum Shape { ANY, LOOPS, CALLS }

    /** One interpreter over its own memory and state. */
    private static final class Engine {
        final FlatMemory memory = new FlatMemory();
        final CpuState state = new CpuState();
        final Interpreter interpreter = new Interpreter(state, memory);
        /** Each data access's PC and the instruction count it saw, in order. */
        final List<Long> accesses = new ArrayList<>();

        Engine() {
            memory.observeAccesses(() -> {
                accesses.add(state.pc());
                accesses.add(state.retiredAtAccess());
            });
        }

        static Engine of(int[] words, int translateAfter) {
            Engine engine = new Engine();
            engine.memory.map(CODE, 4096, FlatMemory.R | FlatMemory.X);
            for (int i = 0; i < words.length; i++) {
                engine.memory.putWord(CODE + 4L * i, words[i]);
            }
            engine.state.setPc(CODE);
            engine.interpreter.translateAfter(translateAfter);
            return engine;
        }
    }

    /** The same random program and state in an interpreter that translates and one that does not. */
    private static final class Pair {
        private final SplittableRandom random;
        final Engine plain = new Engine();
        final Engine translating = new Engine();
        private final long codeStart;
        /** Whether the program branches only to its own instructions (and returns), and runs longer. */
        private final boolean loops;
        private final Shape shape;

        Pair(SplittableRandom random, Shape shape) {
            this.random = random;
            this.shape = shape;
            this.loops = shape != Shape.ANY;
            // now and then the program starts near the end of a page, so blocks meet the page's end
            codeStart = random.nextInt(4) == 0 ? CODE + 4096 - 4L * random.nextInt(1, 40) : CODE;
            int[] program = shape == Shape.CALLS ? callingProgram() : program();
            boolean writableCode = random.nextInt(5) == 0;
            // looping programs keep going through accesses anywhere: every miss maps a page, after a handler
            boolean demandZero = loops || random.nextInt(3) == 0;
            byte[] data = new byte[DATA_BYTES];
            random.nextBytes(data);
            long[] registers = new long[31];
            for (int i = 0; i < 31; i++) {
                registers[i] = switch (random.nextInt(loops ? 4 : 5)) {
                    case 0, 1, 2 -> DATA + random.nextInt(DATA_BYTES);
                    case 3 -> random.nextInt(-64, 64);
                    default -> random.nextLong();
                };
            }
            if (writableCode) {
                registers[random.nextInt(31)] = codeStart + 4L * random.nextInt(program.length);
            }
            int flags = random.nextInt(16) << 28;
            int changed = random.nextInt(31);
            for (Engine engine : new Engine[] {plain, translating}) {
                int rights = FlatMemory.R | FlatMemory.X | (writableCode ? FlatMemory.W : 0);
                engine.memory.map(CODE, 8192, rights);
                for (int i = 0; i < program.length; i++) {
                    engine.memory.putWord(codeStart + 4L * i, program[i]);
                }
                engine.memory.map(DATA, DATA_BYTES, FlatMemory.R | FlatMemory.W);
                engine.memory.put(DATA, data);
                if (demandZero) {
                    CpuState state = engine.state;
                    engine.memory.demandZero().onDemandZero(() -> state.setX(changed, state.x(changed) + 0x40));
                }
                for (int i = 0; i < 31; i++) {
                    engine.state.setX(i, registers[i]);
                }
                engine.state.setSp(DATA + DATA_BYTES / 2);
                engine.state.setNzcv(flags);
                engine.state.setPc(codeStart);
            }
            plain.interpreter.translateAfter(0);
            translating.interpreter.translateAfter(random.nextInt(1, 3));
        }

        /** Blocks of random translatable instructions, each ended by a random branch or not. */
        private int[] program() {
            int length = random.nextInt(8, 200);
            int[] words = new int[length];
            int i = 0;
            while (i < length) {
                int block = Math.min(random.nextInt(1, 24), length - i);
                for (int k = 0; k < block - 1; k++, i++) {
                    words[i] = random.nextInt(12) == 0 ? INTERPRETED[random.nextInt(INTERPRETED.length)]
                            : translatableWord(codeStart + 4L * i);
                }
                words[i] = random.nextInt(5) == 0 ? translatableWord(codeStart + 4L * i) : branch(i, length);
                i++;
            }
            return words;
        }

        private int translatableWord(long pc) {
            while (true) {
                int word = random.nextInt();
                Insn in = Decoder.decode(pc, word);
                if (BlockEmitter.translatable(in.op()) && !BlockTranslator.isBranch(in.op())
                        && (shape != Shape.CALLS || !names(in, 30))) {
                    return word;
                }
            }
        }

        private static boolean names(Insn in, int register) {
            return in.rd == register || in.rn == register || in.rm == register || in.ra == register;
        }

        /**
         * A main part of random blocks, each ended by a branch inside it, a call ({@code bl}) of a
         * function, or nothing, and closed by a branch back to its start; then one to three
         * functions of random blocks, each ended by a branch inside the function, a return, or
         * nothing, and closed by a return. No instruction names x30, so every return goes back
         * to the block after its call.
         */
        private int[] callingProgram() {
            int mainLength = random.nextInt(6, 30);
            int functions = random.nextInt(1, 4);
            int[] starts = new int[functions + 1];
            starts[0] = mainLength;
            for (int f = 1; f <= functions; f++) {
                starts[f] = starts[f - 1] + random.nextInt(3, 12);
            }
            int[] words = new int[starts[functions]];
            fill(words, 0, mainLength, starts);
            words[mainLength - 1] = 0x1400_0000 | ((1 - mainLength) & 0x3FF_FFFF); // b main
            for (int f = 0; f < functions; f++) {
                fill(words, starts[f], starts[f + 1], null);
                words[starts[f + 1] - 1] = 0xD65F_03C0; // ret
            }
            return words;
        }

        /** Random blocks in {@code [from, to)}; {@code functions} (their starts) for the main part, null in a function. */
        private void fill(int[] words, int from, int to, int[] functions) {
            int i = from;
            while (i < to) {
                int block = Math.min(random.nextInt(2, 8), to - i);
                for (int k = 0; k < block - 1; k++, i++) {
                    words[i] = translatableWord(codeStart + 4L * i);
                }
                int offset = from + random.nextInt(to - from) - i;
                words[i] = switch (random.nextInt(4)) {
                    case 0 -> translatableWord(codeStart + 4L * i);
                    case 1 -> 0x5400_0000 | ((offset & 0x7FFFF) << 5) | random.nextInt(16);
                    default -> functions != null
                            ? 0x9400_0000 | ((functions[random.nextInt(functions.length - 1)] - i) & 0x3FF_FFFF)
                            : 0xD65F_03C0;
                };
                i++;
            }
        }

        /** A branch at index {@code at} to an instruction of the program (or, through a register, anywhere). */
        private int branch(int at, int length) {
            int offset = random.nextInt(length) - at;
            int rt = random.nextInt(31);
            return switch (random.nextInt(loops ? 6 : 9)) {
                case 0 -> 0x1400_0000 | (offset & 0x3FF_FFFF);
                case 1 -> 0x9400_0000 | (offset & 0x3FF_FFFF);
                case 2, 3 -> 0x5400_0000 | ((offset & 0x7FFFF) << 5) | random.nextInt(16);
                case 4 -> (random.nextInt(2) << 31) | 0x3400_0000 | (random.nextInt(2) << 24) | ((offset & 0x7FFFF) << 5) | rt;
                case 5 -> {
                    int bit = random.nextInt(64);
                    yield ((bit >>> 5) << 31) | 0x3600_0000 | (random.nextInt(2) << 24) | ((bit & 31) << 19)
                            | ((offset & 0x3FFF) << 5) | rt;
                }
                case 6 -> 0xD65F_03C0; // ret
                case 7 -> 0xD61F_0000 | (rt << 5); // br
                default -> 0xD63F_0000 | (rt << 5); // blr
            };
        }

        /** Runs both in the same slices; the first difference, or null. */
        String run() {
            long total = 0;
            while (total < (loops ? 20_000 : 4_000)) {
                long budget = random.nextInt(1, 300);
                Exit a = plain.interpreter.run(budget);
                Exit b = translating.interpreter.run(budget);
                String difference = compare(a, b);
                if (difference != null) {
                    return difference;
                }
                total = plain.state.instructions();
                if (a != Exit.LIMIT && a != Exit.SVC) {
                    break;
                }
            }
            return plain.memory.sameContents(translating.memory) ? null : "memory differs at the end";
        }

        private String compare(Exit a, Exit b) {
            StringBuilder diff = new StringBuilder();
            CpuState p = plain.state;
            CpuState t = translating.state;
            if (a != b) {
                diff.append(String.format("exit %s / %s; ", a, b));
            }
            if (a == b && a != Exit.LIMIT && (plain.interpreter.exitAddress() != translating.interpreter.exitAddress()
                    || plain.interpreter.exitWord() != translating.interpreter.exitWord())) {
                diff.append(String.format("exit address %x / %x; ", plain.interpreter.exitAddress(),
                        translating.interpreter.exitAddress()));
            }
            if (p.pc() != t.pc() || p.instructions() != t.instructions()) {
                diff.append(String.format("pc %x / %x after %d / %d instructions; ", p.pc(), t.pc(), p.instructions(),
                        t.instructions()));
            }
            for (int i = 0; i < 31; i++) {
                if (p.x(i) != t.x(i)) {
                    diff.append(String.format("x%d %x / %x; ", i, p.x(i), t.x(i)));
                }
            }
            if (p.sp() != t.sp() || p.nzcv() != t.nzcv()) {
                diff.append(String.format("sp %x / %x, nzcv %x / %x; ", p.sp(), t.sp(), p.nzcv(), t.nzcv()));
            }
            if (plain.memory.loads() != translating.memory.loads() || plain.memory.stores() != translating.memory.stores()
                    || plain.memory.fetches() != translating.memory.fetches()) {
                diff.append(String.format("loads %d / %d, stores %d / %d, fetches %d / %d; ", plain.memory.loads(),
                        translating.memory.loads(), plain.memory.stores(), translating.memory.stores(),
                        plain.memory.fetches(), translating.memory.fetches()));
            }
            if (!plain.accesses.equals(translating.accesses)) {
                diff.append(String.format("accesses (pc, retired before) %s / %s; ", plain.accesses, translating.accesses));
            }
            if (p.retiredAtAccess() != -1 || t.retiredAtAccess() != -1) {
                diff.append(String.format("retiredAtAccess after the run %d / %d; ", p.retiredAtAccess(),
                        t.retiredAtAccess()));
            }
            return diff.length() == 0 ? null : diff.append("(interpreted / translated)").toString();
        }
    }
}
