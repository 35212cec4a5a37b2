package org.capbuddy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class BootCommandTest {

    @Test
    void bootPrintsInitialCapsRegionsAndUntypeds() {
        CliRun r = CliRun.of("boot");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("INIT_THREAD_CNODE", "empty", "[16, 19)", "0x0080000000", "1 GiB", "device");
    }

    @Test
    void bootJsonDescribesTheCapBuddyConfiguration() throws Exception {
        CliRun r = CliRun.of("boot", "--ram", "64G", "--root-cnode-bits", "18", "--fan-out", "1024", "--json");
        assertThat(r.exitCode()).isZero();
        JsonNode json = new ObjectMapper().readTree(r.out());
        assertThat(json.get("ramBytes").asLong()).isEqualTo(64L << 30);
        assertThat(json.get("slotRegions").get("empty").get(1).asLong()).isEqualTo(1L << 18);
        assertThat(json.get("ramUntypedBytes").asLong()).isGreaterThan(63L << 30);
        JsonNode first = json.get("untypeds").get(0);
        assertThat(first.has("paddr")).isTrue();
        assertThat(first.has("sizeBits")).isTrue();
        assertThat(first.has("device")).isTrue();
    }

    @Test
    void badSizeIsRejectedWithAMessage() {
        CliRun r = CliRun.of("boot", "--ram", "3X");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("'3X' is not a size");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void outOfRangeRootCNodeIsRejected() {
        CliRun r = CliRun.of("boot", "--root-cnode-bits", "40");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--root-cnode-bits must be 7..26, got 40");
    }

    @Test
    void ramThatCannotHoldTheRootTaskIsRejected() {
        CliRun r = CliRun.of("boot", "--ram", "4M", "--root-cnode-bits", "20");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("RAM too small");
    }

    @Test
    void unalignedOrHugeRamIsRejected() {
        assertThat(CliRun.of("boot", "--ram", "4097").err()).contains("multiple of 4 KiB");
        assertThat(CliRun.of("boot", "--ram", "2T").err()).contains("at most");
        assertThat(CliRun.of("boot", "--ram", "99999999999999999999G").exitCode()).isEqualTo(2);
    }

    @Test
    void noCommandExplainsWhatToDo() {
        CliRun r = CliRun.of();
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("Missing a command");
    }
}
