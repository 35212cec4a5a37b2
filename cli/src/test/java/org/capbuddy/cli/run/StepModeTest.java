package org.capbuddy.cli.run;

import static org.assertj.core.api.Assertions.assertThat;
import static org.capbuddy.cli.run.RunCli.program;
import static org.capbuddy.cli.run.RunCli.run;

import java.io.ByteArrayInputStream;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.SplittableRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.capbuddy.cli.CliRun;
import org.junit.jupiter.api.Test;

/**
 * {@code capbuddy run --step}, scripted as a student would type it: through standard input and
 * through a commands file. Each pause shows the events and the next instruction disassembled; the
 * commands show registers, walks and dumps of the paused process; the run ends as asked, and the
 * process is torn down with nothing leaked either way.
 */
class StepModeTest {
    /** Runs with {@code script} as standard input (restored afterwards). */
    private static CliRun withStdin(String script, String... args) {
        InputStream saved = System.in;
        System.setIn(new ByteArrayInputStream(script.getBytes(StandardCharsets.UTF_8)));
        try {
            return run(args);
        } finally {
            System.setIn(saved);
        }
    }

    @Test
    void aForkingProgramIsFollowedProcessByProcessAndEachPauseNamesThePid() {
        CliRun r = withStdin("c\n".repeat(16) + "r\n", "--step", "--pause-on", "syscalls", program("fork_basic"));
        assertThat(r.exitCode()).as(r.err()).isZero();
        String out = r.out();
        assertThat(out.substring(0, out.indexOf("syscalls clone"))).as("before the fork: one process, no pid line")
                .doesNotContain("   pid:  ");
        assertThat(out).contains("syscalls clone pid 1 ", "   pid:  1, next to run (2 of the run's 2 processes live)\n");
        assertThat(out).contains("syscalls wait4 pid 1 ", "result=none yet: it blocks",
                "   pid:  2, next to run (2 of the run's 2 processes live)\n", "syscalls gettid pid 2 @");
        assertThat(out).contains("parent: exited yes, exit status 7\n");
    }

    @Test
    void aSessionOnStandardInputPausesAtFaultsAndSystemCallsThenRunsToTheEnd() {
        CliRun r = withStdin("c\nc\n\nregs\ndis 0x400180 3\nhelp\nr\n", "--step", "--pause-on", "syscalls",
                program("hello"));
        assertThat(r.exitCode()).as(r.err()).isZero();
        String out = r.out();
        // the first pause: the process made, SOS writing its stack, the entry not yet mapped
        assertThat(out).startsWith("Step mode: type help for the commands.\n#1 processes created pid 1 ")
                .contains("-- about to run the first instruction\n   next: 0x400180 <_start>  (not mapped yet: fetching it will fault it in)\n");
        // on to the first system call, every fault on the way shown; then the next two
        assertThat(out).contains("(capbuddy) c\n#4 faults vm_fault pid 1 @0 ", "fault=translation level=0",
                "(capbuddy) \n");
        // each pause is right after its system call: the count the event carries (how many
        // instructions the C runtime runs first depends on argv's length, so it is read, not fixed)
        for (String call : List.of("set_tid_address", "ioctl", "writev")) {
            Matcher event = Pattern.compile("syscalls " + call + " pid 1 @(\\d+) ").matcher(out);
            assertThat(event.find()).as(call).isTrue();
            long at = Long.parseLong(event.group(1));
            assertThat(out).contains(String.format("-- paused after %,d instructions (syscall %s)%n", at, call));
        }
        assertThat(out).as("the program's output as it is written")
                .contains("syscalls writev pid 1 @", "---- console\nhello, world\n----\n-- paused after ");
        assertThat(out).contains("(syscall set_tid_address)\n   next: 0x400870 <__init_tp+0x40>  f0000004  adrp x4, 0x403000\n");
        assertThat(out).contains("  PC=", "X30=", "   0x400180 <_start>  ", "   0x400188 <_start+0x8>  ")
                .contains("s, step [N]", "q, quit");
        assertThat(out).contains("syscalls exit_group pid 1 @", "-- the program ended after ",
                "hello, world", "Exited with status 0.", "leaked frames 0, slots 0");
    }

    @Test
    void aCommandsFileStepsWalksDumpsAndQuitsLeavingNothingBehind() throws Exception {
        Path script = Files.createTempFile("capbuddy-step", ".txt");
        try {
            Files.writeString(script, String.join("\n", "s", "step 20", "walk 0x8ffffff000", "walk nowhere",
                    "dump", "dump frames", "dump pool", "dump cdt", "dump nonsense", "s 0", "frobnicate", "regs extra",
                    "step 1 2", "q now", "dump process extra", "dis 0x400185", "break 0x10", "help step", "q", ""));
            CliRun r = run("--step", "--commands", script.toString(), program("pt_test"));
            assertThat(r.exitCode()).as("stopped before the end: %s", r.err()).isEqualTo(1);
            String out = r.out();
            assertThat(out).contains("(capbuddy) s\n", "-- paused after 1 instruction (step)\n",
                    "-- paused after 21 instructions (step)\n");
            assertThat(out).contains("walk of 0x8ffffff000 in ASID ", "L3[511] of the table at pa ", "rw, execute-never",
                    "walk takes an address, e.g. walk 0x400000");
            assertThat(out).contains("Process 1: ", "L0 table (root)", "Frame table: ", "live references: 1",
                    "CapBuddy pool: ", "free blocks by order:", "CDT: ", "dump takes process, frames, pool or cdt");
            assertThat(out).contains("regs takes nothing after it, not 'extra'",
                    "step takes one number of instructions at most, not '2' too", "q takes nothing after it, not 'now'",
                    "dump takes one of process, frames, pool or cdt at most, not 'extra' too",
                    "dis takes a 4-byte aligned address", "0x10  (in no region: fetching it kills the process)",
                    "s, step [N]");
            assertThat(out).contains("step takes a positive number of instructions, not '0'",
                    "unknown command 'frobnicate': type help for the commands",
                    "Stopped by request after 21 instructions.", "Stopped before the end.",
                    "Instructions: 21;", "leaked frames 0, slots 0, untyped bytes 0");
        } finally {
            Files.deleteIfExists(script);
        }
    }

    @Test
    void theEndOfInputRunsToTheEndAndEveryNInstructionsPauses() {
        CliRun r = withStdin("c\nc\n", "--step", "--pause-on", "none", "--pause-every", "1000", program("pt_test"));
        assertThat(r.exitCode()).as(r.err()).isZero();
        assertThat(r.out()).contains("-- paused after 1,000 instructions (every 1000 instructions)",
                "-- paused after 2,000 instructions (every 1000 instructions)", "(end of input: running to the end)",
                "-- the program ended after ", "Exited with status 0.");
    }

    @Test
    void aStepPastTheInstructionLimitSaysTheLimitEndedIt() {
        CliRun r = withStdin("step 100\n", "--step", "--max-instructions", "50", program("pt_test"));
        assertThat(r.exitCode()).isEqualTo(124);
        assertThat(r.out()).contains("-- the program reached its instruction limit (--max-instructions) after 50"
                + " instructions");
    }

    @Test
    void aBreakpointPausesBeforeItsInstructionEachTimeAndCanBeListedAndDeleted() {
        // 0x4002c0 is the byte store of pt_test's stack-touching loop
        CliRun r = withStdin("b 0x4002c0\nc\nc\nb 0x4002c1\nb\ndelete 0x400000\ndelete 0x4002c0\nb\nc\nregs\n\nx 0x40ba58\n",
                "--step", "--pause-on", "none", program("pt_test"));
        assertThat(r.exitCode()).as(r.err()).isZero();
        String out = r.out();
        assertThat(out).contains("breakpoint at 0x4002c0 <do_pt_test+0x20>  (not mapped yet: fetching it will fault it in)\n");
        Matcher pauses = Pattern.compile("-- paused after ([\\d,]+) instructions \\(breakpoint 0x4002c0 <do_pt_test\\+0x20>\\)\n"
                + "   next: 0x4002c0 <do_pt_test\\+0x20>  38216840  strb w0, \\[x2, x1\\]\n").matcher(out);
        assertThat(pauses.find()).as(out).isTrue();
        long first = Long.parseLong(pauses.group(1).replace(",", ""));
        assertThat(pauses.find()).as("the loop comes round to it again").isTrue();
        assertThat(Long.parseLong(pauses.group(1).replace(",", ""))).isGreaterThan(first);
        assertThat(out).contains("break takes an instruction's address (4-byte aligned, below 2^48), not '0x4002c1'",
                "breakpoint at 0x4002c0 <do_pt_test+0x20>  38216840  strb w0, [x2, x1]\n",
                "no breakpoint at '0x400000' (break lists them)", "deleted the breakpoint at 0x4002c0",
                "no breakpoints", "-- the program ended after ", "Exited with status 0.",
                "(the session has ended: 2 commands of the script not run)");
    }

    @Test
    void anAddressMayBeASymbolOfTheProgramAsInGdb() {
        // hello.elf's symbols (nm): main at 0x400160, environ at 0x403598, three static 'dummy's
        CliRun r = withStdin("break main\nbreak mian\nbreak dummy\nb main+8\nc\ndis main 2\n\nx environ 1\n\nwatch environ\n"
                + "delete main\nq\n", "--step", "--pause-on", "none", program("hello"));
        String out = r.out();
        assertThat(out).contains("(capbuddy) break main\nbreakpoint at 0x400160 <main>  ",
                "no symbol 'mian' in the program\nbreak takes an instruction's address",
                "'dummy' names 3 symbols, at 0x", ": give the address",
                "(capbuddy) b main+8\nbreakpoint at 0x400168 <main+0x8>  ",
                "(breakpoint 0x400160 <main>)\n   next: 0x400160 <main>  a9bf7bfd  stp x29, x30, [sp, #-16]!\n",
                "(capbuddy) dis main 2\n=> 0x400160 <main>  a9bf7bfd  stp x29, x30, [sp, #-16]!\n   0x400164 <main+0x4>  ",
                "(capbuddy) x environ 1\n0x403598:  0x", "watching 8 bytes at 0x403598",
                // an empty line after dis or x goes on from where it stopped, as gdb's does
                "\n(capbuddy) \n   0x400168 <main+0x8>  ", "\n   0x40016c <main+0xc>  ",
                "\n(capbuddy) \n0x4035a0:  0x",
                "deleted the breakpoint at 0x400160");
    }

    @Test
    void aKillPausesWithTheProcessAsItDiedUntilACommandWouldRunIt() {
        CliRun r = withStdin("r\nregs\nwalk 0x400160\nx 0x400160 1\ns\nregs\n", "--step", program("write_code"));
        assertThat(r.exitCode()).as(r.err()).isEqualTo(139);
        String out = r.out();
        // (the count depends on argv[0]'s length, which the C runtime copies)
        Matcher kill = Pattern.compile("-- killed after [\\d,]+ instructions: write at 0x400160 \\(code\\): the mapping's"
                + " rights refuse a write\n   at:   0x400194 <main\\+0x34>  b9016022  str w2, \\[x1, #352\\]\n").matcher(out);
        assertThat(kill.find()).as(out).isTrue();
        assertThat(out)
                // the registers, the walk and memory as the kill left them, before teardown
                .contains("(capbuddy) regs\n  PC=0000000000400194", "walk of 0x400160 in ASID", ": page at pa 0x",
                        "(capbuddy) x 0x400160 1\n0x400160:  0x")
                .contains("(capbuddy) s\n(the program was killed: nothing more runs; the report follows)\n",
                        "(the session has ended: 1 command of the script not run)",
                        "Killed at pc 0x400194 <main+0x34>: write at 0x400160 (code)")
                .doesNotContain("Stopped by request", "-- the program ended");
        assertThat(kill.start()).as("the kill pauses before the report").isLessThan(out.indexOf("Machine:"));
    }

    @Test
    void aProcessThatAbortsPausesWithItsSignal() {
        CliRun r = withStdin("r\nregs\nq\n", "--step", program("student_exit"), "abort");
        assertThat(r.exitCode()).as(r.err()).isEqualTo(134);
        assertThat(r.out()).containsPattern("-- killed after [\\d,]+ instructions by SIGABRT \\(signal 6\\) at pc 0x")
                .contains("(capbuddy) regs\n  PC=").doesNotContain("Stopped by request");
    }

    @Test
    void quitAfterAKillReportsTheKill() {
        CliRun r = withStdin("r\nq\n", "--step", program("write_code"));
        assertThat(r.exitCode()).as(r.err()).isEqualTo(139);
        assertThat(r.out()).contains("-- killed after ", "Killed at pc 0x400194 <main+0x34>")
                .doesNotContain("Stopped by request");
    }

    @Test
    void aWatchPausesAfterTheStoreThatChangedItAndCanBeListedAndRemoved() {
        CliRun r = withStdin("watch 0x40ba58\nwatch 0x40ba5a 4\nwatch\nc\nx 0x40ba50 3\nx 0x7000000 1\nx 0x40ba51\n"
                + "unwatch 0x400000\nunwatch 0x40ba58\nwatch\nwatch 0x40ba58 1\nunwatch\nc\n", "--step", "--pause-on",
                "none", program("pt_test"));
        assertThat(r.exitCode()).as(r.err()).isZero();
        // x shows the word the watch reported, as the process would load it
        Matcher changed = Pattern.compile("watch 0x40ba58 <__environ>: 0x0 -> 0x([0-9a-f]+) ").matcher(r.out());
        assertThat(changed.find()).isTrue();
        assertThat(r.out()).contains(String.format("0x40ba50:  0x0000000000000000  0x%016x%n0x40ba60:  0x",
                Long.parseUnsignedLong(changed.group(1), 16)));
        assertThat(r.out()).contains("watching 8 bytes at 0x40ba58\n",
                "watch takes an address and a size of 1, 2, 4 or 8 bytes, the address aligned to it: not '0x40ba5a 4'",
                "-- paused after 83 instructions (watch 0x40ba58 <__environ>: 0x0 -> 0x",
                " (its page mapped since), by the instruction at 0x40049c <__init_libc+0x3c>)\n   next: 0x4004a0 <__init_libc+0x40>  ",
                "no watch at '0x400000' (watch lists them)", "removed the watch at 0x40ba58", "no watches",
                "0x7000000:  (not mapped)\n", "x takes an 8-byte aligned address below 2^48 and a count of 1 to 512 words",
                "watching 1 byte at 0x40ba58", "removed 1 watch\n", "-- the program ended after ",
                "Exited with status 0.");
    }

    @Test
    void aPageDroppedCleanInItsInitialStateReadsAsItsImageBytesAndAWatchOnItDoesNotFlip() {
        // 0x411f50 (stdout, in .data) is 0x412008 in the image; its page is dropped clean a few
        // instructions before the pause at 670 (how many the C runtime runs depends on argv's
        // length) and faulted in again after it, its bytes never changed by the program
        CliRun r = withStdin("watch 0x411f50 8\nc\nc\nx 0x411f50 1\n" + "c\n".repeat(40) + "quit\n", "--step",
                "--pause-on", "none", "--pause-every", "670", "--frames", "8", "--page-file", "16", "--paging-policy",
                "fifo", program("student_strings"));
        String out = r.out();
        assertThat(out).as(r.err()).containsPattern("page_drop pid 1 @\\d+ page=0x411000 slot=-1 frame=\\d+\n"
                        + "(#\\d+ faults (?!page_mapped pid 1 @\\d+ page=0x411000 )[^\n]*\n)*"
                        + "-- paused after 670 instructions \\(every 670 instructions\\)\n")
                .contains("(capbuddy) x 0x411f50 1\n0x411f50:  0x0000000000412008\n", "leaked frames 0, slots 0");
        assertThat(out).as("the watch reports its one real change only")
                .containsOnlyOnce("(watch 0x411f50").doesNotContain("unmapped since");
    }

    @Test
    void anAddressMayBeARegisterWithAnOffsetAndEveryAddressIsNamedByItsFunction() {
        // hello.elf (nm): main at 0x400160 (a9bf7bfd stp x29, x30, [sp, #-16]!), then bl puts
        CliRun r = withStdin("b main\nc\ns\nx $sp 1\nx $sp+8 1\nx $SP-0x10 1\nb $pc\nb $lr\nwalk $x31\nx $q\nb main-4\n"
                + "b main+-4\ndis main 8\ndis -4\ndis 0xfffffffffffc 3\nq\n", "--step", "--pause-on", "none",
                program("hello"));
        String out = r.out();
        Matcher sp = Pattern.compile("SP=([0-9a-f]{16})").matcher(withStdin("b main\nc\ns\nregs\nq\n", "--step",
                "--pause-on", "none", program("hello")).out());
        assertThat(sp.find()).as("the registers after the stp").isTrue();
        long stackPointer = Long.parseUnsignedLong(sp.group(1), 16);
        assertThat(out).contains(String.format("(capbuddy) x $sp 1%n0x%x:  0x", stackPointer),
                String.format("(capbuddy) x $sp+8 1%n0x%x:  0x", stackPointer + 8),
                String.format("(capbuddy) x $SP-0x10 1%n0x%x:  0x", stackPointer - 16),
                "(capbuddy) b $pc\nbreakpoint at 0x400164 <main+0x4>  ",
                "(capbuddy) walk $x31\nno register '$x31': $pc, $sp, $x0 to $x30, $fp (x29) or $lr (x30)\nwalk takes",
                "(capbuddy) x $q\nno register '$q'",
                "(capbuddy) b main-4\nbreakpoint at 0x40015c  ",
                "(capbuddy) b main+-4\nbreak takes an instruction's address",
                // a branch's target named as objdump names it
                "   0x400168 <main+0x8>  ", " <puts>\n",
                "(capbuddy) dis -4\ndis takes a 4-byte aligned address below 2^48",
                "(capbuddy) dis 0xfffffffffffc 3\n   0xfffffffffffc  (in no region: fetching it kills the process)\n(capbuddy)");
        assertThat(out).containsPattern("\\(capbuddy\\) b \\$lr\\nbreakpoint at 0x[0-9a-f]+ <\\w+\\+0x[0-9a-f]+>  ");
        assertThat(r.exitCode()).as(r.err()).isEqualTo(1);
    }

    @Test
    void backtraceFollowsTheFrameRecordsAndFoldsARecursion() {
        // stack_overflow.elf (nm): recurse at 0x4002d0 calls itself until its stp at 0x4002e4 faults
        CliRun r = withStdin("r\nbt\nbt now\nq\n", "--step", program("stack_overflow"));
        assertThat(r.exitCode()).as(r.err()).isEqualTo(139);
        String out = r.out();
        assertThat(out).contains("(it runs no further; regs, bt, x, walk, dis and dump show it as it was killed)",
                "(capbuddy) bt\n   pc 0x4002e4 <recurse+0x14>\n   lr 0x", "bt takes nothing after it, not 'now'");
        Matcher folded = Pattern.compile("   #1-#(\\d+) 0x[0-9a-f]+ <recurse\\+0x[0-9a-f]+>  \\(([\\d,]+) times\\)\n"
                + "   #(\\d+) 0x[0-9a-f]+ <main\\+0x[0-9a-f]+>\n").matcher(out);
        assertThat(folded.find()).as(out).isTrue();
        int last = Integer.parseInt(folded.group(1));
        assertThat(Long.parseLong(folded.group(2).replace(",", ""))).isEqualTo(last).isGreaterThan(100);
        assertThat(Integer.parseInt(folded.group(3))).isEqualTo(last + 1);
        assertThat(out).contains("a return address of 0, the C runtime's first frame: the chain ends here)\n");

        // at the first instruction of puts, called from main: the caller is x30, main's frame record the next
        CliRun b = withStdin("b puts\nc\nbt\nq\n", "--step", "--pause-on", "none", program("hello"));
        assertThat(b.out()).contains("   pc 0x400650 <puts>\n   lr 0x400174 <main+0x14>  (x30: ")
                .containsPattern("   #1 0x[0-9a-f]+ <libc_start_main_stage2\\+0x[0-9a-f]+>\n");
    }

    @Test
    void aRunThatEndsWithoutReachingABreakpointSaysSoAndWhy() {
        // student_bugs double: main calls say, never depth (the recursion bug's function), then dies in free
        CliRun r = withStdin("b depth\nb say\nc\nc\nq\n", "--step", "--pause-on", "none",
                program("student_bugs"), "double");
        assertThat(r.exitCode()).as(r.err()).isEqualTo(139);
        assertThat(r.out()).containsPattern("paused after [\\d,]+ instructions? \\(breakpoint 0x[0-9a-f]+ <say>\\)")
                .containsPattern("   \\(breakpoint at 0x[0-9a-f]+ <depth> never fired: no instruction there ran after it"
                        + " was set; if gcc inlined depth into its callers, its code runs inside them instead: build with"
                        + " -fno-inline, or break in a caller\\)\n")
                .doesNotContainPattern("<say> never fired");

        // deleted, or set where the program stands (the next continue runs it first): not reported
        CliRun d = withStdin("b depth\nd depth\nb main\nc\nq\n", "--step", "--pause-on", "none",
                program("student_bugs"), "double");
        assertThat(d.out()).contains("(breakpoint 0x400160 <main>)").doesNotContain("never fired");
        CliRun here = withStdin("s 3\nb $pc\nc\nq\n", "--step", "--pause-on", "none", program("hello"));
        assertThat(here.out()).contains("-- the program ended after").doesNotContain("never fired");
        // a step of many instructions ran main without stopping at its breakpoint: not "never fired"
        CliRun stepped = withStdin("b main\ns 1000\nc\nq\n", "--step", "--pause-on", "none", program("hello"));
        assertThat(stepped.out()).contains("-- the program ended after").doesNotContain("never fired");
    }

    @Test
    void oddCommandsGetAnAnswerAndNeverEndTheSession() {
        long seed = Long.getLong("capbuddy.seed", System.nanoTime());
        SplittableRandom random = new SplittableRandom(seed);
        List<String> verbs = List.of("b", "break", "d", "delete", "w", "watch", "unwatch", "x", "examine", "dis", "walk",
                "dump", "regs", "bt", "backtrace", "help", "frobnicate", "B", "", "?", "h");
        List<String> words = List.of("", "0x", "0X", "-1", "-0x4", "99999999999999999999999", "0xffffffffffffffff",
                "18446744073709551615", "$", "$sp", "$pc+", "$x31", "$x30-8", "$fp-0x", "main", "main+", "main-",
                "main+0x", "+", "-", "+4", "main+-4", "mian", "dummy", "0x_", "_", ",", "1,000", "0x400160", "0",
                "4096", "8", "3", "pool", "cdt", "\t", "\u00e9t\u00e9", "main+99999999999999999999");
        StringBuilder script = new StringBuilder();
        for (int i = 0; i < 300; i++) {
            StringBuilder line = new StringBuilder(verbs.get(random.nextInt(verbs.size())));
            for (int k = random.nextInt(4); k > 0; k--) {
                line.append(random.nextBoolean() ? " " : "  ").append(words.get(random.nextInt(words.size())));
            }
            script.append(line).append('\n');
        }
        script.append("q\n");
        CliRun r = withStdin(script.toString(), "--step", "--pause-on", "none", program("hello"));
        assertThat(r.err()).as("seed %d (-Dcapbuddy.seed=%d)", seed, seed).doesNotContain("Exception", "at org.");
        assertThat(r.out()).as("seed %d", seed).doesNotContain("Exception").contains("leaked frames 0, slots 0")
                .satisfiesAnyOf(o -> assertThat(o).contains("Stopped by request after "),
                        o -> assertThat(o).contains("-- the program ended after "));
    }

    @Test
    void tracePidChoosesTheEventsShownNotThePauses() {
        CliRun r = withStdin("c\nc\nq\n", "--step", "--trace", "faults", "--trace-pid", "2", program("hello"));
        assertThat(r.exitCode()).as(r.err()).isEqualTo(1);
        assertThat(r.out()).as("still pauses at the program's faults, showing none of process 1's events")
                .contains("-- paused after 1 instruction (vm_fault)\n").doesNotContain("#1 ", "pid 1");
        assertThat(r.err()).contains("capbuddy run: note: --trace-pid 2 kept no event: the trace named only process 1");
        CliRun one = withStdin("c\nq\n", "--step", "--trace", "faults", "--trace-pid", "1", program("hello"));
        assertThat(one.out()).contains("faults vm_fault pid 1 @0 ", "-- paused after 1 instruction (vm_fault)\n");
        assertThat(one.err()).doesNotContain("--trace-pid");
    }

    @Test
    void theOptionsHelpNamesEveryCommandTheSessionsHelpLists() {
        String options = run("--help").out().replaceAll("\\s+", " ");
        String session = withStdin("help\nq\n", "--step", program("hello")).out();
        // each line of the session's help: "  s, step [N]  ...", "  regs  ..."; the options name one of the two
        Matcher command = Pattern.compile("\n  (\\w+)(?:, (\\w+))?").matcher(session.substring(session.indexOf("Commands:")));
        int found = 0;
        while (command.find()) {
            String name = command.group(2) != null ? command.group(2) : command.group(1);
            if (!List.of("help", "delete", "unwatch").contains(name)) {
                assertThat(options).as("--step's help names %s", name).containsPattern("commands \\([^)]*\\b("
                        + command.group(1) + "|" + name + ")\\b");
                found++;
            }
        }
        assertThat(found).isGreaterThanOrEqualTo(12);
        assertThat(options).as("--dump's help, as the README has it").contains("the capability derivation tree");
    }

    @Test
    void badStepOptionsAreRefusedBeforeAnythingRuns() {
        assertThat(run("--pause-every", "10", program("hello")).exitCode()).isEqualTo(2);
        CliRun bogus = run("--step", "--pause-on", "faults,bogus", program("hello"));
        assertThat(bogus.exitCode()).isEqualTo(2);
        assertThat(bogus.err()).contains("--pause-on takes faults, syscalls (comma-separated) or none, not 'faults,bogus'");
        CliRun json = run("--step", "--json", program("hello"));
        assertThat(json.exitCode()).isEqualTo(2);
        assertThat(json.err()).contains("cannot be combined with --json");
        assertThat(run("--step", "--pause-every", "-1", program("hello")).exitCode()).isEqualTo(2);
        CliRun missing = run("--step", "--commands", "/nonexistent-dir/commands.txt", program("hello"));
        assertThat(missing.exitCode()).isEqualTo(1);
        assertThat(missing.err()).contains("cannot read the commands from /nonexistent-dir/commands.txt");
        assertThat(missing.out()).isEmpty();
    }
}
