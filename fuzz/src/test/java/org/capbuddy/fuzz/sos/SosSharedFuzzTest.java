package org.capbuddy.fuzz.sos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The fork fuzzer's MAP_SHARED memory is really made and really shared: on seeds besides
 * {@link SosForkFuzzTest}'s (13 on the pool, 15 on plain allocman, 19 with a 160-frame table whose
 * faults run out of memory), it makes shared mappings and its checked reads find shared pages last
 * stored to by another process (a parent, a child or a cousin), every read and deep check agreeing
 * with the model. Without forks no mapping is shared. Re-run one seed with -Dcapbuddy.seed=N.
 */
class SosSharedFuzzTest {
    private static final long OPS = 6_000;

    static LongStream seeds() {
        String fixed = System.getProperty("capbuddy.seed");
        return fixed != null ? LongStream.of(Long.parseLong(fixed)) : LongStream.of(13, 15, 19);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void sharedMappingsAreMadeAndSeenAcrossProcesses(long seed) {
        SosFuzzer fuzzer = new SosFuzzer(seed, true);
        assertThat(fuzzer.paging()).as(fuzzer.configuration()).isFalse();
        assertThat(fuzzer.run(OPS, 100)).isNull();
        assertThat(fuzzer.drainAndCheck()).isNull();
        System.out.printf("shared fuzz seed %d (%s): %d forks, %d MAP_SHARED mmaps, %d reads of another process's"
                + " stores to them, %d deep checks%n", seed, fuzzer.configuration(), fuzzer.forks(),
                fuzzer.sharedMmaps(), fuzzer.sharedReadsOfOthersStores(), fuzzer.deepChecks());
        assertThat(fuzzer.forks()).as("forks").isGreaterThan(10);
        assertThat(fuzzer.sharedMmaps()).as("MAP_SHARED mmaps").isGreaterThan(20);
        assertThat(fuzzer.sharedReadsOfOthersStores()).as("reads of another process's stores").isGreaterThan(10);
    }

    @Test
    void withoutForksNoMappingIsShared() {
        SosFuzzer fuzzer = new SosFuzzer(13);
        assertThat(fuzzer.run(2_000, 250)).isNull();
        assertThat(fuzzer.drainAndCheck()).isNull();
        assertThat(fuzzer.sharedMmaps()).isZero();
        assertThat(fuzzer.sharedReadsOfOthersStores()).isZero();
    }
}
