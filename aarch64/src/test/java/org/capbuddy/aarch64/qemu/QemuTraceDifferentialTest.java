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
 * Step-exact agreement with QEMU: each committed trace in {@code programs/traces} is replayed in
 * the interpreter, comparing X0–X30, SP, PC, NZCV, Q0–Q31, FPSR and FPCR after every instruction. The count of
 * instructions compared is printed per program.
 */
class QemuTraceDifferentialTest {
    static final Path PROGRAMS = Path.of("..", "programs");
    private static final Path TRACES = PROGRAMS.resolve("traces");

    static List<String> tracedPrograms() {
        try (Stream<Path> files = Files.list(TRACES)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".trace.gz"))
                    .map(n -> n.substring(0, n.length() - ".trace.gz".length())).sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static QemuDifferential.Outcome replay(String program, QemuDifferential.Tamper tamper) {
        return replay(program, tamper, QemuDifferential.Slicing.STEPS);
    }

    static QemuDifferential.Outcome replay(String program, QemuDifferential.Tamper tamper,
            QemuDifferential.Slicing slicing) {
        Path stackInfo = TRACES.resolve(program + ".stack.txt");
        long sp = readStackPointer(stackInfo);
        return QemuDifferential.run(PROGRAMS.resolve("bin").resolve(program + ".elf"),
                TRACES.resolve(program + ".trace.gz"), TRACES.resolve(program + ".stack.bin"), sp, tamper, slicing);
    }

    private static long readStackPointer(Path info) {
        try {
            for (String line : Files.readAllLines(info)) {
                if (line.startsWith("sp=")) {
                    return Long.parseUnsignedLong(line.substring(3).replace("0x", ""), 16);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        throw new IllegalStateException(info + " names no sp=");
    }

    @TestFactory
    Stream<DynamicTest> everyTracedProgramAgreesWithQemuAtEveryStep() {
        List<String> programs = tracedPrograms();
        assertThat(programs).isNotEmpty();
        return programs.stream().map(program -> DynamicTest.dynamicTest(program, () -> {
            QemuDifferential.Outcome outcome = replay(program, null);
            System.out.printf("%s: %,d instructions compared with QEMU, %d system calls%n", program,
                    outcome.compared(), outcome.systemCalls());
            assertThat(outcome.firstDifference()).as(program).isNull();
            assertThat(outcome.compared()).isGreaterThan(1000);
        }));
    }

    /**
     * The same traces with translation: every block translated at its first entry, the program run
     * in slices of 1 to 1,000 instructions (seeded per program) and compared with QEMU at each
     * slice's end, so that translated blocks, the budget cutting them and the interpreter between
     * them all meet the trace.
     */
    @TestFactory
    Stream<DynamicTest> everyTracedProgramAgreesWithQemuWhenTranslated() {
        return tracedPrograms().stream().map(program -> DynamicTest.dynamicTest(program, () -> {
            QemuDifferential.Outcome outcome = replay(program, null,
                    new QemuDifferential.Slicing(1, 1000, program.hashCode()));
            System.out.printf("%s translated: %,d instructions compared with QEMU in slices, %,d of them in"
                    + " translated blocks%n", program, outcome.compared(), outcome.translated());
            assertThat(outcome.firstDifference()).as(program).isNull();
            assertThat(outcome.translated()).isGreaterThan(outcome.compared() / 5);
        }));
    }

    @Test
    void aWrongFlagIsReportedAtTheStepItHappens() {
        String program = tracedPrograms().contains("pt_test_freestanding") ? "pt_test_freestanding"
                : tracedPrograms().get(0);
        QemuDifferential.Outcome outcome = replay(program, (step, state) -> {
            if (step == 500) {
                state.setNzcv(state.nzcv() ^ 0x2000_0000);
            }
        });
        assertThat(outcome.firstDifference()).startsWith("after step 501:").contains("NZCV");
    }
}
