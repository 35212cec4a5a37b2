package org.capbuddy.cli.common;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigInteger;
import java.util.List;
import org.capbuddy.aarch64.cpu.Registers;
import org.capbuddy.kernel.api.PagingWalk;
import org.capbuddy.sos.inspect.CallChain;
import org.capbuddy.sos.inspect.StopReport;
import org.junit.jupiter.api.Test;

/** The CLI's JSON writes machine words unsigned, whatever sign Java gives them. */
class MachineWordsTest {
    private static final ObjectMapper READER = new ObjectMapper();
    private static final long KERNEL_HALF = 0xffff_0000_0000_0000L;

    private static Registers registers(long x0, long pc) {
        long[] x = new long[31];
        x[0] = x0;
        x[1] = 7;
        long[] vector = new long[64];
        vector[1] = -1;
        return new Registers(x, -16, pc, 0x6000_0000 | Integer.MIN_VALUE, 0, vector, 0, 0, 42);
    }

    @Test
    void registersWithTheTopBitSetAreWrittenUnsigned() throws Exception {
        JsonNode r = READER.readTree(Json.write(registers(-1, 0x400194)));
        assertThat(r.at("/x/0").bigIntegerValue()).isEqualTo(new BigInteger("18446744073709551615"));
        assertThat(r.at("/x/1").asLong()).isEqualTo(7);
        assertThat(r.at("/x")).hasSize(31);
        assertThat(r.at("/sp").bigIntegerValue()).isEqualTo(new BigInteger("18446744073709551600"));
        assertThat(r.at("/pc").asLong()).isEqualTo(0x400194);
        assertThat(r.at("/nzcv").asLong()).isEqualTo(0xE000_0000L);
        assertThat(r.at("/vector")).hasSize(64);
        assertThat(r.at("/vector/1").bigIntegerValue()).isEqualTo(new BigInteger("18446744073709551615"));
        assertThat(r.at("/instructions").asLong()).isEqualTo(42);
    }

    @Test
    void aStopReportGivesItsPcAndEncodingUnsignedWithTheInstructionBesideThem() throws Exception {
        // b9016022: str w2, [x1, #352], a store with its top encoding bit set
        int word = 0xb9016022;
        PagingWalk walk = new PagingWalk(KERNEL_HALF, 2, List.of());
        CallChain calls = new CallChain(new CallChain.Frame(0x400194, "main+0x14", 1),
                new CallChain.Frame(0xffff_0000_0000_0010L, null, 1),
                List.of(new CallChain.Frame(0x400240, "libc_start_main_stage2+0x2c", 1)), "x29 is 0: the chain ends here");
        StopReport stop = new StopReport(0x400194, true, word, calls, registers(0, 0x400194), walk, List.of());
        String text = Json.line(stop);
        JsonNode s = READER.readTree(text);
        assertThat(s.at("/pc").asLong()).isEqualTo(0x400194);
        assertThat(s.at("/word").asLong()).isEqualTo(0xb9016022L);
        assertThat(s.at("/operation").asText()).isEqualTo(stop.operation());
        assertThat(s.at("/assembly").asText()).isEqualTo("str w2, [x1, #352]");
        assertThat(s.at("/walk/vaddr").bigIntegerValue()).isEqualTo(new BigInteger(Long.toUnsignedString(KERNEL_HALF)));
        assertThat(s.at("/calls/lr/address").bigIntegerValue()).as("a corrupted return address, unsigned")
                .isEqualTo(new BigInteger("18446462598732840976"));
        assertThat(s.at("/calls/returns/0/function").asText()).isEqualTo("libc_start_main_stage2+0x2c");
        assertThat(s.at("/calls/returns/0/times").asLong()).isEqualTo(1);
        assertThat(s.at("/calls/returns/0/where").isMissingNode()).as("text only").isTrue();
        assertThat(text).as("the instruction beside its encoding, then the calls that led there")
                .containsSubsequence("\"pc\"", "\"fetched\"", "\"word\"", "\"operation\"", "\"assembly\"", "\"calls\"",
                        "\"registers\"");
    }
}
