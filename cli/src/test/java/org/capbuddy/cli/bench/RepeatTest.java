package org.capbuddy.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;
import org.capbuddy.cli.CliRun;
import org.junit.jupiter.api.Test;

/** {@code bench --repeat N}: wall-time statistics over fresh machines, whose exact counts must agree. */
class RepeatTest {
    private static AllocatorRun run(long invocations, double millis, Map<String, Double> extra) {
        return new AllocatorRun("capbuddy", invocations, Map.of("UNTYPED_RETYPE", invocations), 3, 4096, 1.5, 64, millis,
                10, 5, WorkUnit.ITERATION, true, StopReason.LIMIT, List.of(), List.of(), extra);
    }

    @Test
    void theStatisticsAreThoseOfTheSample() {
        WallTime w = WallTime.of(List.of(4.0, 1.0, 3.0, 2.0));
        assertThat(w.repeats()).isEqualTo(4);
        assertThat(w.min()).isEqualTo(1.0);
        assertThat(w.median()).isEqualTo(2.5);
        assertThat(w.max()).isEqualTo(4.0);
        assertThat(w.stdDev()).isCloseTo(Math.sqrt(5.0 / 3), within(1e-12));
        WallTime one = WallTime.of(List.of(7.0));
        assertThat(one.median()).isEqualTo(7.0);
        assertThat(one.stdDev()).isZero();
        assertThat(WallTime.of(List.of(5.0, 1.0, 3.0)).median()).isEqualTo(3.0);
    }

    @Test
    void repeatsMustAgreeOnEveryExactFigureButMayDifferInHostOnes() {
        AllocatorRun a = run(100, 12.0, Map.of("usableFraction", 0.9, "hostResidentBytes", 1e9));
        assertThat(RepeatCheck.difference(a, run(100, 30.0, Map.of("usableFraction", 0.9, "hostResidentBytes", 2e9))))
                .as("wall time and resident set are the host's").isNull();
        assertThat(RepeatCheck.difference(a, run(101, 12.0, Map.of("usableFraction", 0.9, "hostResidentBytes", 1e9))))
                .isEqualTo("kernelInvocations (100 then 101)");
        assertThat(RepeatCheck.difference(a, run(100, 12.0, Map.of("usableFraction", 0.8, "hostResidentBytes", 1e9))))
                .isEqualTo("usableFraction (0.9 then 0.8)");
        assertThat(RepeatCheck.difference(a, run(100, 12.0, Map.of("usableFraction", 0.9, "hostResidentBytes", 1e9,
                "poolTrees", 3.0)))).as("a figure only the repeat has").isEqualTo("poolTrees (null then 3.0)");
        assertThat(a.withWallMillis(3.5).wallMillis()).isEqualTo(3.5);
        assertThat(RepeatCheck.difference(a, a.withWallMillis(3.5))).isNull();
    }

    @Test
    void repeatsMustAgreeOnTheFootprintsSamplesByValue() {
        List<long[]> samples = List.of(new long[] {4, 46, 4096}, new long[] {8, 310, 8192});
        AllocatorRun a = new AllocatorRun("capbuddy", 1, Map.of(), 0, 0, 0, 0, 1.0, 10, 8, WorkUnit.ITERATION, true,
                StopReason.LIMIT, samples, List.of(), Map.of());
        AllocatorRun same = new AllocatorRun("capbuddy", 1, Map.of(), 0, 0, 0, 0, 2.0, 10, 8, WorkUnit.ITERATION, true,
                StopReason.LIMIT, List.of(new long[] {4, 46, 4096}, new long[] {8, 310, 8192}), List.of(), Map.of());
        AllocatorRun other = new AllocatorRun("capbuddy", 1, Map.of(), 0, 0, 0, 0, 1.0, 10, 8, WorkUnit.ITERATION, true,
                StopReason.LIMIT, List.of(new long[] {4, 46, 4096}, new long[] {8, 311, 8192}), List.of(), Map.of());
        assertThat(RepeatCheck.difference(a, same)).as("equal samples in other arrays").isNull();
        assertThat(RepeatCheck.difference(a, other)).isEqualTo("footprint (sample 1: [8, 310, 8192] then [8, 311, 8192])");
    }

    @Test
    void aRepeatedBenchReportsTheSpreadAndTheSameCountsAsOneRun() throws Exception {
        CliRun once = CliRun.of("bench", "mcmc", "--json", "--iterations", "300", "--ram", "256M");
        CliRun thrice = CliRun.of("bench", "mcmc", "--json", "--iterations", "300", "--ram", "256M", "--repeat", "3");
        assertThat(thrice.exitCode()).as(thrice.err()).isZero();
        JsonNode a = new ObjectMapper().readTree(once.out());
        JsonNode b = new ObjectMapper().readTree(thrice.out());
        assertThat(b.at("/spec/repeat").asInt()).isEqualTo(3);
        assertThat(a.at("/spec/repeat").asInt()).isEqualTo(1);
        for (String allocator : List.of("capbuddy", "allocman")) {
            JsonNode w = b.at("/wallTime/" + allocator);
            assertThat(w.get("repeats").asInt()).isEqualTo(3);
            assertThat(w.get("min").asDouble()).isLessThanOrEqualTo(w.get("median").asDouble());
            assertThat(w.get("median").asDouble()).isLessThanOrEqualTo(w.get("max").asDouble());
            assertThat(w.get("stdDev").asDouble()).isGreaterThanOrEqualTo(0);
        }
        for (int i = 0; i < 2; i++) {
            assertThat(b.at("/runs/" + i + "/kernelInvocations")).isEqualTo(a.at("/runs/" + i + "/kernelInvocations"));
            assertThat(b.at("/runs/" + i + "/modelledCycles")).isEqualTo(a.at("/runs/" + i + "/modelledCycles"));
            assertThat(b.at("/runs/" + i + "/wallMillis").asDouble()).isEqualTo(b.at("/wallTime/"
                    + b.at("/runs/" + i + "/allocator").asText() + "/median").asDouble());
        }
        CliRun text = CliRun.of("bench", "single", "--iterations", "64", "--ram", "128M", "--repeat", "2");
        assertThat(text.out()).contains("wall time over the repeats (ms; the counts agreed in every one)",
                "allocator  repeats");
        assertThat(CliRun.of("bench", "mcmc", "--repeat", "0").err()).contains("--repeat must be 1..1000, got 0");
    }
}
