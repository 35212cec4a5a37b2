package org.capbuddy.fuzz.sos;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * Seeds that found bugs in SOS, each run a little past the operation that first failed. They
 * follow the fuzzer's random choices: if those change, find the seeds again by reverting a fix
 * and running {@link SosFuzzTest}'s seeds. SosTest pins each bug down directly as well.
 */
class SosFuzzRegressionTest {

    @ParameterizedTest(name = "seed {0}: {2}")
    @CsvSource(delimiter = '|', value = {
        "5   | 1000 | munmap(addr, ~2^63) overflowed and threw (op 53); write(~2^63, n) wrapped past the region check, and the copy's fault killed (op 305)",
        "292 | 1000 | brk(~2^63) overflowed into a shrink that unmapped code and data (op 45)",
        "10  | 1000 | brk(stack base) let the heap cover the stack's guard page (op 804)",
        "7   | 2500 | a zero-length write was refused or accepted depending on the buffer (op 2191)",
    })
    void seedsThatFoundBugsPass(long seed, long ops, String found) {
        SosFuzzer fuzzer = new SosFuzzer(seed);
        assertThat(fuzzer.run(ops, 100)).as(found).isNull();
        assertThat(fuzzer.drainAndCheck()).isNull();
    }
}
