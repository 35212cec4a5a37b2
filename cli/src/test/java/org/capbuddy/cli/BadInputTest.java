package org.capbuddy.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import org.capbuddy.cli.common.Problems;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Input a user gets wrong, across the commands: each is refused with one message that says what is
 * wrong in the user's terms (no stack trace, no Java class name, no bare path), with status 2 for
 * options (and for a machine they describe that cannot be built) and 1 for a file that cannot be
 * read or written, and nothing is left behind: no empty output folder, no empty trace file.
 */
class BadInputTest {
    private static final String HELLO = Path.of("..", "programs", "bin", "hello.elf").toString();

    private static void assertPlain(CliRun r) {
        assertThat(r.err()).doesNotContain("\tat ", "Exception", "java.lang", "[Source:", "null");
    }

    @Test
    void anArgumentFileThatIsAFolderIsABadOptionNotAStackTrace(@TempDir Path dir) {
        CliRun r = CliRun.of("bench", "@" + dir);
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).startsWith("capbuddy: cannot read the argument file " + dir + ": it is a folder");
        assertPlain(r);
    }

    @Test
    void aSpecOfTheWrongShapeSaysWhichFieldAndWhatItTakes(@TempDir Path dir) throws IOException {
        record Case(String json, String says) {
        }
        for (Case c : new Case[] {
            new Case("{\"workload\": \"mcmc\", \"iterations\": \"ten\"}", "field 'iterations' takes a whole number, got \"ten\""),
            new Case("{\"workload\": \"mcmc\", \"iterations\": 2.5}", "field 'iterations' takes a whole number, got 2.5"),
            new Case("{\"workload\": \"mcmc\", \"bogus\": 1}", "unknown field 'bogus' (fields: access,"),
            new Case("{", "not valid JSON or YAML at line"),
            new Case("{}", "no workload: give one (mcmc, single, contiguous, utilisation or paging"),
            new Case("{\"workload\": \"single\"} {\"workload\": \"mcmc\"}",
                    "is not a bench report or spec: it holds more than one document"),
        }) {
            Path spec = dir.resolve("spec.json");
            Files.writeString(spec, c.json());
            CliRun r = CliRun.of("bench", "--spec", spec.toString());
            assertThat(r.exitCode()).as(c.json()).isEqualTo(2);
            assertThat(r.err()).as(c.json()).contains(c.says());
            assertPlain(r);
        }
    }

    @Test
    void aSpecOrSweepFileThatCannotBeReadSaysWhyWithStatus1(@TempDir Path dir) {
        CliRun folder = CliRun.of("bench", "--spec", dir.toString());
        assertThat(folder.exitCode()).isEqualTo(1);
        assertThat(folder.err()).contains("cannot read --spec " + dir + ": it is a folder, not a file");
        CliRun missing = CliRun.of("sweep", dir.resolve("nope.json").toString(), "--out", dir.resolve("o").toString());
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).contains("nope.json: no such file or folder");
        assertThat(dir.resolve("o")).doesNotExist();
    }

    @Test
    void anAllocatorThatIsNotThereNamesWhatIs() {
        CliRun typo = CliRun.of("bench", "mcmc", "--allocator", "capbudy");
        assertThat(typo.exitCode()).isEqualTo(2);
        assertThat(typo.err()).contains("not one of capbuddy, allocman, murbench-baseline (or both)");
        CliRun noClass = CliRun.of("bench", "mcmc", "--allocator", "class:no.Such");
        assertThat(noClass.err()).contains("cannot load class no.Such: no such class on the class path")
                .doesNotContain("ClassNotFoundException");
    }

    @Test
    void anOutFolderThatCannotBeMadeIsRefusedBeforeAnythingRuns(@TempDir Path dir) throws IOException {
        Path file = Files.writeString(dir.resolve("afile"), "x");
        CliRun onFile = CliRun.of("bench", "mcmc", "--iterations", "5", "--out", file.toString());
        assertThat(onFile.exitCode()).isEqualTo(1);
        assertThat(onFile.err()).contains(file + " is a file, not a folder");
        assertThat(onFile.out()).isEmpty();
        CliRun under = CliRun.of("bench", "mcmc", "--iterations", "5", "--out", file.resolve("x").toString());
        assertThat(under.err()).contains("cannot make " + file.resolve("x") + ": ", " is a file, not a folder");
        CliRun blank = CliRun.of("bench", "mcmc", "--out", "");
        assertThat(blank.exitCode()).isEqualTo(2);
        assertThat(blank.err()).contains("--out needs a folder name");
        assertThat(CliRun.of("sweep", file.toString(), "--out", "").exitCode()).isEqualTo(2);
    }

    @Test
    void aMachineThatCannotBeBuiltIsABadOptionAndLeavesNoFolder(@TempDir Path dir) throws IOException {
        Path out = dir.resolve("out");
        CliRun bench = CliRun.of("bench", "mcmc", "--iterations", "5", "--root-cnode-bits", "7", "--out", out.toString());
        assertThat(bench.exitCode()).isEqualTo(2);
        assertThat(bench.err()).contains("cannot build the capbuddy machine: the root CNode of 2^7 slots is full after"
                + " boot", "use a root CNode of 2^8 slots or more");
        assertThat(out).doesNotExist();
        CliRun allocmanFirst = CliRun.of("bench", "mcmc", "--iterations", "5", "--cspace", "original",
                "--root-cnode-bits", "10", "--allocator", "allocman,capbuddy");
        assertThat(allocmanFirst.exitCode()).as("whatever the order, nothing runs").isEqualTo(2);
        assertThat(allocmanFirst.err()).contains("cannot build the capbuddy machine");
        assertThat(allocmanFirst.out()).isEmpty();
        CliRun demo = CliRun.of("demo", "--root-cnode-bits", "7");
        assertThat(demo.exitCode()).isEqualTo(2);
        assertThat(demo.err()).contains("full after boot");

        Path sweep = Files.writeString(dir.resolve("sweep.json"), """
                {"base": {"workload": "mcmc", "iterations": 5, "cspace": "original"},
                 "vary": {"rootCNodeBits": [12, 8]}}
                """);
        CliRun swept = CliRun.of("sweep", sweep.toString(), "--out", out.toString());
        assertThat(swept.exitCode()).isEqualTo(2);
        assertThat(swept.err()).contains("run 1 {rootCNodeBits=8}: cannot build the capbuddy machine:");
        assertThat(out).as("checked before any run").doesNotExist();
    }

    @Test
    void aSweepVaryingAFieldTwiceOrToNullIsRefused(@TempDir Path dir) throws IOException {
        Path twice = Files.writeString(dir.resolve("twice.json"),
                "{\"base\": {\"workload\": \"mcmc\"}, \"vary\": {\"seed\": [1, 1]}}");
        CliRun r = CliRun.of("sweep", twice.toString(), "--out", dir.resolve("o").toString());
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("vary.seed holds 1 twice");
        Path nulls = Files.writeString(dir.resolve("null.json"),
                "{\"base\": {\"workload\": \"mcmc\"}, \"vary\": {\"seed\": [null]}}");
        assertThat(CliRun.of("sweep", nulls.toString(), "--out", dir.resolve("o").toString()).err())
                .contains("vary.seed holds null");
    }

    @Test
    void aSweepFolderWithABrokenOrForeignRunFileSaysWhichFile(@TempDir Path dir) throws IOException {
        Path sweep = Files.writeString(dir.resolve("sweep.json"),
                "{\"base\": {\"workload\": \"mcmc\", \"iterations\": 20}, \"vary\": {\"seed\": [1, 2]}}");
        Path out = dir.resolve("out");
        assertThat(CliRun.of("sweep", sweep.toString(), "--out", out.toString(), "--threads", "1").exitCode()).isZero();
        Path second = out.resolve("runs").resolve("00001.json");
        String kept = Files.readString(second);
        Files.writeString(second, "{garbage");
        CliRun broken = CliRun.of("sweep", sweep.toString(), "--out", out.toString(), "--threads", "1");
        assertThat(broken.exitCode()).isEqualTo(1);
        assertThat(broken.err()).contains(second + " is not a run's result (not valid JSON or YAML at line 1",
                "delete it and that run is made again");
        Files.writeString(second, kept);

        Path one = Files.writeString(dir.resolve("one.json"),
                "{\"base\": {\"workload\": \"mcmc\", \"iterations\": 20}, \"vary\": {\"seed\": [1]}}");
        CliRun fewer = CliRun.of("sweep", one.toString(), "--out", out.toString(), "--threads", "1");
        assertThat(fewer.exitCode()).isEqualTo(1);
        assertThat(fewer.err()).contains("holds runs of another sweep (00001.json is not one of this sweep's 1 runs)");
        assertThat(fewer.out()).doesNotContain("wrote");
    }

    @Test
    void aTraceFileIsWrittenOnlyForAProgramThatRan(@TempDir Path dir) throws IOException {
        Path garbage = Files.write(dir.resolve("x.elf"), new byte[] {0x7f, 'E', 'L', 'F', 9, 9, 9});
        Path trace = dir.resolve("trace.txt");
        CliRun refused = CliRun.of("run", garbage.toString(), "--trace", "all", "--trace-out", trace.toString());
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(trace).doesNotExist();
        Files.writeString(trace, "an older trace\n");
        CliRun.of("run", garbage.toString(), "--trace", "all", "--trace-out", trace.toString());
        assertThat(Files.readString(trace)).isEqualTo("an older trace\n");
        try (var left = Files.list(dir)) {
            assertThat(left.map(p -> p.getFileName().toString())).containsExactlyInAnyOrder("x.elf", "trace.txt");
        }
        assertThat(CliRun.of("run", HELLO, "--trace", "syscalls", "--trace-out", "/dev/null").exitCode()).isZero();
        assertThat(Files.isRegularFile(Path.of("/dev/null"))).as("/dev/null is written, not replaced").isFalse();

        CliRun ran = CliRun.of("run", HELLO, "--trace", "syscalls", "--trace-out", trace.toString());
        assertThat(ran.exitCode()).as(ran.err()).isZero();
        assertThat(Files.readString(trace)).contains("syscalls").doesNotContain("an older trace");

        Files.setPosixFilePermissions(trace, java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----"));
        assertThat(CliRun.of("run", HELLO, "--trace", "syscalls", "--trace-out", trace.toString()).exitCode()).isZero();
        assertThat(java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(trace)))
                .as("the new trace keeps the old one's permissions").isEqualTo("rw-r-----");

        // a link (as /dev/stdout is) is written through, not replaced by a file
        Path target = Files.writeString(dir.resolve("target.txt"), "");
        Path link = Files.createSymbolicLink(dir.resolve("link.txt"), target);
        assertThat(CliRun.of("run", HELLO, "--trace", "syscalls", "--trace-out", link.toString()).exitCode()).isZero();
        assertThat(Files.isSymbolicLink(link)).isTrue();
        assertThat(Files.readString(target)).contains("syscalls");

        CliRun noFolder = CliRun.of("run", HELLO, "--trace", "all", "--trace-out", dir.resolve("no/t.txt").toString());
        assertThat(noFolder.exitCode()).isEqualTo(1);
        assertThat(noFolder.err()).contains("cannot write the trace to " + dir.resolve("no/t.txt") + ": no folder ");
    }

    @Test
    void jsonOutputStaysOneObjectAndATracePidSaysWhatItLeavesOut() {
        CliRun mixed = CliRun.of("run", HELLO, "--json", "--trace", "syscalls");
        assertThat(mixed.exitCode()).isEqualTo(2);
        assertThat(mixed.err()).contains("--json prints one object on standard output");
        CliRun stepJson = CliRun.of("run", HELLO, "--step", "--trace", "syscalls", "--trace-format", "json");
        assertThat(stepJson.exitCode()).isEqualTo(2);
        assertThat(stepJson.err()).contains("JSON lines (--trace-format json) go to a file");
        // the pool's steps are made for the one process: a trace of it keeps them, a trace of another has none
        CliRun pid = CliRun.of("run", HELLO, "--trace", "pool", "--trace-pid", "1");
        assertThat(pid.exitCode()).isZero();
        assertThat(pid.err()).doesNotContain("note:");
        assertThat(pid.out()).contains(" pool block_taken pid 1 @");
        CliRun other = CliRun.of("run", HELLO, "--trace", "pool", "--trace-pid", "2");
        assertThat(other.exitCode()).isZero();
        assertThat(other.out()).doesNotContain(" pool ");
    }

    @Test
    void aSteppedRunsTraceFileHasItsTeardownAsAPlainRunsHas(@TempDir Path dir) throws IOException {
        Path plain = dir.resolve("plain.txt");
        Path stepped = dir.resolve("stepped.txt");
        Path commands = Files.writeString(dir.resolve("cmds.txt"), "run\n");
        assertThat(CliRun.of("run", HELLO, "--trace", "processes", "--trace-out", plain.toString()).exitCode()).isZero();
        CliRun step = CliRun.of("run", HELLO, "--step", "--commands", commands.toString(), "--trace", "processes",
                "--trace-out", stepped.toString());
        assertThat(step.exitCode()).as(step.err()).isZero();
        assertThat(Files.readString(plain)).contains("destroyed pid 1");
        assertThat(Files.readString(stepped)).as("the teardown after the session").contains("destroyed pid 1");
    }

    @Test
    void stepCommandsFromAFolderAreRefusedBeforeTheProgramRuns(@TempDir Path dir) {
        CliRun r = CliRun.of("run", HELLO, "--step", "--commands", dir.toString());
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).contains("cannot read the commands from " + dir + ": it is a folder");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void bootNamesTheOptionAtFault() {
        assertThat(CliRun.of("boot", "--fan-out", "0").err()).contains("--fan-out must be 1..1048576, got 0");
        assertThat(CliRun.of("boot", "--root-cnode-bits", "6").err()).contains("--root-cnode-bits must be 7..26, got 6");
        assertThat(CliRun.of("bench", "mcmc", "--cost", "perInvocation").err()).contains("Value for option '--cost'")
                .doesNotContain("option option");
    }

    @Test
    void aCostConstantGivenTwiceIsRefusedByNameAndNothingRuns(@TempDir Path dir) {
        Path out = dir.resolve("out");
        for (String[] cost : new String[][] {
            {"--cost", "perInvocation=300,perInvocation=500"},
            {"--cost", "perInvocation=300", "--cost", "perFault=9,perInvocation=300"},
        }) {
            java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("bench", "mcmc", "--iterations",
                    "5", "--allocator", "capbuddy", "--out", out.toString()));
            args.addAll(java.util.List.of(cost));
            CliRun r = CliRun.of(args.toArray(String[]::new));
            assertThat(r.exitCode()).as(String.join(" ", cost)).isEqualTo(2);
            assertThat(r.err().lines().findFirst()).as(String.join(" ", cost))
                    .hasValue("--cost names perInvocation twice: give each constant once");
            assertPlain(r);
            assertThat(r.out()).as("nothing ran").isEmpty();
            assertThat(out).as("no folder made").doesNotExist();
        }
        CliRun once = CliRun.of("bench", "mcmc", "--iterations", "5", "--allocator", "capbuddy", "--json",
                "--cost", "perInvocation=300", "--cost", "perFault=9");
        assertThat(once.exitCode()).as("each constant once, over two options: %s", once.err()).isZero();
        assertThat(once.out()).contains("\"perInvocation\" : 300.0", "\"perFault\" : 9.0");
    }

    @Test
    void fileProblemsReadAsReasons() {
        Path tried = Path.of("out", "x");
        assertThat(Problems.of(new NoSuchFileException(tried.toString()), tried)).isEqualTo("no such file or folder");
        assertThat(Problems.of(new NoSuchFileException("out"), tried)).isEqualTo("no such file or folder (out)");
        assertThat(Problems.of(new AccessDeniedException(tried.toString()), tried)).isEqualTo("permission denied");
        assertThat(Problems.of(new java.nio.file.FileSystemException(tried.toString(), null, "Read-only file system"),
                tried)).isEqualTo("read-only file system");
        assertThat(Problems.of(new IOException("multi\nline"))).isEqualTo("multi");
        assertThat(Problems.of(new IllegalStateException())).isEqualTo("IllegalStateException");
    }
}
