package org.capbuddy.sos.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code programs/build.sh --check}: the committed {@code programs/bin/*.elf} are exactly what
 * their sources and the pinned toolchain build (SHA256SUMS). The script exits 0 on a match, 1 on a
 * mismatch and 77 when the cross compiler or musl cannot be had.
 *
 * <p>Runs in the normal build only when it is quick (a few seconds): {@code aarch64-linux-gnu-gcc}
 * (or {@code $CC}) is on the PATH and musl for arm64 is already in build.sh's cache. Getting musl
 * needs the network once ({@code apt-get download}), so that happens only with
 * {@code -Dcapbuddy.programs.fetch=true}; offline, the script then exits 77 and the test is
 * skipped. {@code -Dcapbuddy.programs.check=false} skips it always. Skips are JUnit assumptions.
 */
class ProgramsBuildCheckTest {
    private static final Path PROGRAMS = Path.of("..", "programs");
    private static final int TOOLCHAIN_MISSING = 77;
    private static final long TIMEOUT_SECONDS = 120;
    private static final long FETCH_TIMEOUT_SECONDS = 600;

    @Test
    void theCommittedProgramsRebuildBitForBit(@TempDir Path tmp) throws Exception {
        assumeTrue(Boolean.parseBoolean(System.getProperty("capbuddy.programs.check", "true")),
                "-Dcapbuddy.programs.check=false");
        String cc = System.getenv().getOrDefault("CC", "aarch64-linux-gnu-gcc");
        assumeTrue(onPath(cc), cc + " is not on the PATH (apt-get install gcc-aarch64-linux-gnu)");
        boolean fetch = Boolean.getBoolean("capbuddy.programs.fetch");
        assumeTrue(fetch || muslCached(), "musl for arm64 is not in build.sh's cache; fetching it needs the network:"
                + " run with -Dcapbuddy.programs.fetch=true");

        Path log = tmp.resolve("build-check.log");
        java.lang.Process check;
        try {
            check = new ProcessBuilder("bash", "build.sh", "--check").directory(PROGRAMS.toFile())
                    .redirectErrorStream(true).redirectOutput(log.toFile()).start();
        } catch (IOException e) {
            abort("cannot start bash: " + e.getMessage());
            return;
        }
        long timeout = fetch ? FETCH_TIMEOUT_SECONDS : TIMEOUT_SECONDS;
        if (!check.waitFor(timeout, TimeUnit.SECONDS)) {
            check.descendants().forEach(ProcessHandle::destroyForcibly);
            check.destroyForcibly();
            fail("build.sh --check did not finish in " + timeout + " s:\n" + Files.readString(log));
        }
        String output = Files.readString(log, StandardCharsets.UTF_8);
        int status = check.exitValue();
        if (status == TOOLCHAIN_MISSING) {
            abort("build.sh --check: toolchain or musl not available (exit 77):\n" + output);
        }
        assertThat(status).as("build.sh --check exit status; its output:\n%s", output).isZero();
        long elfFiles = Files.readAllLines(PROGRAMS.resolve("SHA256SUMS")).stream().filter(l -> !l.isBlank()).count();
        assertThat(elfFiles)
                .as("the programs build.sh makes, the 37 student programs, the 18 fork, pipe, select, epoll, exec and"
                        + " process-group programs and exec_target, the program fork_exec execs, among them")
                .isEqualTo(69);
        assertThat(output).contains("all " + elfFiles + " ELF files match SHA256SUMS");
    }

    private static boolean onPath(String command) {
        if (command.contains(File.separator)) {
            return Files.isExecutable(Path.of(command));
        }
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, command))) {
                return true;
            }
        }
        return false;
    }

    /** build.sh's $MUSL_CACHE (default ${XDG_CACHE_HOME:-$HOME/.cache}/capbuddy-aarch64-musl) holds musl's specs. */
    private static boolean muslCached() {
        String cache = System.getenv("MUSL_CACHE");
        if (cache == null || cache.isEmpty()) {
            String xdg = System.getenv("XDG_CACHE_HOME");
            Path base = xdg == null || xdg.isEmpty() ? Path.of(System.getProperty("user.home"), ".cache")
                    : Path.of(xdg);
            cache = base.resolve("capbuddy-aarch64-musl").toString();
        }
        return Files.isRegularFile(Path.of(cache, "root", "usr", "lib", "aarch64-linux-musl", "musl-gcc.specs"));
    }
}
