package org.capbuddy.aarch64.decode;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The families of instructions the interpreter lacks, named for a kill report: each word below
 * was assembled by GNU as 2.40 (-march=armv8.5-a+crypto+sve+crc+dotprod+rcpc), decodes as
 * undefined here, and is named; words the decoder executes, and undefined words of no family,
 * are not. The reciprocal estimates and steps and FCVTXN were such a family until they were
 * implemented: their words now decode, with objdump's text.
 */
class UnimplementedTest {
    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', value = {
        "b8e20023|ldaddal w2, w3, [x1]|LSE", "f8218062|swp x1, x2, [x3]|LSE", "b8204041|ldsmax w0, w1, [x2]|LSE",
        "88a07c41|cas w0, w1, [x2]|LSE", "c8e0fc41|casal x0, x1, [x2]|LSE", "48207c82|casp x0, x1, x2, x3, [x4]|LSE",
        "f8bfc020|ldapr x0, [x1]|LSE",
        "4e284820|aese v0.16b, v1.16b|Crypto", "5e024020|sha256h q0, q1, v2.4s|Crypto", "5e280820|sha1h s0, s1|Crypto",
        "0ee2e020|pmull v0.1q, v1.1d, v2.1d|Crypto",
        "4e829420|sdot v0.4s, v1.16b, v2.16b|dot product", "2fa2e020|udot v0.2s, v1.8b, v2.4b[1]|dot product",
        "9ac25c20|crc32cx w0, w1, x2|CRC32", "1ac24020|crc32b w0, w1, w2|CRC32",
        "04a20020|add z0.s, z1.s, z2.s|SVE",
    })
    void anUndefinedWordOfAKnownFamilyIsNamed(String hex, String assembly, String named) {
        int word = (int) Long.parseLong(hex, 16);
        assertThat(Decoder.decode(0x40_0000, word).op()).as(assembly).isEqualTo(Op.UNDEFINED);
        assertThat(Unimplemented.family(word)).as(assembly).contains(named);
    }

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', value = {
        "5ea1d820|frecpe s0, s1", "4ea1d820|frecpe v0.4s, v1.4s", "7ee1d820|frsqrte d0, d1",
        "6ee1d820|frsqrte v0.2d, v1.2d", "4e22fc20|frecps v0.4s, v1.4s, v2.4s", "5ea2fc20|frsqrts s0, s1, s2",
        "5ea1f820|frecpx s0, s1", "4ea1c820|urecpe v0.4s, v1.4s", "2ea1c820|ursqrte v0.2s, v1.2s",
        "7e616820|fcvtxn s0, d1", "6e616820|fcvtxn2 v0.4s, v1.2d", "5e62d020|sqdmull s0, h1, h2",
        "5fa1b820|sqdmull d0, s1, v1.s[3]",
    })
    void theEstimatesStepsAndFcvtxnOnceNamedNowDecode(String hex, String assembly) {
        int word = (int) Long.parseLong(hex, 16);
        assertThat(Decoder.decode(0x40_0000, word).op()).as(assembly).isNotEqualTo(Op.UNDEFINED);
        assertThat(Disassembler.text(0x40_0000, word)).isEqualTo(assembly);
    }

    @Test
    void otherWordsAreNotNamed() {
        assertThat(Unimplemented.family(0x0000_0000)).as("udf #0").isNull();
        assertThat(Unimplemented.family(0xFFFF_FFFF)).isNull();
        // executed ones the masks' neighbours: ldxr, ldar, stxp, fdiv, fsqrt
        for (int word : new int[] {0xC85F_7C21, 0xC8DF_FC20, 0xC820_0820, 0x1E22_1820, 0x1E21_C020}) {
            assertThat(Decoder.decode(0x40_0000, word).op()).isNotEqualTo(Op.UNDEFINED);
            assertThat(Unimplemented.family(word)).as("0x%08x", word).isNull();
        }
    }
}
