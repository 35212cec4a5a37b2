package org.capbuddy.fuzz.libos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Seeded allocator fuzzing; re-run one seed with -Dcapbuddy.seed=N, lengthen with -Dcapbuddy.fuzz.ops=N. */
class LibosFuzzTest {
    private static final long OPS = Long.getLong("capbuddy.fuzz.ops", 10_000);
    /** Short epochs, so that each seed drains and checks the balance several times. */
    private static final long EPOCH = 1_000;

    static LongStream seeds() {
        String fixed = System.getProperty("capbuddy.seed");
        return fixed != null ? LongStream.of(Long.parseLong(fixed)) : LongStream.rangeClosed(1, 8);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void randomAndHostileAllocatorOperationsKeepEveryPromise(long seed) {
        LibosFuzzer fuzzer = new LibosFuzzer(seed, EPOCH);
        assertThat(fuzzer.run(OPS, 500)).as("seed %d", seed).isNull();
        assertThat(fuzzer.drainAndCheck()).as("seed %d", seed).isNull();
        assertThat(fuzzer.operations()).isEqualTo(OPS);
        assertThat(fuzzer.drains()).isEqualTo(OPS / EPOCH + 1);
    }
}
