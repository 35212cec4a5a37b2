package org.capbuddy.aarch64.decode;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@link Disassembler} says what GNU objdump says. CI has no objdump, so its text is committed:
 * {@code objdump-fixture.txt} beside this class holds one line per instruction, {@code pc word
 * text} (hex pc, 8-hex word, normalised text), from {@code aarch64-linux-gnu-objdump -d} of every
 * program in {@code programs/bin}: each word once, where it first appears, and PC-relative words
 * (whose text depends on pc) at most 25 per mnemonic. The text is objdump's mnemonic and operands
 * with the {@code //} and {@code <symbol>} comments dropped, runs of blanks made one, and targets
 * written as {@code 0x} and hex. Regenerate it from the repository root with binutils for AArch64
 * installed (Debian: {@code binutils-aarch64-linux-gnu}; the committed one is from 2.40):
 *
 * <pre>{@code
 * {
 *   echo "# $(aarch64-linux-gnu-objdump --version | head -n 1), -d of programs/bin/*.elf: pc word text (see DisassemblerTest)"
 *   for f in programs/bin/*.elf; do aarch64-linux-gnu-objdump -d "$f"; done | LC_ALL=C awk -F '\t' '
 *     $1 ~ /^ *[0-9a-f]+:$/ && $2 ~ /^[0-9a-f]+ $/ {
 *       pc = $1; gsub(/[ :]/, "", pc); word = $2; sub(/ $/, "", word); mn = $3; ops = NF > 3 ? $4 : ""
 *       sub(/ *\/\/.*$/, "", ops); sub(/ *<[^>]*> *$/, "", ops); gsub(/ +/, " ", ops); sub(/ $/, "", ops)
 *       rel = mn ~ /^(b|bl|b\..*|cbn?z|tbn?z|adrp?)$/ || (mn ~ /^(ldr|ldrsw|prfm)$/ && ops !~ /\[/)
 *       if (rel) { t = ops; sub(/.* /, "", t); sub(/^0+/, "", t); sub(/[0-9a-f]+$/, "0x" t, ops) }
 *       if (seen[word]++ == 0 && (!rel || kept[mn]++ < 25)) print pc, word, (ops == "" ? mn : mn " " ops)
 *     }' | LC_ALL=C sort -k2,2 -k1,1
 * } > aarch64/src/test/resources/org/capbuddy/aarch64/decode/objdump-fixture.txt
 * }</pre>
 *
 * <p>The programs use about 140 mnemonics; {@link #objdumpTextOfFormsTheProgramsDoNotUse}
 * covers the other forms and aliases the decoder accepts. The random-word test takes its seed from
 * {@code -Da64.seed=N} (as {@link DecoderTotalityTest} does) and prints it when it fails.
 */
class DisassemblerTest {
    private static final long DEFAULT_SEED = 0xD15A_55E3L;
    private static final int WORDS = 300_000;
    /** The fixture has 11,686 instructions, all of them decodable; fewer means it was not read. */
    private static final int MIN_FIXTURE_COMPARED = 11_000;

    @Test
    void objdumpFixtureMatches() throws IOException {
        List<String> lines = new ArrayList<>();
        try (InputStream in = DisassemblerTest.class.getResourceAsStream("objdump-fixture.txt")) {
            assertThat(in).as("objdump-fixture.txt on the test class path").isNotNull();
            BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8));
            for (String line = reader.readLine(); line != null; line = reader.readLine()) {
                lines.add(line);
            }
        }
        Comparison result = compare(lines);
        assertThat(result.compared).as("fixture lines compared").isGreaterThanOrEqualTo(MIN_FIXTURE_COMPARED);
        result.assertNoMismatches();
    }

    /**
     * Words picked for the forms and aliases the programs do not use, one or more each, with
     * objdump 2.40's text (assembled by gas, linked at 0x400000, disassembled and normalised as the
     * fixture is). The last three are words the architecture leaves unallocated or unpredictable
     * (an unprivileged SIMD&amp;FP load and an unprivileged prefetch, which the decoder refuses too,
     * and LDPSW with Rt == Rt2, which it accepts), where objdump prints its undefined form.
     */
    @Test
    void objdumpTextOfFormsTheProgramsDoNotUse() {
        String cases = """
            400000 9b02fc20 mneg x0, x1, x2
            400004 6b0403e3 negs w3, w4
            400008 eb041fe3 negs x3, x4, lsl #7
            40000c da0603e5 ngc x5, x6
            400010 7a0603e5 ngcs w5, w6
            400014 da88a107 cinv x7, x8, lt
            400018 5a8ab549 cneg w9, w10, ge
            40001c da9f73eb csetm x11, vs
            400020 9a82e420 csinc x0, x1, x2, al
            400024 b37d0fec bfc x12, #3, #4
            400028 330103ec bfc w12, #31, #1
            40002c 934529cd sbfx x13, x14, #5, #6
            400030 93401dcd sxtb x13, w14
            400034 53001e0f uxtb w15, w16
            400038 53003e0f uxth w15, w16
            40003c d3401e0f ubfx x15, x16, #0, #8
            400040 93403e51 sxth x17, w18
            400044 93407e51 sxtw x17, w18
            400048 53010293 lsl w19, w20, #31
            40004c d37ffa93 lsl x19, x20, #1
            400050 131f7c41 asr w1, w2, #31
            400054 93d636d5 ror x21, x22, #13
            400058 13977ed5 extr w21, w22, w23, #31
            40005c b200f3e0 mov x0, #0x5555555555555555
            400060 b2703fe0 orr x0, xzr, #0xffff0000
            400064 12a00021 mov w1, #0xfffeffff
            400068 129fffe1 movn w1, #0xffff
            40006c d2c00002 movz x2, #0x0, lsl #32
            400070 d2c24682 mov x2, #0x123400000000
            400074 72b7dde3 movk w3, #0xbeef, lsl #16
            400078 9100009f mov sp, x4
            40007c 1100009f mov wsp, w4
            400080 910000a4 add x4, x5, #0x0
            400084 914007e0 add x0, sp, #0x1, lsl #12
            400088 f10043ff cmp sp, #0x10
            40008c 314004bf cmn w5, #0x1, lsl #12
            400090 720104df tst w6, #0x80000001
            400094 eac724df tst x6, x7, ror #9
            400098 aaa90fe8 mvn x8, x9, asr #3
            40009c aa010be0 orr x0, xzr, x1, lsl #2
            4000a0 8a420020 and x0, x1, x2, lsr #0
            4000a4 4a220020 eon w0, w1, w2
            4000a8 ea22003f bics xzr, x1, x2
            4000ac 8b214be0 add x0, sp, w1, uxtw #2
            4000b0 8b22603f add sp, x1, x2
            4000b4 0b2143e0 add w0, wsp, w1
            4000b8 8b228020 add x0, x1, w2, sxtb
            4000bc ab216fe0 adds x0, sp, x1, lsl #3
            4000c0 eb2163ff cmp sp, x1
            4000c4 2b23305f cmn w2, w3, uxth #4
            4000c8 cb21e7ff sub sp, sp, x1, sxtx #1
            4000cc 9b22fc20 smnegl x0, w1, w2
            4000d0 9ba2fc20 umnegl x0, w1, w2
            4000d4 9b220c20 smaddl x0, w1, w2, x3
            4000d8 9b467ca4 smulh x4, x5, x6
            4000dc dac00820 rev32 x0, x1
            4000e0 dac00c20 rev x0, x1
            4000e4 5ac00820 rev w0, w1
            4000e8 5ac00420 rev16 w0, w1
            4000ec dac01462 cls x2, x3
            4000f0 9ac22020 lsl x0, x1, x2
            4000f4 1ac22c20 ror w0, w1, w2
            4000f8 d65f0020 ret x1
            400100 d61f0220 br x17
            400108 d50320df hint #0x6
            40010c d503245f bti c
            400110 d503233f paciasp
            400114 d50323bf autiasp
            400118 d5033f9f dsb sy
            40011c d5033b9f dsb ish
            400120 d50339bf dmb ishld
            400124 d50330bf dmb #0x00
            400128 d5033fdf isb
            40012c d5033f5f clrex
            400130 d503309f ssbb
            400134 d503203f yield
            400138 d50b7521 ic ivau, x1
            40013c d50b7e22 dc civac, x2
            400140 d50b7b23 dc cvau, x3
            400144 d53b4200 mrs x0, nzcv
            400148 d51b4401 msr fpcr, x1
            40014c d53be042 mrs x2, cntvct_el0
            400150 d53b0023 mrs x3, ctr_el0
            400154 d53bd064 mrs x4, tpidrro_el0
            400160 68c10440 ldpsw x0, x1, [x2], #8
            400164 29ff8440 ldp w0, w1, [x2, #-4]!
            400168 ac010440 stnp q0, q1, [x2, #32]
            40016c 6c4007e0 ldnp d0, d1, [sp]
            400170 f89f8000 prfum pldl1keep, [x0, #-8]
            400174 f8a17813 prfm pstl2strm, [x0, x1, lsl #3]
            400178 f8408820 ldtr x0, [x1, #8]
            40017c 38000820 sttrb w0, [x1]
            400180 b89fc820 ldtrsw x0, [x1, #-4]
            400184 88dffc20 ldar w0, [x1]
            400188 089fffe2 stlrb w2, [sp]
            40018c c8208861 stlxp w0, x1, x2, [x3]
            400190 887f8460 ldaxp w0, w1, [x3]
            400194 08047cc5 stxrb w4, w5, [x6]
            400198 485f7cc4 ldxrh w4, [x6]
            40019c 3ce27820 ldr q0, [x1, x2, lsl #4]
            4001a0 38627820 ldrb w0, [x1, x2, lsl #0]
            4001a4 38626820 ldrb w0, [x1, x2]
            4001a8 78a2d820 ldrsh x0, [x1, w2, sxtw #1]
            4001ac fc224820 str d0, [x1, w2, uxtw]
            4001b0 38dffc20 ldrsb w0, [x1, #-1]!
            4001b4 3c9e0fe3 str q3, [sp, #-32]!
            4001b8 bc404441 ldr s1, [x2], #4
            4001bc 3cdf0020 ldur q0, [x1, #-16]
            4001c0 791ffc20 strh w0, [x1, #4094]
            4001c4 4ea11c20 mov v0.16b, v1.16b
            4001c8 0ea21c20 orr v0.8b, v1.8b, v2.8b
            4001cc 6e205820 mvn v0.16b, v1.16b
            4001d0 2e605820 rbit v0.8b, v1.8b
            4001d4 6e621c20 bsl v0.16b, v1.16b, v2.16b
            4001d8 0e1f3c20 umov w0, v1.b[15]
            4001dc 0e1c3c20 mov w0, v1.s[3]
            4001e0 4e183c20 mov x0, v1.d[1]
            4001e4 4e1e2c20 smov x0, v1.h[7]
            4001e8 0e072c20 smov w0, v1.b[3]
            4001ec 4e0c1c20 mov v0.s[1], w1
            4001f0 4e181c20 mov v0.d[1], x1
            4001f4 6e0a5420 mov v0.h[2], v1.h[5]
            4001f8 4e1c0420 dup v0.4s, v1.s[3]
            4001fc 4e080c20 dup v0.2d, x1
            400200 0e010c20 dup v0.8b, w1
            400204 6e027820 ext v0.16b, v1.16b, v2.16b, #15
            400208 4e823820 zip1 v0.4s, v1.4s, v2.4s
            40020c 4e425820 uzp2 v0.8h, v1.8h, v2.8h
            400210 4ec22820 trn1 v0.2d, v1.2d, v2.2d
            400214 4ea09820 cmeq v0.4s, v1.4s, #0
            400218 0e20a820 cmlt v0.8b, v1.8b, #0
            40021c 6ee23c20 cmhs v0.2d, v1.2d, v2.2d
            400220 4e228c20 cmtst v0.16b, v1.16b, v2.16b
            400224 4ee2bc20 addp v0.2d, v1.2d, v2.2d
            400228 2e62a420 umaxp v0.4h, v1.4h, v2.4h
            40022c 0ea2ac20 sminp v0.2s, v1.2s, v2.2s
            400230 4e629c20 mul v0.8h, v1.8h, v2.8h
            400234 6ee0b820 neg v0.2d, v1.2d
            400238 4ea0b820 abs v0.4s, v1.4s
            40023c 0e205820 cnt v0.8b, v1.8b
            400240 4ea00820 rev64 v0.4s, v1.4s
            400244 6e600820 rev32 v0.8h, v1.8h
            400248 4e201820 rev16 v0.16b, v1.16b
            40024c 4e31b820 addv b0, v1.16b
            400250 6e703820 uaddlv s0, v1.8h
            400254 4eb03820 saddlv d0, v1.4s
            400258 2e70a820 umaxv h0, v1.4h
            40025c 4eb1a820 sminv s0, v1.4s
            400260 2f05e540 movi d0, #0xff00ff00ff00ff00
            400264 6f07e7e0 movi v0.2d, #0xffffffffffffffff
            400268 4f00a640 movi v0.8h, #0x12, lsl #8
            40026c 6f00d640 mvni v0.4s, #0x12, msl #16
            400270 0f01c680 movi v0.2s, #0x34, msl #8
            400274 6f0777e0 bic v0.4s, #0xff, lsl #24
            400278 0f009420 orr v0.4h, #0x1
            40027c 4f07f600 fmov v0.4s, #-1.000000000000000000e+00
            400280 6f01f7e0 fmov v0.2d, #3.100000000000000000e+01
            400284 1e281000 fmov s0, #1.250000000000000000e-01
            400288 1e7ff001 fmov d1, #-1.937500000000000000e+00
            40028c 4f20a420 sxtl2 v0.2d, v1.4s
            400290 2f08a420 uxtl v0.8h, v1.8b
            400294 2f13a420 ushll v0.4s, v1.4h, #3
            400298 4f088420 shrn2 v0.16b, v1.8h, #8
            40029c 0f208420 shrn v0.2s, v1.2d, #32
            4002a0 4f400420 sshr v0.2d, v1.2d, #64
            4002a4 2f0f0420 ushr v0.8b, v1.8b, #1
            4002a8 4f7f5420 shl v0.2d, v1.2d, #63
            4002ac 1f420c20 fmadd d0, d1, d2, d3
            4002b0 1f228c20 fnmsub s0, s1, s2, s3
            4002b4 9e390020 fcvtzu x0, s1
            4002b8 1e640020 fcvtas w0, d1
            4002bc 9e700020 fcvtms x0, d1
            4002c0 9e620020 scvtf d0, x1
            4002c4 1e230020 ucvtf s0, w1
            4002c8 9eae0020 fmov x0, v1.d[1]
            4002cc 9eaf0062 fmov v2.d[1], x3
            4002d0 1e260020 fmov w0, s1
            4002d8 1e611414 fccmpe d0, d1, #0x4, ne
            4002dc 1e21e40f fccmp s0, s1, #0xf, al
            4002e0 1e22dc20 fcsel s0, s1, s2, le
            4002e4 1e664020 frinta d0, d1
            4002e8 1e274020 frintx s0, s1
            4002ec 1e67c020 frinti d0, d1
            4002f4 1e202018 fcmpe s0, #0.0
            4002f8 1e22c020 fcvt d0, s1
            4002fc 1e624020 fcvt s0, d1
            400300 1e628820 fnmul d0, d1, d2
            400304 1e226820 fmaxnm s0, s1, s2
            400308 1e60c020 fabs d0, d1
            40030c 1e214020 fneg s0, s1
            400310 9cfff800 ldr q0, 0x400210
            400314 5c000041 ldr d1, 0x40031c
            400318 98008000 ldrsw x0, 0x401318
            40031c d8000028 prfm plil1keep, 0x400320
            400320 5400004f b.nv 0x400328
            400324 54ffffee b.al 0x400320
            400328 b6f80100 tbz x0, #63, 0x400348
            40032c 3707ff01 tbnz w1, #0, 0x40030c
            400330 b400003f cbz xzr, 0x400334
            400334 70ffffe0 adr x0, 0x400333
            400338 90000081 adrp x1, 0x410000
            40033c 97f00000 bl 0x33c
            400400 3c400820 .inst 0x3c400820 ; undefined
            400404 f8800820 .inst 0xf8800820 ; undefined
            400408 69400000 .inst 0x69400000 ; undefined
            """;
        Comparison result = compare(cases.lines().map(String::strip).toList());
        assertThat(result.compared).as("the last three less the two the decoder refuses").isEqualTo(203);
        result.assertNoMismatches();
    }

    @Test
    void wordsTheInterpreterDoesNotImplementAreObjdumpsUndefinedForm() {
        // LDADD (LSE), UDF #0 and an SVE word: objdump knows them, the interpreter does not; and
        // an unprivileged SIMD&FP load and prefetch, which no one has (unallocated encodings)
        for (int word : new int[] {0xF821_0040, 0x0000_0000, 0x0420_0000, 0x3C40_0820, 0xF880_0820}) {
            assertThat(Decoder.decode(0x40_0000, word).op()).isEqualTo(Op.UNDEFINED);
            assertThat(Disassembler.text(0x40_0000, word)).isEqualTo(String.format(".inst 0x%08x ; undefined", word));
        }
    }

    @Test
    void targetsAreAbsoluteAndWrapAsObjdumpPrintsThem() {
        assertThat(Disassembler.text(0x40_0000, 0x1400_0008)).isEqualTo("b 0x400020");
        assertThat(Disassembler.text(0x10, 0x17FF_FFF8)).isEqualTo("b 0xfffffffffffffff0");
        assertThat(Disassembler.text(0x40_0FFC, 0x9000_0001)).isEqualTo("adrp x1, 0x400000");
    }

    /**
     * Any word at any pc gives non-empty text without throwing (checked on the unguarded path, so a
     * bug cannot hide behind {@link Disassembler#text}'s safety net), and a defined word shows as
     * undefined only in the classes where objdump does so too.
     */
    @Test
    void randomWordsAlwaysGiveText() {
        long seed = Long.getLong("a64.seed", DEFAULT_SEED);
        SplittableRandom random = new SplittableRandom(seed);
        Set<Integer> objdumpUndefinedOps = Set.of(Op.LDP); // CONSTRAINED UNPREDICTABLE LDPSW forms
        int defined = 0;
        for (int i = 0; i < WORDS; i++) {
            int word = random.nextInt();
            long pc = (i % 8 == 0 ? random.nextLong() : 0x40_0000L + 4L * random.nextInt(1 << 20)) & ~3L;
            int op = Decoder.decode(pc, word).op();
            String problem;
            try {
                problem = problem(pc, word, op, i % 16 == 0, objdumpUndefinedOps);
            } catch (RuntimeException e) {
                throw new AssertionError(String.format("word %08x at pc %x (iteration %d) threw; re-run with -Da64.seed=%d",
                        word, pc, i, seed), e);
            }
            if (problem != null) {
                throw new AssertionError(String.format("word %08x at pc %x (iteration %d): %s; re-run with -Da64.seed=%d",
                        word, pc, i, problem, seed));
            }
            if (op != Op.UNDEFINED) {
                defined++;
            }
        }
        assertThat(defined).isGreaterThan(WORDS / 10);
    }

    /** What is wrong with the text for this word, or null. Plain checks, for speed: the loop runs 300,000 times. */
    private static String problem(long pc, int word, int op, boolean viaText, Set<Integer> objdumpUndefinedOps) {
        String text = Disassembler.unguardedText(pc, word);
        if (text == null || text.isBlank() || text.contains("null")) {
            return "text \"" + text + "\"";
        }
        if (viaText && !text.equals(Disassembler.text(pc, word))) {
            return "text and unguardedText differ";
        }
        boolean undefinedText = text.startsWith(".inst");
        if (op == Op.UNDEFINED && !(undefinedText && Integer.parseUnsignedInt(text.substring(8, 16), 16) == word
                && text.length() == 28 && text.endsWith(" ; undefined"))) {
            return "undefined word shown as \"" + text + "\"";
        }
        if (op != Op.UNDEFINED && undefinedText && !objdumpUndefinedOps.contains(op)) {
            return Op.name(op) + " shown as undefined";
        }
        return null;
    }

    private static Comparison compare(List<String> lines) {
        Comparison result = new Comparison();
        for (String line : lines) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            String[] parts = line.split(" ", 3);
            long pc = Long.parseUnsignedLong(parts[0], 16);
            int word = Integer.parseUnsignedInt(parts[1], 16);
            if (Decoder.decode(pc, word).op() == Op.UNDEFINED) {
                continue;
            }
            result.compared++;
            String actual = Disassembler.unguardedText(pc, word);
            if (!actual.equals(parts[2])) {
                result.mismatches.add(String.format("%s %s: objdump \"%s\", got \"%s\"", parts[0], parts[1], parts[2], actual));
            }
        }
        return result;
    }

    private static final class Comparison {
        int compared;
        final List<String> mismatches = new ArrayList<>();

        void assertNoMismatches() {
            assertThat(mismatches)
                    .as("%d of %d differ from objdump; the first %d:%n%s", mismatches.size(), compared,
                            Math.min(50, mismatches.size()), String.join("\n", mismatches.subList(0, Math.min(50, mismatches.size()))))
                    .isEmpty();
        }
    }
}
