package org.capbuddy.aarch64.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import org.capbuddy.aarch64.testing.FlatMemory;
import org.junit.jupiter.api.Test;

/** Translated blocks reused across interpreters, by address and encodings, within a bounded cache. */
class TranslationCacheTest {
    private static final long CODE = 0x40_0000L;
    /** x0 = 0; x1 = 1000; loop: add x0, x0, x1; subs x1, x1, #1; b.ne loop; brk #0 */
    private static final int[] LOOP = {0xD2800000, 0xD2807D01, 0x8B010000, 0xF1000421, 0x54FFFFC1, 0xD4200000};
    /** The same with sub x0, x0, x1 in the loop: same address, other encodings. */
    private static final int[] OTHER_LOOP = {0xD2800000, 0xD2807D01, 0xCB010000, 0xF1000421, 0x54FFFFC1, 0xD4200000};

    private static Interpreter interpreter(int[] words, TranslationCache cache) {
        FlatMemory memory = new FlatMemory();
        memory.map(CODE, 4096, FlatMemory.R | FlatMemory.X);
        for (int i = 0; i < words.length; i++) {
            memory.putWord(CODE + 4L * i, words[i]);
        }
        CpuState state = new CpuState();
        state.setPc(CODE);
        Interpreter interpreter = new Interpreter(state, memory, cache);
        interpreter.translateAfter(1);
        return interpreter;
    }

    @Test
    void theSameCodeAtTheSameAddressIsTranslatedOnce() {
        TranslationCache cache = new TranslationCache();
        Interpreter first = interpreter(LOOP, cache);
        Interpreter second = interpreter(LOOP, cache);
        assertThat(first.run(10_000)).isEqualTo(Exit.BREAKPOINT);
        assertThat(second.run(10_000)).isEqualTo(Exit.BREAKPOINT);
        assertThat(second.state().x(0)).isEqualTo(first.state().x(0)).isEqualTo(500_500L);
        assertThat(cache.written()).isEqualTo(1);
        assertThat(cache.hits()).isEqualTo(1);
        assertThat(first.translatedBlocks()).isEqualTo(1);
        assertThat(second.translatedBlocks()).isEqualTo(1);
        assertThat(second.translatedInstructions()).isEqualTo(first.translatedInstructions()).isPositive();
    }

    @Test
    void otherCodeAtTheSameAddressGetsItsOwnBlock() {
        TranslationCache cache = new TranslationCache();
        interpreter(LOOP, cache).run(10_000);
        Interpreter other = interpreter(OTHER_LOOP, cache);
        assertThat(other.run(10_000)).isEqualTo(Exit.BREAKPOINT);
        assertThat(other.state().x(0)).isEqualTo(-500_500L);
        assertThat(cache.written()).isEqualTo(2);
        assertThat(cache.hits()).isZero();
        assertThat(cache.size()).isEqualTo(2);
    }

    @Test
    void theCacheKeepsAtMostItsCapacityAndTranslatesADroppedBlockAgain() {
        TranslationCache cache = new TranslationCache(1);
        interpreter(LOOP, cache).run(10_000);
        interpreter(OTHER_LOOP, cache).run(10_000);
        assertThat(cache.size()).isEqualTo(1);
        Interpreter again = interpreter(LOOP, cache);
        assertThat(again.run(10_000)).isEqualTo(Exit.BREAKPOINT);
        assertThat(again.state().x(0)).isEqualTo(500_500L);
        assertThat(cache.written()).isEqualTo(3);
        assertThat(new TranslationCache(0).capacity()).isEqualTo(1);
    }
}
