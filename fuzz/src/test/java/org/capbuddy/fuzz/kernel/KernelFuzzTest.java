package org.capbuddy.fuzz.kernel;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import java.util.stream.LongStream;
import org.capbuddy.kernel.invariant.InvariantReport;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Seeded random invocation sequences, hostile arguments included. Re-run one seed with
 * {@code -Dcapbuddy.seed=N}; lengthen with {@code -Dcapbuddy.fuzz.ops=N}.
 */
class KernelFuzzTest {
    private static final int OPS = Integer.getInteger("capbuddy.fuzz.ops", 20_000);

    static LongStream seeds() {
        String fixed = System.getProperty("capbuddy.seed");
        return fixed != null ? LongStream.of(Long.parseLong(fixed)) : LongStream.rangeClosed(1, 24);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void randomInvocationsNeverThrowAndKeepInvariants(long seed) {
        KernelFuzzer fuzzer = new KernelFuzzer(seed);
        InvariantReport report;
        try {
            report = fuzzer.run(OPS, 97);
        } catch (Throwable t) {
            throw new AssertionError("seed " + seed + " threw after " + fuzzer.operations()
                    + " operations (re-run with -Dcapbuddy.seed=" + seed + ")", t);
        }
        if (!report.ok()) {
            fail("seed " + seed + " broke invariants after " + fuzzer.operations() + " operations: " + report
                    + " (re-run with -Dcapbuddy.seed=" + seed + ")");
        }
        assertThat(fuzzer.kernel().costs().totalInvocations()).isGreaterThan(OPS / 4);
    }
}
