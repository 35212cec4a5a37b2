package org.capbuddy.fuzz.sos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.stream.LongStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The SOS fuzzer with forks: processes fork (sharing their pages copy-on-write) among the random
 * and hostile calls and accesses, each child's model a copy of its parent's, and a third of the
 * mmaps are MAP_SHARED, one object's pages for every process mapping them; the deep check reads
 * back every process and holds every share count to the pages mapping its frame, and every shared
 * object's frames to the pages its sharers touched. Seeds that do not
 * page: on the pool and on plain allocman (3, 7), a tight frame table among them (4, 9: copies then
 * run out of frames). Re-run one seed with -Dcapbuddy.seed=N, lengthen with -Dcapbuddy.fuzz.ops=N.
 */
class SosForkFuzzTest {
    private static final long OPS = Long.getLong("capbuddy.fuzz.ops", 15_000);

    static LongStream seeds() {
        String fixed = System.getProperty("capbuddy.seed");
        return fixed != null ? LongStream.of(Long.parseLong(fixed)) : LongStream.of(1, 3, 4, 7, 9);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void forkingProcessesAgreeWithTheModel(long seed) {
        SosFuzzer fuzzer = new SosFuzzer(seed, true);
        assertThat(fuzzer.paging()).as(fuzzer.configuration()).isFalse();
        assertThat(fuzzer.run(OPS, 250)).isNull();
        assertThat(fuzzer.drainAndCheck()).isNull();
        System.out.printf("fork fuzz seed %d (%s): %d forks, %d copy-on-write copies, %d reuses, %d kills;"
                + " %d MAP_SHARED mmaps, %d reads of another process's stores to them%n", seed, fuzzer.configuration(),
                fuzzer.forks(), fuzzer.cowCopies(), fuzzer.cowReuses(), fuzzer.kills(), fuzzer.sharedMmaps(),
                fuzzer.sharedReadsOfOthersStores());
        if (OPS >= 10_000) {
            assertThat(fuzzer.forks()).as("forks").isGreaterThan(20);
            assertThat(fuzzer.cowCopies()).as("copy-on-write copies").isGreaterThan(20);
            assertThat(fuzzer.sharedMmaps()).as("MAP_SHARED mmaps").isGreaterThan(50);
            assertThat(fuzzer.sharedReadsOfOthersStores()).as("reads of another process's stores").isGreaterThan(50);
        }
    }
}
