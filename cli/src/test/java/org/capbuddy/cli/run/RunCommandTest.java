package org.capbuddy.cli.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.capbuddy.cli.run.RunCli.program;
import static org.capbuddy.cli.run.RunCli.run;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.capbuddy.cli.CliRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code capbuddy run} end to end on the committed programs (programs/bin, from the module's
 * directory): console and report, JSON, the exit status for each outcome (the program's own, 128 +
 * signal killed, 139 for SOS's kills, 124 instruction limit, 1 unreadable or refused, 2 bad
 * options), arguments reaching argv, and both allocators.
 */
class RunCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    private static JsonNode json(CliRun r) throws Exception {
        return JSON.readTree(r.out());
    }

    private static void assertNothingLeaked(JsonNode report) {
        JsonNode leaked = report.at("/teardown/leaked");
        assertThat(leaked.size()).as("leak figures").isEqualTo(8);
        for (Iterator<Map.Entry<String, JsonNode>> it = leaked.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            assertThat(e.getValue().asLong()).as("leaked %s", e.getKey()).isZero();
        }
        assertThat(report.at("/teardown/invariants").asText()).startsWith("invariants hold");
    }

    @Test
    void helloPrintsItsConsoleAndExitsWithItsStatus() {
        CliRun r = run(program("hello"));
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.err()).isEmpty();
        assertThat(r.out()).contains("Program: " + program("hello") + "\n", "---- console\nhello, world\n----\n",
                "Exited with status 0.", "System calls: 4\n",
                "After teardown: leaked frames 0, slots 0, untyped bytes 0, mspace bytes 0, window tables 0,"
                        + " processes 0, ASIDs 0; invariants hold");
    }

    @Test
    void largeCountsAreWrittenWithThousandsSeparators() {
        CliRun r = run(program("malloc_stress"));
        assertThat(r.exitCode()).as(r.err()).isZero();
        // its instruction count depends on the path run passes as argv[0]; its faults do not
        assertThat(r.out()).containsPattern("Instructions: 2,59\\d,\\d{3}; faults handled: 4,965; frames mapped: 4,965; ");
    }

    @Test
    void jsonReportsTheOutcomeSystemCallsAndATeardownThatLeftNothing() throws Exception {
        CliRun r = run("--json", program("hello"));
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode report = json(r);
        assertThat(report.at("/outcome").asText()).isEqualTo("exited");
        assertThat(report.at("/exitCode").isIntegralNumber()).isTrue();
        assertThat(report.at("/exitCode").asLong()).isZero();
        assertThat(report.at("/kill").isNull()).isTrue();
        assertThat(report.at("/console").asText()).isEqualTo("hello, world\n");
        assertThat(report.at("/argv")).hasSize(1);
        assertThat(report.at("/argv/0").asText()).isEqualTo(program("hello"));
        assertThat(JSON.convertValue(report.at("/systemCalls"), Map.class)).isEqualTo(
                Map.of("set_tid_address", 1, "ioctl", 1, "writev", 1, "exit_group", 1));
        assertThat(report.at("/unknownSystemCalls").size()).isZero();
        assertThat(report.at("/instructions").asLong()).isPositive();
        assertThat(report.at("/faultsHandled").asLong()).isEqualTo(5);
        assertThat(report.at("/machine/allocator").asText()).isEqualTo("capbuddy");
        assertNothingLeaked(report);
    }

    @Test
    void dumpPrintsTheRegionsAndTheKernelsPageTablesThenTearsDown() throws Exception {
        CliRun text = run("--dump", program("hello"));
        assertThat(text.exitCode()).as(text.err()).isZero();
        assertThat(text.out()).contains("---- dump (before teardown)", "SOS's shadow records 5 pages, the kernel's tables"
                + " map 5", "L0 table (root) at pa 0x", "-> L3 table at pa 0x", "stack ", "r-x");
        assertThat(text.out()).containsPattern("L3\\[\\d+(\\.\\.\\d+)?\\] 0x[0-9a-f]{10}-0x[0-9a-f]{10}  .*page.* pa 0x");

        CliRun r = run("--dump", "--json", program("hello"));
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode report = json(r);
        assertThat(report.at("/dump/pageTables/pages").asLong()).isEqualTo(5);
        assertThat(report.at("/dump/shadowPages").asLong()).isEqualTo(5);
        assertThat(report.at("/dump/pageTables/entries/0/index").asInt()).isEqualTo(-1);
        assertThat(report.at("/dump/regions/0/kind").asText()).isEqualTo("code");
        assertThat(report.at("/pool/trees").size()).isPositive();
        assertThat(report.at("/pool/trees/0/freeBlocks").size()).isEqualTo(11);
        assertThat(report.at("/cdt/caps").asLong()).isPositive();
        assertThat(report.at("/cdt/lines").size()).isPositive();
        assertNothingLeaked(report);
        assertThat(text.out()).contains("CapBuddy pool: ", "free blocks by order:", "allocated frames: ", "CDT: ",
                "each: Frame");
        CliRun allocman = run("--dump", "--allocator", "allocman", program("hello"));
        assertThat(allocman.exitCode()).as(allocman.err()).isZero();
        assertThat(allocman.out()).contains("L0 table (root)", "no CapBuddy pool");
        assertThat(json(run("--json", program("hello"))).at("/dump").isNull()).isTrue();
    }

    private static JsonNode tree(String line) {
        try {
            return JSON.readTree(line);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void traceWritesTheEventsAsTextOrJsonLinesAndRefusesBadOptionsBeforeRunning() throws Exception {
        CliRun text = run("--trace", "syscalls,processes", program("hello"));
        assertThat(text.exitCode()).as(text.err()).isZero();
        assertThat(text.out()).startsWith("#1 processes created pid 1 ")
                .contains("#2 syscalls set_tid_address pid 1 @", " syscalls writev pid 1 @", " processes exited pid 1 @",
                        " code=0",
                        "processes destroyed pid 1", "Exited with status 0.");

        java.nio.file.Path file = java.nio.file.Files.createTempFile("capbuddy-trace", ".jsonl");
        try {
            CliRun json = run("--trace", "syscalls", "--trace-format", "json", "--trace-out", file.toString(),
                    program("hello"));
            assertThat(json.exitCode()).as(json.err()).isZero();
            assertThat(json.out()).doesNotContain("\"seq\"");
            List<String> lines = java.nio.file.Files.readAllLines(file);
            assertThat(lines).hasSize(4);
            for (int i = 0; i < lines.size(); i++) {
                JsonNode event = JSON.readTree(lines.get(i));
                assertThat(event.at("/seq").asLong()).isEqualTo(i + 1);
                assertThat(event.at("/kind").asText()).as("as --trace names it").isEqualTo("syscalls");
                assertThat(event.at("/pid").asInt()).isEqualTo(1);
            }
            assertThat(JSON.readTree(lines.get(3)).at("/name").asText()).isEqualTo("exit_group");

            run("--trace", "faults", "--trace-format", "json", "--trace-out", file.toString(), program("hello"));
            JsonNode kernelSide = JSON.readTree(java.nio.file.Files.readAllLines(file).get(0));
            assertThat(kernelSide.at("/name").asText()).isEqualTo("vm_fault");
            assertThat(kernelSide.at("/pid").asInt()).as("the kernel's fault, delivered for process 1").isEqualTo(1);
            // the syndrome is a number like every other field (the text trace writes it fsr=0x92000044)
            assertThat(kernelSide.at("/fields/fsr").isIntegralNumber()).as(kernelSide.toString()).isTrue();
            assertThat(kernelSide.at("/fields/fsr").asLong()).isEqualTo(0x9200_0044L);

            run("--trace", "faults", "--trace-format", "json", "--trace-out", file.toString(), program("student_bugs"),
                    "trap");
            JsonNode exception = java.nio.file.Files.readAllLines(file).stream().map(RunCommandTest::tree)
                    .filter(e -> e.at("/name").asText().equals("user_exception")).findFirst().orElseThrow();
            assertThat(exception.at("/fields/esr").isIntegralNumber()).as(exception.toString()).isTrue();
            assertThat(exception.at("/fields/esr").asLong() >>> 26).as("EC: brk").isEqualTo(0x3cL);
        } finally {
            java.nio.file.Files.deleteIfExists(file);
        }

        CliRun bogus = run("--trace", "faults,bogus", program("hello"));
        assertThat(bogus.exitCode()).isEqualTo(2);
        assertThat(bogus.err()).contains("--trace takes a comma-separated list of [invocations, faults, syscalls,"
                + " processes, pool, allocman] or all, not 'faults,bogus'");
        assertThat(run("--trace-out", "x.jsonl", program("hello")).exitCode()).isEqualTo(2);
        CliRun unwritable = run("--trace", "all", "--trace-out", "/nonexistent-dir/trace.txt", program("hello"));
        assertThat(unwritable.exitCode()).isEqualTo(1);
        assertThat(unwritable.err()).contains("cannot write the trace to /nonexistent-dir/trace.txt");
        assertThat(unwritable.out()).as("nothing ran").isEmpty();
    }

    @Test
    void aKillInsideMallocSaysTheBugIsTheProgramsHeapUseNotMalloc() {
        // student_bugs: double frees a block, heapoob writes past one and frees it; musl's checks die
        for (String bug : List.of("double", "heapoob")) {
            CliRun r = run(program("student_bugs"), bug);
            assertThat(r.exitCode()).as(r.err()).isEqualTo(139);
            assertThat(r.out()).as(bug).containsPattern("Killed at pc 0x[0-9a-f]+ <(get_meta|__libc_free)\\+0x[0-9a-f]+>: ")
                    .containsPattern("The pc is in musl's malloc \\((get_meta|__libc_free)\\+0x[0-9a-f]+\\): it died"
                            + " reading or checking its own records of the heap,\n")
                    .contains("a double free, or freeing a pointer malloc did not return corrupts.\n",
                            "The backtrace below shows which call of the program's led there.\n");
        }
        CliRun null_ = run(program("student_bugs"), "null");
        assertThat(null_.out()).as("a NULL store of main's own").contains("Killed at pc 0x").doesNotContain("musl's malloc");
        assertThat(run(program("student_exit"), "abort").out()).as("a signal it sent: not malloc's")
                .doesNotContain("musl's malloc");
    }

    @Test
    void aKilledProgramExits139WithTheKillingPcAndReport() throws Exception {
        CliRun r = run(program("write_code"));
        assertThat(r.exitCode()).as(r.err()).isEqualTo(139);
        assertThat(r.out()).contains("write_code: storing into main's own code\n",
                "Killed at pc 0x400194 <main+0x34>: write at 0x400160 (code): the mapping's rights refuse a write\n");
        assertThat(r.out()).as("a write into the code region: string literals live there too").contains(
                "The code region is the program's read-only segment: its instructions and its constants, string"
                        + " literals among them\n(char *s = \"...\" points there; a char s[] = \"...\" array is a copy"
                        + " that may be written).\n");
        assertThat(run(program("stack_overflow")).out()).doesNotContain("read-only segment");
        assertThat(r.out()).doesNotContain("Exited with status");
        // where it stopped: the store, the registers, the walk that found main's page read-only
        assertThat(r.out()).contains("Instruction at 0x400194: b9016022  str w2, [x1, #352]")
                .contains("Registers:\n  PC=0000000000400194", "walk of 0x400160 in ASID", ": page at pa 0x", ", r\n",
                        "Regions:\n  code       0x0000400000");

        CliRun j = run("--json", program("stack_overflow"));
        assertThat(j.exitCode()).as(j.err()).isEqualTo(139);
        JsonNode report = json(j);
        assertThat(report.at("/outcome").asText()).isEqualTo("killed");
        assertThat(report.at("/exitCode").isNull()).isTrue();
        assertThat(report.at("/kill/access").asText()).isEqualTo("write");
        assertThat(report.at("/kill/region").isNull()).isTrue();
        assertThat(report.at("/kill/reason").asText()).isEqualTo("stack overflow into the guard page");
        // addresses are numbers, as everywhere in the report (the dump's, the walk's, the registers)
        assertThat(report.at("/kill/pc").isIntegralNumber()).isTrue();
        assertThat(report.at("/kill/pc").asLong()).isEqualTo(0x4002e4L);
        assertThat(report.at("/kill/function").asText()).as("by the program's symbols, as the text says it")
                .isEqualTo("recurse+0x14");
        assertThat(report.at("/kill/address").asLong() & -4096L).as("the guard page").isEqualTo(0x8f_ff7f_f000L);
        assertThat(report.at("/kill/stop/pc").asLong()).isEqualTo(0x4002e4L);
        assertThat(report.at("/kill/stop/registers/pc").asLong()).isEqualTo(0x4002e4L);
        assertThat(report.at("/kill/stop/walk/vaddr").asLong()).isEqualTo(report.at("/kill/address").asLong());
        assertThat(report.at("/kill/stop/fetched").asBoolean()).isTrue();
        assertThat(report.at("/kill/stop/operation").asText()).isNotEmpty();
        assertThat(report.at("/kill/stop/assembly").asText()).isNotEmpty();
        assertThat(report.at("/kill/stop/word").asLong()).as("the encoding, unsigned").isNotNegative();
        JsonNode steps = report.at("/kill/stop/walk/steps");
        assertThat(steps.size()).isPositive();
        assertThat(steps.get(steps.size() - 1).at("/kind").asText()).as("nothing maps the guard page").isEqualTo("INVALID");
        // the recursion that overflowed, folded, under main: read from the stack before teardown
        JsonNode calls = report.at("/kill/stop/calls/returns");
        assertThat(calls.get(0).at("/function").asText()).startsWith("recurse+0x");
        assertThat(calls.get(0).at("/times").asLong()).isGreaterThan(100);
        assertThat(calls.get(1).at("/function").asText()).startsWith("main+0x");
        assertThat(report.at("/kill/stop/calls/end").asText()).contains("the C runtime's first frame");
        assertNothingLeaked(report);
    }

    @Test
    void aKillReportShowsTheCallsThatLedThere() {
        // student_bugs double: main frees a block twice; musl's free dies in get_meta
        CliRun r = run(program("student_bugs"), "double");
        assertThat(r.exitCode()).as(r.err()).isEqualTo(139);
        assertThat(r.out()).containsPattern("Backtrace \\(the frame records from x29\\):\n"
                + "   pc 0x[0-9a-f]+ <get_meta\\+0x[0-9a-f]+>\n"
                + "   lr 0x[0-9a-f]+ <__libc_free\\+0x[0-9a-f]+>  \\(x30: [^\n]*\n"
                + "   #1 0x[0-9a-f]+ <main\\+0x[0-9a-f]+>\n"
                + "   #2 0x[0-9a-f]+ <libc_start_main_stage2\\+0x[0-9a-f]+>\n"
                + "   \\(a return address of 0, the C runtime's first frame: the chain ends here\\)\nRegisters:\n");
    }

    @Test
    void aProgramThatAbortsExits134AndTheReportNamesSigabrt() throws Exception {
        CliRun r = run(program("student_exit"), "abort");
        assertThat(r.exitCode()).as(r.err()).isEqualTo(134);
        assertThat(r.out()).contains("Killed by SIGABRT (signal 6, exit status 134) at pc 0x")
                .contains("Instruction at ").contains("svc #0x0");

        CliRun j = run("--json", program("student_exit"), "kill");
        assertThat(j.exitCode()).as(j.err()).isEqualTo(143);
        JsonNode report = json(j);
        assertThat(report.at("/kill/signal").asInt()).isEqualTo(15);
        assertThat(report.at("/kill/sent").asBoolean()).isTrue();
        assertThat(report.at("/kill/reason").asText()).contains("sent it to itself with kill");
        assertNothingLeaked(report);
    }

    @Test
    void aForkingProgramsReportListsEveryProcess() throws Exception {
        CliRun text = run(program("fork_basic"));
        assertThat(text.exitCode()).as(text.err()).isZero();
        assertThat(text.out()).contains("Processes: 3, scheduled round robin, 10,000 instructions a turn\n")
                .containsPattern("  pid 1    parent 0    exit 0 +[0-9,]+ instructions")
                .containsPattern("  pid 2    parent 1    exit 7 +[0-9,]+ instructions")
                .containsPattern("  pid 3    parent 1    exit 3 +[0-9,]+ instructions, [0-9,]+ faults?, 1 system call\n");
        assertThat(text.out()).as("one block translated in fork_basic's cow run").contains(" ran in 1 block translated");

        CliRun j = run("--json", program("fork_wait"));
        assertThat(j.exitCode()).as(j.err()).isZero();
        JsonNode processes = json(j).at("/processes");
        assertThat(processes.size()).isEqualTo(7);
        assertThat(processes.get(2).at("/outcome").asText()).isEqualTo("killed by SIGSEGV");
        assertThat(processes.get(2).at("/signal").asInt()).isEqualTo(11);
        assertThat(processes.get(1).at("/exitCode").asInt()).isEqualTo(42);
        assertThat(processes.get(1).at("/parent").asInt()).isEqualTo(1);
        assertNothingLeaked(json(j));

        CliRun alone = run(program("hello"));
        assertThat(alone.out()).as("one process: no table").doesNotContain("Processes:");
    }

    @Test
    void theReportSaysHowMuchRanTranslatedAndHowOftenTheLoopEnteredIt() throws Exception {
        CliRun text = run(program("loop_k1"), "20000");
        assertThat(text.exitCode()).as(text.err()).isZero();
        assertThat(text.out()).containsPattern(
                "Translation: [0-9,]+ instructions \\([0-9.]+%\\) ran in [0-9,]+ blocks translated at their 256th entry,"
                        + " entered [0-9,]+ times\n");

        JsonNode t = json(run("--json", program("loop_k1"), "20000")).at("/translation");
        assertThat(t.at("/after").asInt()).isEqualTo(256);
        assertThat(t.at("/blocks").asLong()).isPositive();
        // each entry runs at least one block, of two instructions at least
        assertThat(t.at("/entries").asLong()).isPositive().isLessThanOrEqualTo(t.at("/instructions").asLong() / 2);

        JsonNode off = json(run("--json", "--translate-after", "0", program("loop_k1"), "20000")).at("/translation");
        assertThat(off.at("/instructions").asLong()).isZero();
        assertThat(off.at("/entries").asLong()).isZero();
    }

    @Test
    void theTextReportListsTheFirstProcessesAndSumsTheRestWhileJsonListsEveryOne() throws Exception {
        CliRun text = run(program("fork_many"), "64");
        assertThat(text.exitCode()).as(text.err()).isZero();
        assertThat(text.out()).contains("Processes: 65, scheduled round robin")
                .containsPattern("  pid 20   parent 1    exit 18 +[0-9,]+ instructions")
                .doesNotContain("  pid 21 ")
                .containsPattern("  \\.\\.\\. 45 more \\(45 exited\\): [0-9,]+ instructions, [0-9,]+ faults,"
                        + " [0-9,]+ system calls; --json lists every process\n");
        assertThat(text.out().lines().filter(l -> l.startsWith("  pid ")).count()).isEqualTo(RunCommand.PROCESS_LINES);

        CliRun j = run("--json", program("fork_many"), "64");
        JsonNode processes = json(j).at("/processes");
        assertThat(processes.size()).isEqualTo(65);
        assertThat(processes.get(64).at("/pid").asInt()).isEqualTo(65);
        assertNothingLeaked(json(j));
    }

    @Test
    void callsAnsweredWithEnosysAreNamed() throws Exception {
        CliRun threads = run(program("student_threads"));
        assertThat(threads.exitCode()).as(threads.err()).isZero();
        assertThat(threads.out()).contains("  clone              2\n", "  refused: clone of a thread, with a new stack"
                + " or with flags beyond fork's and vfork's, 2 (ENOSYS)\n");

        CliRun handler = run("--json", program("student_exit"), "signal");
        assertThat(handler.exitCode()).isZero();
        assertThat(json(handler).at("/refusedSystemCalls").toString()).isEqualTo("{}");
        assertThat(json(handler).at("/signalsDelivered").toString()).isEqualTo("{\"SIGINT\":1}");
    }

    @Test
    void theInstructionLimitStopsTheProgramWithStatus124() {
        CliRun r = run("--max-instructions", "1000", program("loop_k1"));
        assertThat(r.exitCode()).as(r.err()).isEqualTo(124);
        assertThat(r.out()).contains("Stopped (instruction limit): the limit of 1,000 instructions ran out at pc 0x",
                "a larger --max-instructions", "Instructions: 1,000;").doesNotContain("---- console");
    }

    @Test
    void argumentsAfterTheProgramReachItsArgv() throws Exception {
        CliRun r = run(program("loop_k1"), "1000");
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("Program: " + program("loop_k1") + " 1000\n",
                "loop_k1: 1000 iterations, checksum 6cb43886\n");

        CliRun j = run("--json", program("exec_data"), "heap");
        assertThat(j.exitCode()).isEqualTo(139);
        JsonNode report = json(j);
        assertThat(report.at("/argv/1").asText()).isEqualTo("heap");
        assertThat(report.at("/console").asText()).startsWith("exec_data: jumping into heap\n");
        assertThat(report.at("/kill/region").asText()).isEqualTo("heap");
    }

    @ParameterizedTest
    @ValueSource(strings = {"allocman", "capbuddy"})
    void ptTestPassesOnEitherAllocator(String allocator) throws Exception {
        CliRun r = run("--json", "--allocator", allocator, program("pt_test"));
        assertThat(r.exitCode()).as(r.err()).isZero();
        JsonNode report = json(r);
        assertThat(report.at("/machine/allocator").asText()).isEqualTo(allocator);
        assertThat(report.at("/console").asText()).isEqualTo("pt_test: stack and heap page-table test passed\n");
        assertThat(report.at("/faultsHandled").asLong()).isEqualTo(524);
        long calls = 0;
        for (JsonNode n : report.at("/systemCalls")) {
            calls += n.asLong();
        }
        assertThat(calls).isEqualTo(25);
        assertNothingLeaked(report);
    }

    @Test
    void aMissingFileExits1WithAMessageOnStderrOnly() {
        CliRun r = run(program("no_such_program"));
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).isEqualTo("capbuddy run: cannot read program " + program("no_such_program")
                + ": no such file or folder" + System.lineSeparator());
        assertThat(r.out()).isEmpty();

        CliRun stdin = run("--stdin", "no-such-input", program("hello"));
        assertThat(stdin.exitCode()).isEqualTo(1);
        assertThat(stdin.err()).contains("cannot read --stdin file no-such-input: no such file or folder");
        assertThat(stdin.out()).isEmpty();

        CliRun folder = run(Path.of("..", "programs").toString());
        assertThat(folder.exitCode()).isEqualTo(1);
        assertThat(folder.err()).contains("cannot read program " + Path.of("..", "programs") + ": it is a folder, not a file");
    }

    @Test
    void standardInputMayBeADeviceOrAPipeAndDashIsCapbuddysOwn() throws Exception {
        // a student pipes input in: echo hello | capbuddy run prog --stdin /dev/stdin, or --stdin -
        CliRun device = run("--stdin", "/dev/null", program("echo_stdin"));
        assertThat(device.exitCode()).as(device.err()).isZero();
        assertThat(device.out()).contains("echo_stdin: 0 bytes in 1 reads");
        java.io.InputStream saved = System.in;
        try {
            System.setIn(new java.io.ByteArrayInputStream("hello\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
            CliRun dash = run("--stdin", "-", program("echo_stdin"));
            assertThat(dash.exitCode()).as(dash.err()).isZero();
            assertThat(dash.out()).contains("HELLO\n", "echo_stdin: 6 bytes in 2 reads");
            assertThat(dash.err()).as("input was given: no note").isEmpty();
        } finally {
            System.setIn(saved);
        }
        CliRun none = run(program("echo_stdin"));
        assertThat(none.err()).as("a read of the empty default input is explained")
                .contains("note: the program read standard input, which is empty without --stdin");
        assertThat(run(program("hello")).err()).as("no read, no note").isEmpty();
        assertThat(run(program("pipeline")).err()).as("its reads are of a pipe (dup2 onto 0), not of the input")
                .isEmpty();
        CliRun stepping = run("--step", "--stdin", "-", program("echo_stdin"));
        assertThat(stepping.exitCode()).isEqualTo(2);
        assertThat(stepping.err()).contains("step mode reads its commands from standard input", "--commands FILE");
    }

    @Test
    void aSigsegvHandlerCatchesTheNullWriteAndTheReportCountsIt() {
        // as under Linux: the handler runs on the fault and siglongjmps back to main
        CliRun r = run(program("student_sighandler"));
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("signal(SIGSEGV) installed", "caught signal 11, back in main",
                "Signal handlers entered: SIGSEGV 1\n", "  rt_sigaction       ");
        assertThat(run(program("stack_overflow")).out()).as("no handler: no such line")
                .doesNotContain("Signal handlers entered");
    }

    @Test
    void aHugeArgvRunsAndTheReportShortensItsProgramLine() throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of(program("student_getopt"), "--"));
        for (int i = 1; i <= 20_000; i++) {
            args.add(String.valueOf(i));
        }
        CliRun r = run(args.toArray(String[]::new));
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("20000 operand(s): (too many to list)", "total operand length 88894",
                "Program: " + program("student_getopt") + " 1 2 3 ", " ... and ", " more arguments (20,000 in all, ");
        String programLine = r.out().lines().filter(l -> l.startsWith("Program: ")).findFirst().orElseThrow();
        assertThat(programLine.length()).isLessThan(RunCommand.PROGRAM_LINE + 100);
        args.add(0, "--json");
        assertThat(json(run(args.toArray(String[]::new))).at("/argv").size()).as("JSON keeps every argument")
                .isEqualTo(20_001);
    }

    @Test
    void aWordAfterDoubleDashReachesTheProgramAsWrittenNotAsAnArgumentFile(@TempDir Path dir) throws Exception {
        Path file = java.nio.file.Files.writeString(dir.resolve("name"), "--json\n");
        CliRun r = run(program("student_getopt"), "--", "@" + file, "@" + dir);
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("2 operand(s): '@" + file + "' '@" + dir + "'");
    }

    @Test
    void theProgramsOwnOptionsGoAfterDoubleDashAndTheRefusalSaysSo() {
        CliRun refused = run(program("student_getopt"), "-v", "-n", "3", "alpha", "--json");
        assertThat(refused.exitCode()).isEqualTo(2);
        assertThat(refused.err()).contains("Unknown options: '-v', '-n'",
                "put the program's options after --, as in",
                "  capbuddy run " + program("student_getopt") + " --json -- -v -n 3 alpha")
                .doesNotContain("Usage:");
        assertThat(refused.out()).isEmpty();

        CliRun passed = run("--json", program("student_getopt"), "--", "-v", "-v", "-n", "3", "alpha");
        assertThat(passed.exitCode()).as(passed.err()).isEqualTo(12);
        assertThat(passed.out()).contains("verbose 2, quiet 0, count 3, output '-'", "1 operand(s): 'alpha'");

        CliRun optionFirst = run("--seed", "2", "-q", program("student_getopt"));
        assertThat(optionFirst.err()).as("no program before the option: a placeholder")
                .contains("  capbuddy run PROGRAM.elf -- -q");
        assertThat(run(program("hello"), "--jsno").err()).as("a near miss still gets its suggestion")
                .contains("Did you mean: --json?");
    }

    /**
     * --program gives fork_exec's execve its target: the report says which programs each process
     * ran (text and JSON), execve counts as a served call, and the exit status is the program the
     * first process exec'd. Each bad --program is refused before anything runs: a malformed entry
     * or a path taken twice (the program's own too) with exit 2, a file that cannot be read or that
     * SOS's loader refuses with exit 1. Without --program the same execve is ENOENT.
     */
    @Test
    void programGivesExecveItsTargetAndTheReportNamesWhatEachProcessRan() throws Exception {
        String target = program("exec_target");
        CliRun text = run("--program", "bin/exec_target.elf=" + target, program("fork_exec"));
        assertThat(text.exitCode()).as(text.err()).isEqualTo(44);
        assertThat(text.out()).contains("  GREETING = hello from the parent\n", "  execve             4\n")
                .containsPattern("Exec'd: pid 1    \\S*fork_exec.elf, then \\./bin/\\.\\./bin/exec_target.elf\n")
                .containsPattern("        pid 2    \\S*fork_exec.elf, then bin/exec_target.elf\n")
                .doesNotContain("ENOSYS");

        CliRun j = run("--json", "--program", "bin/exec_target.elf=" + target, program("fork_exec"));
        assertThat(j.exitCode()).as(j.err()).isEqualTo(44);
        JsonNode processes = json(j).at("/processes");
        assertThat(processes.get(0).at("/execs").asInt()).isEqualTo(1);
        assertThat(processes.get(0).at("/images/1").asText()).isEqualTo("./bin/../bin/exec_target.elf");
        assertThat(processes.get(2).at("/images/1").asText()).isEqualTo("bin/exec_target.elf");
        assertNothingLeaked(json(j));

        CliRun none = run(program("fork_exec"));
        assertThat(none.out()).contains("child: execve failed: No such file or directory\n",
                "parent: execve failed: No such file or directory\n");
        assertThat(none.exitCode()).isEqualTo(1);

        CliRun malformed = run("--program", "bin/x", program("fork_exec"));
        assertThat(malformed.exitCode()).isEqualTo(2);
        assertThat(malformed.err()).contains("--program takes PATH=FILE, got 'bin/x'");
        CliRun twice = run("--program", "a=" + target, "--program", "/./a=" + target, program("fork_exec"));
        assertThat(twice.exitCode()).isEqualTo(2);
        assertThat(twice.err()).contains("already a program of the run");
        CliRun itself = run("--program", program("fork_exec") + "=" + target, program("fork_exec"));
        assertThat(itself.exitCode()).isEqualTo(2);
        assertThat(itself.err()).contains("names the program run");
        CliRun missing = run("--program", "a=no/such/file", program("fork_exec"));
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).contains("cannot read --program a file no/such/file");
        assertThat(missing.out()).isEmpty();
        CliRun notElf = run("--program", "a=" + Path.of("..", "programs", "README.md"), program("fork_exec"));
        assertThat(notElf.exitCode()).isEqualTo(1);
        assertThat(notElf.err()).contains("--program a: ", "cannot run in SOS", "ELF magic");
    }

    @Test
    void aFileThatIsNotAnElfProgramExits1WithAMessageOnStderrOnly() {
        String readme = Path.of("..", "programs", "README.md").toString();
        CliRun r = run(readme);
        assertThat(r.exitCode()).isEqualTo(1);
        assertThat(r.err()).startsWith("capbuddy run: " + readme + ": ").contains("refused", "ELF magic");
        assertThat(r.err().lines()).hasSize(1);
        assertThat(r.out()).isEmpty();

        CliRun j = run("--json", readme);
        assertThat(j.exitCode()).isEqualTo(1);
        assertThat(j.err()).contains("ELF magic");
        assertThat(j.out()).isEmpty();
    }

    @Test
    void badOptionsExit2WithTheirMessage() {
        CliRun ram = run("--ram", "1K", program("hello"));
        assertThat(ram.exitCode()).isEqualTo(2);
        assertThat(ram.err()).contains("--ram must be a multiple of 4 KiB from 64 MiB");
        assertThat(ram.out()).isEmpty();

        CliRun env = run("--env", "X", program("hello"));
        assertThat(env.exitCode()).isEqualTo(2);
        assertThat(env.err()).contains("--env takes NAME=VALUE, got 'X'");
        assertThat(env.out()).isEmpty();

        CliRun limit = run("--max-instructions", "0", program("hello"));
        assertThat(limit.exitCode()).isEqualTo(2);
        assertThat(limit.err()).contains("--max-instructions must be positive");

        CliRun allocator = run("--allocator", "slab", program("hello"));
        assertThat(allocator.exitCode()).isEqualTo(2);
        assertThat(allocator.err()).contains("--allocator must be capbuddy or allocman");

        assertThat(run().exitCode()).as("no program").isEqualTo(2);
    }

    @Test
    void standardInputComesFromTheStdinFile(@org.junit.jupiter.api.io.TempDir Path dir) throws java.io.IOException {
        Path input = java.nio.file.Files.writeString(dir.resolve("in.txt"), "hello\n");
        CliRun r = run("--stdin", input.toString(), program("echo_stdin"));
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("---- console\nHELLO\necho_stdin: 6 bytes in 2 reads\n----\n", "read               2");
    }

    @Test
    void environmentAndStandardInputAreAcceptedByAProgramThatIgnoresThem() {
        // hello reads neither its standard input nor its environment: they must simply run as before.
        String readme = Path.of("..", "programs", "README.md").toString();
        CliRun r = run("--env", "HOME=/", "--env", "TERM=dumb", "--stdin", readme, "--seed", "7", program("hello"));
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("---- console\nhello, world\n----\n", "Exited with status 0.");
    }
}
