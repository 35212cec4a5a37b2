package org.capbuddy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class BootCommandTest {

    private record Run(int exitCode, String out, String err) {
    }

    private static Run run(String... args) {
        CommandLine cli = CapBuddyCommand.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void bootPrintsInitialCapsRegionsAndUntypeds() {
        Run r = run("boot");
        assertThat(r.exitCode()).isZero();
        assertThat(r.out()).contains("INIT_THREAD_CNODE", "empty", "[16, 19)", "0x0080000000", "1 GiB", "device");
    }

    @Test
    void bootJsonDescribesTheCapBuddyConfiguration() throws Exception {
        Run r = run("boot", "--ram", "64G", "--root-cnode-bits", "18", "--fan-out", "1024", "--json");
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
        Run r = run("boot", "--ram", "3X");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("'3X' is not a size");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void outOfRangeRootCNodeIsRejected() {
        Run r = run("boot", "--root-cnode-bits", "40");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("root CNode size must be 7..26 bits");
    }

    @Test
    void ramThatCannotHoldTheRootTaskIsRejected() {
        Run r = run("boot", "--ram", "4M", "--root-cnode-bits", "20");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("RAM too small");
    }

    @Test
    void unalignedOrHugeRamIsRejected() {
        assertThat(run("boot", "--ram", "4097").err()).contains("multiple of 4 KiB");
        assertThat(run("boot", "--ram", "2T").err()).contains("at most");
        assertThat(run("boot", "--ram", "99999999999999999999G").exitCode()).isEqualTo(2);
    }

    @Test
    void noCommandExplainsWhatToDo() {
        Run r = run();
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("Missing a command");
    }
}
