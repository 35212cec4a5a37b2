package org.capbuddy.sos.run;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.capbuddy.sos.SosFixture;
import org.capbuddy.sos.frametable.FrameTable;
import org.capbuddy.sos.machine.SosConfig;
import org.capbuddy.sos.paging.PolicyRegistry;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Recorded C programs (programs/expected, from qemu-aarch64) run in an SOS whose frame table is
 * far smaller than they need, paging to a page file: the same console output and the same exit
 * status as the recorded run, pages going out and coming back on the way, and nothing left after
 * teardown, page-file slots included. Among them student_bigmem (a 48 MiB block, a 32 MiB
 * realloc, a 4 MiB stack array) in a 64-frame table, the others in a 6-frame one, and the signal programs, whose frames SOS
 * writes into stack pages that may be paged out.
 */
class PagedProgramsTest {
    private static final Path EXPECTED = Path.of("..", "programs", "expected");
    private static final long MAX_INSTRUCTIONS = 1_000_000_000L;
    /** student_bigmem's table: 256 KiB for a program that touches tens of MiB. */
    private static final int FRAMES = 64;
    /** The others' table: small enough that each of them pages, code and stack included. */
    private static final int FEW_FRAMES = 6;
    private static final int PAGE_FILE = 1 << 16;
    /**
     * Not student_malloc, which student_bigmem's heap covers and which a tiny table makes slow, nor
     * student_pages: it prints what mincore and getrusage say of its pages, which paging
     * rightly changes (a page paged out is not resident), as memory pressure would on Linux.
     */
    private static final Set<String> PROGRAMS = Set.of("student_bigmem", "student_mmap",
            "student_mprotect", "student_stdio", "student_sighandler", "student_signals");

    static List<Arguments> cases() throws IOException {
        List<Arguments> all = new ArrayList<>();
        int k = 0;
        for (String line : Files.readAllLines(EXPECTED.resolve("CASES"), StandardCharsets.UTF_8)) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String[] f = line.split("\\|", -1);
            if (!PROGRAMS.contains(f[0]) || !f[2].isEmpty() || !f[3].isEmpty()) {
                continue;
            }
            List<String> args = f[1].isBlank() ? List.of() : List.of(f[1].trim().split(" +"));
            // each policy takes every other case; student_bigmem, the one that pages most, runs under both
            List<String> policies = f[0].equals("student_bigmem") ? PolicyRegistry.names()
                    : List.of(PolicyRegistry.names().get(k++ % 2));
            for (String policy : policies) {
                all.add(Arguments.of(f[0], args, policy));
            }
        }
        return all;
    }

    /** Shared anonymous memory in student_mprotect, whose mmap SOS refuses while it pages. */
    private static final String SHARED_UNDER_QEMU = "mmap shared anonymous: ok\nshared page holds 5\n";

    /**
     * The recorded output as SOS gives it while it pages: the one known difference is
     * student_mprotect's MAP_SHARED mapping, which SOS refuses with ENODEV while it pages (the
     * pager evicts by taking a frame, which every sharer maps: a limit the README states), so its
     * page is never written.
     */
    private static String pagedDifference(String name, String recorded) {
        if (!name.equals("student_mprotect")) {
            return recorded;
        }
        assertThat(recorded).as("the recording maps shared memory").contains(SHARED_UNDER_QEMU);
        return recorded.replace(SHARED_UNDER_QEMU, "mmap shared anonymous: No such device\n");
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("cases")
    void printsAndEndsAsUnderQemuInATinyFrameTable(String name, List<String> args, String policy) throws IOException {
        int frames = name.equals("student_bigmem") ? FRAMES : FEW_FRAMES;
        SosFixture fx = new SosFixture(true, new SosConfig(FrameTable.SEED_REF_BITS, frames, PAGE_FILE, policy));
        var settled = fx.balance();
        ProgramResult r = new ProgramRunner(fx.sos).run(new ProgramRunner.Launch(Programs.elf(name),
                Programs.argv(name, args), List.of(), new byte[0], 1, MAX_INSTRUCTIONS));
        String file = name + (args.isEmpty() ? "" : "_" + String.join("_", args));
        String expected = pagedDifference(name, Files.readString(EXPECTED.resolve(file + ".stdout"),
                StandardCharsets.UTF_8));
        String output = r.console().lines().filter(l -> !l.startsWith("[sos] process "))
                .map(l -> l + "\n").collect(Collectors.joining());
        assertThat(output).as(Programs.describe(r))
                .isEqualTo(expected.endsWith("\n") || expected.isEmpty() ? expected : expected + "\n");
        long status = r.outcome() == ProgramOutcome.KILLED ? 128 + r.killReport().signal() : r.exitCode();
        assertThat(status).as(Programs.describe(r))
                .isEqualTo(Long.parseLong(Files.readString(EXPECTED.resolve(file + ".status")).strip()));
        var pages = fx.sos.pages();
        assertThat(fx.sos.frameTable().limit()).isEqualTo(frames);
        assertThat(pages.pageOuts()).as("pages went out").isPositive();
        assertThat(pages.pageIns()).as("pages came back").isPositive();
        assertThat(pages.pageFile().slotsInUse()).isZero();
        assertThat(fx.sos.liveProcesses()).isZero();
        assertThat(fx.balance()).isEqualTo(settled);
        fx.assertInvariants();
        if (name.equals("student_bigmem")) {
            assertThat(pages.pageFile().peakSlotsInUse()).as("far more than the frame table").isGreaterThan(10 * FRAMES);
        }
    }
}
