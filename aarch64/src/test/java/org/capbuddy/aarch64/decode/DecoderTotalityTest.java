package org.capbuddy.aarch64.decode;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.capbuddy.aarch64.cpu.Exit;
import org.capbuddy.aarch64.testing.Asm;
import org.capbuddy.aarch64.testing.FlatMemory;
import org.capbuddy.aarch64.testing.Run;
import org.junit.jupiter.api.Test;

/**
 * The decoder is total and the interpreter never throws: every instruction the unit tests use
 * decodes to a defined operation, and arbitrary 32-bit words (seeded; re-run one with
 * {@code -Da64.seed=N}) decode and execute without an exception, whatever the registers hold.
 */
class DecoderTotalityTest {
    private static final long DEFAULT_SEED = 0x5EED_A64L;
    private static final int WORDS = 200_000;

    @Test
    void everyUnitTestInstructionIsDefined() {
        List<String> undefined = new ArrayList<>();
        for (Map.Entry<String, Integer> e : Asm.all().entrySet()) {
            if (Decoder.decode(0x40_0000, e.getValue()).op() == Op.UNDEFINED) {
                undefined.add(e.getKey());
            }
        }
        assertThat(undefined).isEmpty();
    }

    @Test
    void randomWordsDecodeAndExecuteWithoutThrowing() {
        long seed = Long.getLong("a64.seed", DEFAULT_SEED);
        SplittableRandom random = new SplittableRandom(seed);
        int executed = 0;
        int defined = 0;
        for (int i = 0; i < WORDS; i++) {
            int word = random.nextInt();
            try {
                Insn insn = Decoder.decode(0x40_0000, word);
                if (insn.op() != Op.UNDEFINED) {
                    defined++;
                }
                if (i % 20 == 0) {
                    Run run = Run.ofWords(word);
                    for (int r = 0; r < 31; r++) {
                        run.x(r, randomRegister(random));
                        run.v(r, random.nextLong(), random.nextLong());
                    }
                    run.nzcv(random.nextInt(16));
                    Exit exit = run.step();
                    assertThat(exit).isNotNull();
                    executed++;
                }
            } catch (RuntimeException | AssertionError e) {
                throw new AssertionError(String.format("word %08x (iteration %d) failed; re-run with -Da64.seed=%d",
                        word, i, seed), e);
            }
        }
        assertThat(executed).isEqualTo(WORDS / 20);
        assertThat(defined).isGreaterThan(WORDS / 10);
    }

    /** Register values that often hit the mapped pages, so loads and stores execute, not just abort. */
    private static long randomRegister(SplittableRandom random) {
        return switch (random.nextInt(4)) {
            case 0 -> Run.DATA + random.nextInt(8192);
            case 1 -> random.nextInt(64) - 32;
            default -> random.nextLong();
        };
    }

    @Test
    void executionFromUnmappedOrNonExecutableMemoryIsAPrefetchAbort() {
        Run run = Run.ofWords(Asm.word("nop"));
        run.memory.protect(Run.CODE, 4096, FlatMemory.R);
        assertThat(run.step()).isEqualTo(Exit.PREFETCH_ABORT);
        assertThat(run.interpreter.exitAddress()).isEqualTo(Run.CODE);
    }
}
