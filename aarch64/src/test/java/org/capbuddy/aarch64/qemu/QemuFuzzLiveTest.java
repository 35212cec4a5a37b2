package org.capbuddy.aarch64.qemu;

import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The fuzzer live: fresh random programs, each traced by {@code qemu-aarch64} now and replayed in
 * the interpreter (step by step, then translated in slices). Skipped where QEMU is not on the PATH
 * (CI has none; the committed corpus stands in for it there, see {@link QemuFuzzCorpusTest}).
 * Each program's seed is printed, and a failure names it: {@code -Da64.seed=S} runs that program
 * alone; {@code -Da64.qemu.programs=N} runs N fresh ones instead of the default 12.
 */
class QemuFuzzLiveTest {
    private static final int PROGRAMS = 12;

    @Test
    void freshRandomProgramsAgreeWithQemu(@TempDir Path folder) throws IOException {
        fresh(folder, RandomProgram.Mix.GENERAL, "a64.qemu.programs");
    }

    /**
     * The same for the estimates mix (FRECPE, FRSQRTE, their steps, FRECPX, URECPE, URSQRTE,
     * FCVTXN, the scalar SQDMULL family): {@code -Da64.qemu.estimates=N} runs N, and {@code
     * -Da64.seed=S} one, as above.
     */
    @Test
    void freshEstimateProgramsAgreeWithQemu(@TempDir Path folder) throws IOException {
        fresh(folder, RandomProgram.Mix.ESTIMATES, "a64.qemu.estimates");
    }

    private static void fresh(Path folder, RandomProgram.Mix mix, String countProperty) throws IOException {
        assumeTrue(QemuFuzz.qemuAvailable(), "qemu-aarch64 is not on the PATH");
        Long given = Long.getLong("a64.seed");
        int programs = given != null ? 1 : Integer.getInteger(countProperty, PROGRAMS);
        SplittableRandom seeds = new SplittableRandom();
        int failures = 0;
        StringBuilder report = new StringBuilder();
        for (int i = 0; i < programs; i++) {
            long seed = given != null ? given : seeds.nextLong();
            String difference = run(folder, seed, mix);
            if (difference != null) {
                failures++;
                if (failures <= 3) {
                    report.append(difference).append('\n');
                }
            }
        }
        if (failures > 0) {
            fail(failures + " of " + programs + " programs disagree with QEMU; the first:\n" + report);
        }
    }

    private static String run(Path folder, long seed, RandomProgram.Mix mix) throws IOException {
        RandomProgram program = RandomProgram.generate(seed, QemuFuzz.INSTRUCTIONS, mix);
        Path elf = folder.resolve("seed-" + Long.toUnsignedString(seed) + ".elf");
        Files.write(elf, program.elf());
        Path trace = folder.resolve("seed-" + Long.toUnsignedString(seed) + ".log");
        QemuFuzz.Recording recording = QemuFuzz.record(elf, trace);
        String difference = QemuFuzz.check(elf, trace, seed, null);
        System.out.printf("qemu fuzz (%s) seed %d: %s%n", mix, seed, difference == null ? "agrees"
                : "DIFFERS " + difference.lines().limit(4).skip(1).map(String::strip).toList());
        Files.delete(trace);
        if (difference == null && recording.exitStatus() == 0) {
            return null;
        }
        return String.format("%s seed %d (re-run with -Da64.seed=%d): QEMU exit %d%s%n%s", mix, seed, seed,
                recording.exitStatus(), recording.stderr().isEmpty() ? "" : " (" + recording.stderr() + ")",
                difference == null ? "QEMU failed but the interpreter agreed up to its end" : difference);
    }
}
