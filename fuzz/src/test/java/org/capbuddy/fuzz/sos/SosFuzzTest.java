package org.capbuddy.fuzz.sos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Seeded SOS fuzzing: processes making random and hostile syscalls and accesses, checked against
 * the reference model. Re-run one seed with -Dcapbuddy.seed=N, lengthen with
 * -Dcapbuddy.fuzz.ops=N.
 */
class SosFuzzTest {
    private static final long OPS = Long.getLong("capbuddy.fuzz.ops", 15_000);

    static LongStream seeds() {
        String fixed = System.getProperty("capbuddy.seed");
        return fixed != null ? LongStream.of(Long.parseLong(fixed)) : LongStream.rangeClosed(1, 10);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void randomSyscallsAndAccessesOfManyProcessesAgreeWithTheModel(long seed) {
        SosFuzzer fuzzer = new SosFuzzer(seed);
        assertThat(fuzzer.run(OPS, 500)).isNull();
        assertThat(fuzzer.drainAndCheck()).isNull();
        assertThat(fuzzer.operations()).isEqualTo(OPS);
        // The run went somewhere: processes came and went, and hostile accesses were punished.
        if (OPS >= 10_000) {
            assertThat(fuzzer.processesCreated()).as("processes created").isGreaterThan(20);
            assertThat(fuzzer.kills()).as("kills").isGreaterThan(10);
        }
    }
}
