package org.capbuddy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class DemoCommandTest {

    private static String[] run(String... args) {
        CliRun r = CliRun.of(args);
        return new String[] {String.valueOf(r.exitCode()), r.out(), r.err()};
    }

    @ParameterizedTest
    @ValueSource(strings = {"capbuddy", "allocman"})
    void demoJsonReportsAPassingPtTestAndNothingLeaked(String allocator) throws Exception {
        String[] r = run("demo", "--json", "--ram", "256M", "--allocator", allocator);
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        JsonNode json = new ObjectMapper().readTree(r[1]);
        assertThat(json.at("/ptTest/passed").asBoolean()).isTrue();
        assertThat(json.at("/ptTest/stackAddress").asLong()).isGreaterThan(0x80_0000_0000L);
        assertThat(json.at("/faults/handled").asLong()).isGreaterThanOrEqualTo(2 * 9 * 28);
        for (String what : new String[] {"frames", "slots", "untypedBytes", "mspaceBytes"}) {
            assertThat(json.at("/teardown/leaked/" + what).asLong()).as(what).isZero();
        }
        assertThat(json.at("/kernel/invocations").asLong()).isPositive();
    }

    @Test
    void badOptionsAreRefused() {
        assertThat(run("demo", "--allocator", "slab")[2]).contains("--allocator must be capbuddy or allocman");
        assertThat(run("demo", "--ram", "1M")[0]).isEqualTo("2");
    }
}
