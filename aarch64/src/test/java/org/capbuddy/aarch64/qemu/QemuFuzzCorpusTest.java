package org.capbuddy.aarch64.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

/**
 * The committed random-instruction corpora ({@code qemu/fuzz} and, of the estimates mix, {@code
 * qemu/estimates}: ELFs of {@link RandomProgram} and QEMU's traces of them, written by {@code
 * qemu-fuzz.sh}) replayed without QEMU: every program must agree with its trace at every step
 * interpreted, and at every slice's end when translated.
 */
class QemuFuzzCorpusTest {
    private static final Path CORPUS = QemuFuzz.CORPUS;

    static List<Long> seeds() {
        return seeds(CORPUS);
    }

    static List<Long> seeds(Path corpus) {
        try (Stream<Path> files = Files.list(corpus)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".trace.gz"))
                    .map(n -> Long.parseLong(n.substring("seed-".length(), n.length() - ".trace.gz".length())))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static Path elf(long seed) {
        return elf(CORPUS, seed);
    }

    private static Path trace(long seed) {
        return trace(CORPUS, seed);
    }

    private static Path elf(Path corpus, long seed) {
        return corpus.resolve("seed-" + seed + ".elf");
    }

    private static Path trace(Path corpus, long seed) {
        return corpus.resolve("seed-" + seed + ".trace.gz");
    }

    @TestFactory
    Stream<DynamicTest> everyCorpusProgramAgreesWithQemu() {
        return agreeing(RandomProgram.Mix.GENERAL, 40);
    }

    @TestFactory
    Stream<DynamicTest> everyEstimatesProgramAgreesWithQemu() {
        return agreeing(RandomProgram.Mix.ESTIMATES, 20);
    }

    private static Stream<DynamicTest> agreeing(RandomProgram.Mix mix, int atLeast) {
        Path corpus = QemuFuzz.corpus(mix);
        List<Long> seeds = seeds(corpus);
        assertThat(seeds).hasSizeGreaterThanOrEqualTo(atLeast);
        return seeds.stream().map(seed -> DynamicTest.dynamicTest(mix + " seed " + seed, () -> {
            String difference = QemuFuzz.check(elf(corpus, seed), trace(corpus, seed), seed, null);
            assertThat(difference).as("%s corpus seed %d", mix, seed).isNull();
        }));
    }

    @Test
    void theCorporaAreWhatTheGeneratorMakes() throws IOException {
        // the ELFs are committed so that the traces stay valid when the generator changes; until
        // it does, they are its output for their seeds
        for (RandomProgram.Mix mix : RandomProgram.Mix.values()) {
            Path corpus = QemuFuzz.corpus(mix);
            for (long seed : seeds(corpus)) {
                assertThat(Files.readAllBytes(elf(corpus, seed))).as("%s seed %d", mix, seed)
                        .isEqualTo(RandomProgram.generate(seed, QemuFuzz.INSTRUCTIONS, mix).elf());
            }
        }
    }

    @Test
    void aCorruptedRegisterIsReportedAtItsStepWithItsInstruction() {
        long seed = seeds().get(0);
        QemuDifferential.Outcome outcome = QemuDifferential.run(elf(seed), trace(seed), null, 0, (step, state) -> {
            if (step == 300) {
                state.setV(7, state.vLow(7) ^ 1, state.vHigh(7));
            }
        });
        assertThat(outcome.firstDifference()).startsWith("after step 301:").contains("made by").contains("Q7");
        String broken = QemuFuzz.check(elf(seed), trace(seed), seed, (step, state) -> {
            if (step == 450) {
                state.setFpsr(state.fpsr() ^ 0x10);
            }
        });
        assertThat(broken).startsWith("interpreted, after step 451:").contains("FPSR/FPCR");
    }
}
