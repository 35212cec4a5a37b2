package org.capbuddy.cli.run;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Consumer;
import org.capbuddy.cli.common.ByteSize;
import org.capbuddy.cli.common.CSpaceChoice;
import org.capbuddy.cli.common.Counted;
import org.capbuddy.cli.common.Json;
import org.capbuddy.cli.common.Problems;
import org.capbuddy.cli.common.SosMachineOptions;
import org.capbuddy.cli.demo.DemoReport;
import org.capbuddy.cli.view.ViewOptions;
import org.capbuddy.cli.view.ViewServer;
import org.capbuddy.cli.view.ViewSession;
import org.capbuddy.kernel.cost.CostSnapshot;
import org.capbuddy.libos.machine.MachineConfig;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.sos.machine.Balance;
import org.capbuddy.sos.machine.SosMachine;
import org.capbuddy.sos.linux.LinuxSyscall;
import org.capbuddy.sos.process.KillReport;
import org.capbuddy.sos.run.ProgramOutcome;
import org.capbuddy.aarch64.cpu.Interpreter;
import org.capbuddy.aarch64.elf.ElfSymbols;
import java.util.Arrays;
import java.util.EnumSet;
import java.util.Set;
import java.util.TreeMap;
import org.capbuddy.kernel.api.CdtDump;
import org.capbuddy.kernel.trace.TraceEvent;
import org.capbuddy.kernel.trace.TraceKind;
import org.capbuddy.libos.capbuddy.PoolDump;
import org.capbuddy.sos.frametable.FrameTableDump;
import org.capbuddy.sos.inspect.ProcessDump;
import org.capbuddy.sos.exec.ProgramLoader;
import org.capbuddy.sos.exec.ProgramTable;
import org.capbuddy.sos.run.ProgramResult;
import org.capbuddy.sos.run.PausedStart;
import org.capbuddy.sos.run.ProgramRunner;
import org.capbuddy.sos.run.Stepper;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code capbuddy run}: boots a machine, starts SOS, runs a static AArch64 ELF program in an SOS
 * process on the interpreter (its image mapped on demand, its system calls served by SOS), tears
 * the process down and reports how it ended and what it cost.
 */
@Command(name = "run", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Run a static AArch64 ELF program (musl or freestanding) in an SOS process and report.",
        footer = {"", "Exit status:",
            "  the program's own  it exited, and teardown left nothing behind",
            "  128 + N            it died of signal N: 139 SIGSEGV (an access SOS refused),",
            "                     132 SIGILL, 133 SIGTRAP, 135 SIGBUS, 137 SIGKILL (OOM),",
            "                     134 SIGABRT (abort), or a signal it sent itself",
            "  124                it reached --max-instructions",
            "  1                  SOS refused it, a file cannot be read, or step mode's quit stopped it",
            "  70                 teardown leaked or the kernel's invariants failed",
            "  2                  bad options, or a machine they describe cannot be built"})
public final class RunCommand implements Callable<Integer> {
    static final int KILLED = 139;
    static final int LIMIT = 124;
    static final int LEAKED = 70;
    private static final long MAX_FILE = 64L << 20;
    /** Processes the text report lists one a line; the rest are summed in one line (JSON lists every one). */
    static final int PROCESS_LINES = 20;

    @Parameters(index = "0", paramLabel = "PROGRAM.elf", description = "The program: a static AArch64 ELF executable.")
    Path program;

    @Parameters(index = "1..*", paramLabel = "ARGS", description = "Its arguments (argv[1] on). Those that start"
            + " with - go after --, as in: run prog.elf -- -v -n 3 (capbuddy takes its own options anywhere).")
    List<String> args = new ArrayList<>();

    @Mixin
    SosMachineOptions machineOptions;

    @Option(names = "--stdin", paramLabel = "FILE", description = "What the program reads on standard input: a file,"
            + " or - for what capbuddy itself reads (input piped in). Default: nothing.")
    Path stdin;

    /** {@code --stdin -}: the program reads what is piped into capbuddy. */
    private static final String STANDARD_INPUT = "-";

    @Option(names = "--env", paramLabel = "NAME=VALUE", description = "An environment variable (repeatable; default: none).")
    List<String> env = new ArrayList<>();

    @Option(names = "--program", paramLabel = "PATH=FILE", description = "A program execve may load (repeatable):"
            + " PATH is the name a program passes to execve (a relative one is taken from /, the working directory),"
            + " FILE the static AArch64 ELF on this host. The program run is reachable by its own path too.")
    List<String> programTable = new ArrayList<>();

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1",
            description = "Seeds AT_RANDOM and getrandom. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--max-instructions", paramLabel = "N", defaultValue = "10000000000",
            description = "Stop the program after this many instructions. Default: ${DEFAULT-VALUE}.")
    long maxInstructions;

    @Option(names = "--translate-after", paramLabel = "N", defaultValue = "" + Interpreter.DEFAULT_TRANSLATE_AFTER,
            description = "Translate a block of the program into a JVM method at its N-th entry; 0 interprets"
                    + " every instruction. It changes the speed, never the results. Default: ${DEFAULT-VALUE}.")
    int translateAfter;

    @Option(names = "--dump", description = "After the program ends, print its regions, its page tables as the"
            + " kernel holds them (each paging structure with its cap; pages in runs with rights, execute-never,"
            + " frames and caps), SOS's frame table, the CapBuddy pool's trees (free blocks by order, allocated frames)"
            + " and the capability derivation tree, then tear it down.")
    boolean dump;

    @Option(names = "--trace", paramLabel = "KINDS", description = "Trace events of these kinds while the program"
            + " runs: a comma-separated list of invocations, faults, syscalls, processes, pool, allocman, or all.")
    String trace;

    @Option(names = "--trace-out", paramLabel = "FILE", description = "Where the trace goes (default: standard output,"
            + " before the report).")
    Path traceOut;

    /** The trace being written, until it takes {@link #traceOut}'s name. */
    private Path tracePart;

    /** How trace events are written. */
    enum TraceFormat { text, json }

    @Option(names = "--trace-format", paramLabel = "text|json", defaultValue = "text",
            description = "One readable line per event, or JSON lines. Default: ${DEFAULT-VALUE}.")
    TraceFormat traceFormat;

    @Option(names = "--trace-pid", paramLabel = "PID", defaultValue = "-1",
            description = "Trace only the events of this SOS process: its own and those of the kernel, the pool and"
                    + " allocman made for it (its creation, faults, system calls, run and teardown).")
    int tracePid;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Mixin
    StepOptions stepOptions;

    @Mixin
    ViewOptions viewOptions;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        try {
            return runProgram();
        } finally {
            // a run that ended in an exception leaves no half-written trace beside --trace-out
            // (after a run that ended, the trace has been settled already and this does nothing)
            settleTrace(false);
        }
    }

    private int runProgram() {
        CommandLine cmd = spec.commandLine();
        if (maxInstructions <= 0) {
            throw new CommandLine.ParameterException(cmd, "--max-instructions must be positive");
        }
        if (translateAfter < 0) {
            throw new CommandLine.ParameterException(cmd, "--translate-after must be 0 (never) or more");
        }
        for (String e : env) {
            if (e.indexOf('=') <= 0) {
                throw new CommandLine.ParameterException(cmd, "--env takes NAME=VALUE, got '" + e + "'");
            }
        }
        Set<TraceKind> traced = null;
        if (trace != null) {
            traced = TraceKind.parse(trace);
            if (traced == null || traced.isEmpty()) {
                throw new CommandLine.ParameterException(cmd, "--trace takes a comma-separated list of "
                        + Arrays.stream(TraceKind.values()).map(TraceKind::optionName).toList() + " or all, not '"
                        + trace + "'");
            }
        } else if (traceOut != null || tracePid != -1) {
            throw new CommandLine.ParameterException(cmd, "--trace-out and --trace-pid need --trace");
        }
        if (tracePid != -1 && tracePid < 1) {
            throw new CommandLine.ParameterException(cmd, "--trace-pid takes a process id, 1 or more");
        }
        if (viewOptions.on()) {
            refuseWithView(cmd);
        }
        if ((stepOptions.step || viewOptions.on()) && traceFormat == TraceFormat.json && traceOut == null) {
            throw new CommandLine.ParameterException(cmd, (stepOptions.step ? "step mode shows events as text at each"
                    + " pause" : "the view shows the events in the page") + "; JSON lines (--trace-format json) go to a"
                    + " file: add --trace-out");
        }
        if (json && traced != null && traceOut == null) {
            throw new CommandLine.ParameterException(cmd, "--json prints one object on standard output: send the"
                    + " trace to a file with --trace-out");
        }
        if (stepOptions.step && stepOptions.commands == null && stdin != null && stdin.toString().equals(STANDARD_INPUT)) {
            throw new CommandLine.ParameterException(cmd, "step mode reads its commands from standard input, which"
                    + " --stdin - gives the program: put the commands in a file with --commands FILE");
        }
        Set<Stepper.PauseOn> pauseOn = stepOptions.validate(cmd, json, viewOptions.on());
        int viewPort = viewOptions.on() ? viewOptions.port(cmd) : -1;
        MachineConfig config = machineOptions.config(cmd);
        BufferedReader commands = null;
        if (stepOptions.step) {
            try {
                commands = stepOptions.open();
            } catch (IOException | RuntimeException e) {
                return fail("cannot read the commands from " + stepOptions.commands + ": "
                        + Problems.of(e, stepOptions.commands));
            }
        }
        byte[] elf = read(program, "program");
        if (elf == null) {
            return 1;
        }
        programs = programs(cmd, elf);
        if (programs == null) {
            return 1;
        }
        byte[] input;
        if (stdin == null) {
            input = new byte[0];
        } else if (stdin.toString().equals(STANDARD_INPUT)) {
            try {
                input = bounded(System.in, "--stdin - (capbuddy's standard input)");
            } catch (IOException e) {
                return fail("cannot read capbuddy's standard input for --stdin -: " + Problems.of(e, null));
            }
        } else {
            input = read(stdin, "--stdin file");
        }
        if (input == null) {
            return 1;
        }
        if (viewPort >= 0) {
            // bound before anything runs: a port that cannot be had stops the command here
            try (ViewServer server = viewOptions.bind(cmd, "run")) {
                return server == null ? 1 : run(cmd, config, elf, input, traced, pauseOn, null, server);
            }
        }
        return run(cmd, config, elf, input, traced, pauseOn, commands, null);
    }

    /** Boots the machine, runs the program as the options say (stepped, viewed or whole), and reports. */
    private int run(CommandLine cmd, MachineConfig config, byte[] elf, byte[] input, Set<TraceKind> traced,
            Set<Stepper.PauseOn> pauseOn, BufferedReader commands, ViewServer view) {
        Result<SosMachine> booted = machineOptions.boot(cmd);
        if (!booted.isOk()) {
            fail(booted.error().detail());
            return cmd.getCommandSpec().exitCodeOnInvalidInput(); // the options describe a machine that cannot be built
        }
        SosMachine machine = booted.value();
        PrintWriter traceWriter = null;
        if (traced != null && (traceOut != null || !stepOptions.step && view == null)) {
            traceWriter = openTrace();
            if (traceWriter == null) {
                return 1;
            }
        }
        Balance before = machine.settledBalance();
        CostSnapshot costsBefore = machine.kernel().costs();
        List<String> argv = new ArrayList<>();
        argv.add(program.toString());
        argv.addAll(args);
        ProgramRunner.Launch launch = new ProgramRunner.Launch(elf, argv, env, input, seed, maxInstructions,
                translateAfter, programs);
        ProgramRunner.Finished finished;
        if (stepOptions.step) {
            finished = stepped(machine, launch, traced, traceWriter, pauseOn, commands);
        } else if (view != null) {
            finished = viewed(machine, launch, traced, traceWriter, pauseOn, view);
        } else {
            startTrace(machine, traced, traceWriter);
            finished = new ProgramRunner(machine.sos()).run(launch, !dump);
        }
        ProgramResult result = finished.result();
        machine.kernel().state().tracer().stop();
        if (traceWriter != null) {
            traceWriter.flush();
            if (traceOut != null) {
                traceWriter.close();
            }
        }
        ProcessDump processDump = null;
        PoolDump poolDump = null;
        CdtDump cdtDump = null;
        FrameTableDump framesDump = null;
        if (finished.process() != null) {
            framesDump = machine.sos().frameTableDump();
            processDump = machine.sos().dump(finished.process()).orElse(null);
            poolDump = machine.sos().poolDump().orElse(null);
            cdtDump = machine.sos().cdtDump();
            machine.sos().destroy(finished.process());
        }
        CostSnapshot costs = machine.kernel().costs().minus(costsBefore);
        Balance leaked = machine.settledBalance().diff(before);
        var invariants = machine.kernel().checkInvariants();
        boolean nothingRan = result.outcome() == ProgramOutcome.REFUSED && leaked.isZero() && invariants.ok();
        if (!settleTrace(!nothingRan)) {
            return 1;
        }
        if (nothingRan) {
            // Nothing ran: say why on stderr, as for a file that cannot be read, with no report.
            return fail(program + ": " + result.detail());
        }
        Map<String, Long> byLabel = new LinkedHashMap<>();
        costs.invocations().forEach((label, n) -> byLabel.put(label.name(), n));
        RunReport.Kill kill = result.killReport() == null ? null : new RunReport.Kill(
                result.killReport().address(), result.killReport().access().name().toLowerCase(),
                result.killReport().region(), result.killReport().reason(), result.lastPc(),
                result.lastFunction(), result.stopReport(),
                result.killReport().signal(), result.killReport().sent());
        RunReport report = new RunReport(program.toString(), argv,
                new DemoReport.Machine(machineOptions.ram, machineOptions.allocator, CSpaceChoice.describe(config),
                        config.rootCNodeBits(), config.fanOut()),
                result.outcome().name().toLowerCase(), result.outcome() == ProgramOutcome.EXITED ? result.exitCode() : null,
                kill, result.detail(), result.console(), result.instructions(),
                new RunReport.Translation(translateAfter, result.translated().instructions(), result.translated().blocks(),
                        result.translated().entries()),
                result.systemCalls(),
                unsignedNumbers(result.unknownSystemCalls()), result.refusedSystemCalls(), result.signalsDelivered(),
                result.faultsHandled(),
                result.framesMapped(), result.pagingStructures(),
                result.processes().stream().map(RunReport.ProcessLine::of).toList(),
                new DemoReport.Kernel(costs.totalInvocations(), byLabel, costs.totalObjectsCreated(), costs.bytesZeroed(),
                        config.kernelConfig().costModel().cycles(costs)),
                new DemoReport.Teardown(DemoReport.Leaked.of(leaked), invariants.toString()), processDump, framesDump, poolDump, cdtDump,
                DemoReport.Paging.of(machine, leaked), DemoReport.Sharing.of(machine));
        PrintWriter out = cmd.getOut();
        out.println(json ? Json.write(report) : render(report));
        out.flush();
        if (stdin == null && result.readStandardInput()) {
            // a student who types at the terminal finds scanf at end of input at once: say why
            cmd.getErr().println("capbuddy run: note: the program read standard input, which is empty without"
                    + " --stdin: give it with --stdin FILE, or --stdin - for what is piped into capbuddy");
        }
        if (tracePid != -1 && !tracedPids.isEmpty() && !tracedPids.contains(tracePid)) {
            // an empty trace looks like a broken one: say which processes there were
            cmd.getErr().println("capbuddy run: note: --trace-pid " + tracePid + " kept no event: the trace named only"
                    + " process" + (tracedPids.size() == 1 ? " " : "es ") + tracedPids.stream().map(String::valueOf)
                    .collect(java.util.stream.Collectors.joining(", ")));
        }
        if (!leaked.isZero() || !invariants.ok()) {
            return LEAKED;
        }
        return switch (result.outcome()) {
            case EXITED -> (int) result.exitCode();
            case KILLED -> 128 + result.killReport().signal();
            case INSTRUCTION_LIMIT -> LIMIT;
            case STOPPED, REFUSED -> 1;
        };
    }

    /** Starts the trace of the kinds asked for into {@code writer}; nothing starts when none is asked for. */
    private void startTrace(SosMachine machine, Set<TraceKind> traced, PrintWriter writer) {
        if (traced == null) {
            return;
        }
        machine.kernel().state().tracer().start(traced, -1, traceSink(traced, writer));
    }

    /**
     * What the trace's events go to: the writer, for the kinds traced, and the record of the
     * processes they named. Every process's events come, --trace-pid's filter applied here: step
     * mode and the view pause at the program's faults and system calls whichever process's
     * events are shown.
     */
    private Consumer<TraceEvent> traceSink(Set<TraceKind> traced, PrintWriter writer) {
        return event -> {
            if (event.pid() >= 0) {
                tracedPids.add(event.pid());
            }
            if (writer != null && traced.contains(event.kind()) && ofTracedPid(event)) {
                writer.println(formatEvent(event));
            }
        };
    }

    /** The processes the trace's events named, for a --trace-pid that named none of them. */
    private final Set<Integer> tracedPids = new java.util.TreeSet<>();

    /** Whether {@code event} is one --trace-pid keeps (every one without it; an event of no process is left out with it). */
    private boolean ofTracedPid(TraceEvent event) {
        return tracePid == -1 || event.pid() == tracePid;
    }

    /** What step mode prints at each pause: the kinds traced, or faults, system calls and processes. */
    private static Set<TraceKind> shownInStepMode(Set<TraceKind> traced) {
        return traced != null ? traced : EnumSet.of(TraceKind.FAULTS, TraceKind.SYSCALLS, TraceKind.PROCESSES);
    }

    private String formatEvent(TraceEvent event) {
        return traceFormat == TraceFormat.json ? Json.line(TraceLine.of(event)) : event.text();
    }

    /** Step mode: the program started, then run as the commands say, then finished where it is. */
    private ProgramRunner.Finished stepped(SosMachine machine, ProgramRunner.Launch launch, Set<TraceKind> traced,
            PrintWriter traceWriter, Set<Stepper.PauseOn> pauseOn, BufferedReader commands) {
        Set<TraceKind> shown = shownInStepMode(traced);
        PausedStart started = PausedStart.start(machine.sos(), launch, pauseOn, stepOptions.pauseEvery,
                union(traced, shown), traceSink(traced == null ? Set.of() : traced, traceWriter));
        Stepper stepper = started.stepper();
        if (stepper == null) {
            try {
                commands.close();
            } catch (IOException e) {
                // nothing was read from it; the refusal is what gets reported
            }
            return started.finish(!dump);
        }
        PrintWriter out = spec.commandLine().getOut();
        try (BufferedReader in = commands) {
            new StepSession(stepper, in, out, stepOptions.echo(), e -> shown.contains(e.kind()) && ofTracedPid(e),
                    TraceEvent::text,
                    ElfSymbols.of(launch.elf())).run();
        } catch (IOException e) {
            out.println("(the commands' input did not close: " + e.getMessage() + ")");
        }
        return started.finish(!dump);
    }

    /** The view: the program started paused, then run as the page says, then finished where it is. */
    private ProgramRunner.Finished viewed(SosMachine machine, ProgramRunner.Launch launch, Set<TraceKind> traced,
            PrintWriter traceWriter, Set<Stepper.PauseOn> pauseOn, ViewServer view) {
        Set<TraceKind> shown = shownInStepMode(traced);
        PausedStart started = PausedStart.start(machine.sos(), launch, pauseOn, stepOptions.pauseEvery,
                union(traced, shown), traceSink(traced == null ? Set.of() : traced, traceWriter));
        if (started.stepper() != null) {
            ViewSession.serve(view, machine, started.stepper(), ElfSymbols.of(launch.elf()),
                    e -> shown.contains(e.kind()) && ofTracedPid(e), program.toString(), pauseOn, stepOptions.pauseEvery,
                    spec.commandLine().getOut());
        }
        return started.finish(!dump);
    }

    /** The options the view cannot be combined with, refused with the reason. */
    private void refuseWithView(CommandLine cmd) {
        if (stepOptions.step) {
            throw new CommandLine.ParameterException(cmd, "--view and --step are two ways to drive the program (a page"
                    + " or a prompt): choose one");
        }
        if (json) {
            throw new CommandLine.ParameterException(cmd, "--view shows the state in the page and ends with the"
                    + " report as text; it cannot be combined with --json");
        }
        if (traceOut != null && traceOut.toString().equals("-")) {
            throw new CommandLine.ParameterException(cmd, "--view shows the trace's events in the page: --trace-out"
                    + " takes a file to write them to as well, not -");
        }
        if (stepOptions.commands != null) {
            throw new CommandLine.ParameterException(cmd, "--commands is step mode's script: the view takes its"
                    + " commands from the page");
        }
    }

    private static Set<TraceKind> union(Set<TraceKind> a, Set<TraceKind> b) {
        Set<TraceKind> all = EnumSet.noneOf(TraceKind.class);
        if (a != null) {
            all.addAll(a);
        }
        all.addAll(b);
        return all;
    }

    /**
     * The trace's writer: standard output; for a {@code --trace-out} that is a file (or not there
     * yet), a file beside it that takes its name once the run is over ({@link #settleTrace}), so
     * that a refused program leaves no empty trace behind and an older trace of that name stays as
     * it was; anything else ({@code /dev/null}, a pipe, a link) written as it is. Null after an error.
     */
    private PrintWriter openTrace() {
        if (traceOut == null) {
            return spec.commandLine().getOut();
        }
        Path folder = traceOut.toAbsolutePath().getParent();
        if (Files.isDirectory(traceOut)) {
            fail("cannot write the trace to " + traceOut + ": it is a folder");
            return null;
        }
        try {
            if (Files.exists(traceOut) && !Files.isRegularFile(traceOut, LinkOption.NOFOLLOW_LINKS)) {
                return new PrintWriter(Files.newBufferedWriter(traceOut)); // cannot be replaced by a file
            }
            if (folder == null || !Files.isDirectory(folder)) {
                fail("cannot write the trace to " + traceOut + ": no folder " + folder);
                return null;
            }
            // made with the umask's permissions (a temporary file's would be the owner's alone),
            // removed if the JVM is stopped before the run ends
            tracePart = Files.createFile(folder.resolve("." + traceOut.getFileName() + "." + ProcessHandle.current().pid()
                    + "." + System.nanoTime() + ".part"));
            tracePart.toFile().deleteOnExit();
            keepPermissions(traceOut, tracePart);
            return new PrintWriter(Files.newBufferedWriter(tracePart));
        } catch (IOException | RuntimeException e) {
            fail("cannot write the trace to " + traceOut + ": " + Problems.of(e, traceOut));
            return null;
        }
    }

    /**
     * An older trace's permissions for the file that replaces it, where the file system has them
     * (elsewhere the new file keeps the default ones); when they cannot be copied, says so on
     * standard error and goes on, the trace itself being unharmed.
     */
    private void keepPermissions(Path older, Path replacement) {
        if (!Files.isRegularFile(older)) {
            return;
        }
        try {
            if (!Files.getFileStore(older).supportsFileAttributeView(java.nio.file.attribute.PosixFileAttributeView.class)) {
                return;
            }
            Files.setPosixFilePermissions(replacement, Files.getPosixFilePermissions(older));
        } catch (IOException e) {
            spec.commandLine().getErr().println("capbuddy run: note: the new trace keeps the default permissions, not "
                    + older + "'s: " + Problems.of(e, replacement));
        }
    }

    /** The trace file takes its name, or is removed when {@code keep} is false (nothing ran); false when it cannot. */
    private boolean settleTrace(boolean keep) {
        if (tracePart == null) {
            return true;
        }
        try {
            if (keep) {
                Files.move(tracePart, traceOut, StandardCopyOption.REPLACE_EXISTING);
            } else {
                Files.deleteIfExists(tracePart);
            }
            return true;
        } catch (IOException | RuntimeException e) {
            fail("cannot write the trace to " + traceOut + ": " + Problems.of(e, traceOut));
            return false;
        } finally {
            tracePart = null;
        }
    }

    /**
     * For options {@code run} does not know: a sentence saying that the program's own options go
     * after {@code --} (picocli reads every option it knows wherever it stands, and refuses the
     * others rather than guess they were the program's), with the user's own command line
     * rewritten that way as the example (capbuddy's options before {@code --}, everything from the
     * first unknown option on after it); null when no unknown word is an option.
     */
    public static String programOptionsHint(CommandLine cmd, CommandLine.UnmatchedArgumentException ex, String[] args) {
        List<String> unknown = ex.getUnmatched().stream().filter(w -> w.startsWith("-") && w.length() > 1).toList();
        if (unknown.isEmpty()) {
            return null;
        }
        int run = Arrays.asList(args).indexOf(cmd.getCommandName());
        List<String> before = new ArrayList<>();
        List<String> after = new ArrayList<>();
        boolean programNamed = false;
        for (int i = run + 1; run >= 0 && i < args.length; i++) {
            String word = args[i];
            CommandLine.Model.OptionSpec option = word.startsWith("-") ? cmd.getCommandSpec().findOption(word) : null;
            if (option != null) {
                before.add(word);
                if (option.arity().max() > 0 && i + 1 < args.length) {
                    before.add(args[++i]); // its value
                }
            } else if (!after.isEmpty() || unknown.contains(word)) {
                after.add(word);
            } else {
                before.add(word);
                programNamed |= !word.startsWith("-");
            }
        }
        String example = programNamed ? "capbuddy run " + String.join(" ", before) + " -- " + String.join(" ", after)
                : "capbuddy run PROGRAM.elf -- " + String.join(" ", unknown);
        return "capbuddy run takes its own options anywhere and refuses options it does not know rather than pass"
                + " them on: put the program's options after --, as in" + System.lineSeparator() + "  " + example
                + System.lineSeparator() + "(capbuddy run --help lists its own options)";
    }

    /**
     * The bytes of {@code file}, at most {@link #MAX_FILE}: a regular file, or a pipe or device
     * ({@code /dev/stdin} with input piped in, a shell's {@code <(...)}), read as a stream;
     * null, with the reason said, when it cannot be read or is too large.
     */
    private byte[] read(Path file, String what) {
        String unreadable = Problems.unreadable(file);
        if (unreadable != null) {
            fail("cannot read " + what + " " + file + ": " + unreadable);
            return null;
        }
        try (InputStream in = Files.newInputStream(file)) {
            return bounded(in, what + " " + file);
        } catch (IOException e) {
            fail("cannot read " + what + " " + file + ": " + Problems.of(e, file));
            return null;
        }
    }

    /** The programs execve may load: --program's, then the program run at its own path. */
    private ProgramTable programs;

    /**
     * The run's program table from --program PATH=FILE: a malformed entry or a PATH taken twice
     * (the program run's own path among them) is a bad option (exit 2); a FILE that cannot be
     * read, or that SOS's loader refuses as it would refuse the program run, fails the command
     * (exit 1), each before anything runs. Null when it failed, said.
     */
    private ProgramTable programs(CommandLine cmd, byte[] elf) {
        ProgramTable table = ProgramTable.empty();
        Result<ProgramTable> main = ProgramTable.empty().with(program.toString(), elf);
        for (String entry : programTable) {
            int eq = entry.indexOf('=');
            if (eq <= 0 || eq == entry.length() - 1) {
                throw new CommandLine.ParameterException(cmd, "--program takes PATH=FILE, got '" + entry + "'");
            }
            String path = entry.substring(0, eq);
            if (main.isOk() && main.value().has(path)) {
                throw new CommandLine.ParameterException(cmd, "--program " + path + " names the program run, which"
                        + " execve reaches by its own path already");
            }
            Result<ProgramTable> with = table.with(path, new byte[0]);
            if (!with.isOk()) {
                throw new CommandLine.ParameterException(cmd, "--program " + entry + ": " + with.error().detail());
            }
            Path file = Path.of(entry.substring(eq + 1));
            byte[] bytes = read(file, "--program " + path + " file");
            if (bytes == null) {
                return null;
            }
            Result<?> loadable = ProgramLoader.plan(bytes, List.of(path), List.of(), 0);
            if (!loadable.isOk()) {
                fail("--program " + path + ": " + file + " cannot run in SOS: " + loadable.error().detail());
                return null;
            }
            table = table.with(path, bytes).value();
        }
        return table;
    }

    /** At most {@link #MAX_FILE} bytes of {@code in}; null, said, when there are more. */
    private byte[] bounded(InputStream in, String what) throws IOException {
        byte[] bytes = in.readNBytes((int) MAX_FILE + 1);
        if (bytes.length > MAX_FILE) {
            fail(what + " is larger than " + ByteSize.format(MAX_FILE));
            return null;
        }
        return bytes;
    }

    private static String ordinalSuffix(int n) {
        if (n % 100 >= 11 && n % 100 <= 13) {
            return "th";
        }
        return switch (n % 10) {
            case 1 -> "st";
            case 2 -> "nd";
            case 3 -> "rd";
            default -> "th";
        };
    }

    /** System call numbers (x8, a whole register) as the unsigned values the program passed. */
    private static Map<String, Long> unsignedNumbers(Map<Long, Long> counts) {
        Map<String, Long> byNumber = new LinkedHashMap<>();
        counts.forEach((number, n) -> byNumber.put(Long.toUnsignedString(number), n));
        return byNumber;
    }

    private int fail(String message) {
        spec.commandLine().getErr().println("capbuddy run: " + message);
        return 1;
    }

    /** The longest argv the report's Program line shows whole; --json has every argument. */
    static final int PROGRAM_LINE = 200;

    /**
     * argv joined by spaces, as typed; a longer one (a test's 20,000 arguments) is cut after the
     * arguments that fit in {@link #PROGRAM_LINE} characters, with the count of the rest.
     */
    static String commandLine(List<String> argv) {
        String whole = String.join(" ", argv);
        if (whole.length() <= PROGRAM_LINE) {
            return whole;
        }
        StringBuilder shown = new StringBuilder(argv.get(0));
        int i = 1;
        while (i < argv.size() && shown.length() + 1 + argv.get(i).length() <= PROGRAM_LINE) {
            shown.append(' ').append(argv.get(i++));
        }
        int rest = argv.size() - i;
        return String.format("%s ... and %,d more argument%s (%,d in all, %s)", shown, rest, rest == 1 ? "" : "s",
                argv.size() - 1, ByteSize.format(whole.length()));
    }

    /** musl's allocator (mallocng): its entry points and the helpers its checks fail in. */
    private static final Set<String> MALLOC_FUNCTIONS = Set.of("malloc", "free", "realloc", "calloc", "aligned_alloc",
            "posix_memalign", "memalign", "malloc_usable_size", "__libc_malloc", "__libc_malloc_impl", "__libc_free",
            "__libc_realloc", "__libc_calloc", "get_meta", "nontrivial_free", "alloc_slot", "alloc_group", "enframe",
            "get_stride", "__malloc_alloc_meta", "__malloc_donate");

    /**
     * The function of musl's malloc a kill by SOS (not a signal the program sent) stopped in, or
     * null: its metadata checks crash on purpose (a write to address 0) or read through a
     * corrupted pointer, both far from the student's bug.
     */
    static String inMalloc(RunReport.Kill kill) {
        if (kill.sent() || kill.function() == null) {
            return null;
        }
        int plus = kill.function().indexOf('+');
        String name = plus < 0 ? kill.function() : kill.function().substring(0, plus);
        return MALLOC_FUNCTIONS.contains(name) ? kill.function() : null;
    }

    /** {@code " <main+0x58>"}, where the program's symbols place the PC, as objdump writes it; empty without. */
    private static String in(String function) {
        return function == null ? "" : " <" + function + ">";
    }

    /**
     * The line that sums the processes past {@link #PROCESS_LINES}: how many, how they ended
     * ("3,981 exited, 2 killed by SIGSEGV"), what they cost.
     */
    private static String moreProcesses(List<RunReport.ProcessLine> rest) {
        Map<String, Long> outcomes = new TreeMap<>();
        long instructions = 0;
        long faults = 0;
        long calls = 0;
        for (RunReport.ProcessLine p : rest) {
            // exits are counted together, whatever their codes; kills by their signal
            outcomes.merge(p.exitCode() != null ? "exited" : p.outcome(), 1L, Long::sum);
            instructions += p.instructions();
            faults += p.faultsHandled();
            calls += p.systemCalls();
        }
        StringBuilder how = new StringBuilder();
        outcomes.forEach((outcome, n) -> how.append(how.length() == 0 ? "" : ", ").append(String.format("%,d ", n))
                .append(outcome));
        return String.format("  ... %,d more (%s): %s, %s, %s; --json lists every process%n", rest.size(), how,
                Counted.of(instructions, "instruction"), Counted.of(faults, "fault"), Counted.of(calls, "system call"));
    }

    /**
     * The processes that exec'd, one a line, each with the programs it ran in order (the first
     * {@link #PROCESS_LINES}; --json's images list every one): nothing when none did.
     */
    private static String execs(List<RunReport.ProcessLine> processes) {
        List<RunReport.ProcessLine> execd = processes.stream().filter(p -> p.execs() > 0).toList();
        StringBuilder s = new StringBuilder();
        for (int i = 0; i < Math.min(PROCESS_LINES, execd.size()); i++) {
            RunReport.ProcessLine p = execd.get(i);
            s.append(i == 0 ? "Exec'd: " : "        ").append(String.format("pid %-4d %s%n", p.pid(),
                    String.join(", then ", p.images())));
        }
        if (execd.size() > PROCESS_LINES) {
            s.append(String.format("        ... %,d more processes exec'd; --json lists every process's images%n",
                    execd.size() - PROCESS_LINES));
        }
        return s.toString();
    }

    static String render(RunReport r) {
        StringBuilder s = new StringBuilder();
        s.append(String.format("Machine: %s RAM, frames from %s (CSpace %s).%n", ByteSize.format(r.machine().ramBytes()),
                r.machine().allocator(), r.machine().cspace()));
        s.append(String.format("Program: %s%n", commandLine(r.argv())));
        if (!r.console().isEmpty()) {
            s.append("---- console\n").append(r.console());
            if (!r.console().endsWith("\n")) {
                s.append('\n');
            }
            s.append("----\n");
        }
        switch (r.outcome()) {
            case "exited" -> s.append(String.format("Exited with status %d.%n", r.exitCode()));
            case "killed" -> {
                if (r.kill().sent()) {
                    s.append(String.format("Killed by %s (signal %d, exit status %d) at pc 0x%x%s: %s%n",
                            KillReport.signalName(r.kill().signal()), r.kill().signal(), 128 + r.kill().signal(),
                            r.kill().pc(), in(r.kill().function()), r.kill().reason()));
                } else {
                    s.append(String.format("Killed at pc 0x%x%s: %s at 0x%x (%s): %s%n", r.kill().pc(),
                            in(r.kill().function()), r.kill().access(),
                            r.kill().address(), r.kill().region() == null ? "no region" : r.kill().region(),
                            r.kill().reason()));
                }
                if (!r.kill().sent() && "write".equals(r.kill().access()) && "code".equals(r.kill().region())) {
                    // the image's read-only segment holds .rodata too: a string literal is there
                    s.append(String.format("The code region is the program's read-only segment: its instructions and"
                            + " its constants, string literals among them%n(char *s = \"...\" points there; a char s[]"
                            + " = \"...\" array is a copy that may be written).%n"));
                }
                String allocator = inMalloc(r.kill());
                if (allocator != null) {
                    // the fault is malloc's, the bug the student's: say where to look
                    s.append(String.format("The pc is in musl's malloc (%s): it died reading or checking its own"
                            + " records of the heap,%nwhich a write past a block's end, a double free, or freeing a pointer"
                            + " malloc did not return corrupts.%nThe backtrace below shows which call of the program's led"
                            + " there.%n", allocator));
                }
                if (r.kill().stop() != null) {
                    s.append(r.kill().stop().render());
                }
            }
            case "stopped" -> s.append(String.format("Stopped before the end%s.%n",
                    r.detail() == null || r.detail().equals("stopped before the end") ? "" : ": " + r.detail()));
            case "instruction_limit" -> s.append(String.format("Stopped (instruction limit)%s%n(a program in an"
                    + " endless loop ends here; one that needs longer needs a larger --max-instructions)%n",
                    r.detail() == null ? "" : ": " + r.detail()));
            default -> s.append(String.format("Stopped (%s)%s%n", r.outcome().replace('_', ' '),
                    r.detail() == null ? "" : ": " + r.detail()));
        }
        s.append(String.format("Instructions: %,d; faults handled: %,d; frames mapped: %,d; paging structures: %,d%n",
                r.instructions(), r.faultsHandled(), r.framesMapped(), r.pagingStructures()));
        if (r.processes().size() > 1) {
            // forked: each process's line, the run's figures above being their totals
            s.append(String.format("Processes: %d, scheduled round robin, %,d instructions a turn%n",
                    r.processes().size(), org.capbuddy.sos.run.ProgramRun.QUANTUM));
            List<RunReport.ProcessLine> shown = r.processes().subList(0, Math.min(PROCESS_LINES, r.processes().size()));
            for (RunReport.ProcessLine p : shown) {
                s.append(String.format("  pid %-4d parent %-4d %-26s %s, %s, %s%n", p.pid(), p.parent(), p.outcome(),
                        Counted.of(p.instructions(), "instruction"), Counted.of(p.faultsHandled(), "fault"),
                        Counted.of(p.systemCalls(), "system call")));
            }
            if (shown.size() < r.processes().size()) {
                s.append(moreProcesses(r.processes().subList(shown.size(), r.processes().size())));
            }
        }
        s.append(execs(r.processes()));
        if (r.sharing() != null) {
            s.append(r.sharing().render());
        }
        if (r.paging() != null) {
            s.append(r.paging().render());
        }
        RunReport.Translation t = r.translation();
        s.append(t.after() == 0 ? String.format("Translation: off (every instruction interpreted)%n")
                : String.format("Translation: %,d instructions (%.1f%%) ran in %s translated at their %d%s entry,"
                                + " entered %s%n",
                        t.instructions(), r.instructions() == 0 ? 0.0 : 100.0 * t.instructions() / r.instructions(),
                        Counted.of(t.blocks(), "block"), t.after(), ordinalSuffix(t.after()),
                        Counted.of(t.entries(), "time")));
        long calls = r.systemCalls().values().stream().mapToLong(Long::longValue).sum()
                + r.unknownSystemCalls().values().stream().mapToLong(Long::longValue).sum();
        s.append(String.format("System calls: %,d%n", calls));
        r.systemCalls().forEach((name, n) -> s.append(String.format("  %-18s %,d%n", name, n)));
        r.unknownSystemCalls().forEach((number, n) -> {
            String name = LinuxSyscall.nameOf(Long.parseUnsignedLong(number));
            s.append(String.format("  %-18s %,d (ENOSYS: not served)%n", "#" + number + (name == null ? "" : " " + name), n));
        });
        r.refusedSystemCalls().forEach((what, n) -> s.append(String.format("  refused: %s, %d (ENOSYS)%n", what, n)));
        if (r.signalsDelivered() != null && !r.signalsDelivered().isEmpty()) {
            s.append(String.format("Signal handlers entered: %s%n", r.signalsDelivered().entrySet().stream()
                    .map(e -> e.getKey() + " " + e.getValue()).collect(java.util.stream.Collectors.joining(", "))));
        }
        s.append(String.format("Kernel: %,d invocations, %,d objects created, %s zeroed, %,.0f modelled cycles%n",
                r.kernel().invocations(), r.kernel().objectsCreated(), ByteSize.format(r.kernel().bytesZeroed()),
                r.kernel().modelledCycles()));
        DemoReport.Leaked l = r.teardown().leaked();
        s.append(String.format("After teardown: leaked frames %d, slots %d, untyped bytes %d, mspace bytes %d,"
                        + " window tables %d, processes %d, ASIDs %d; %s%n", l.frames(), l.slots(), l.untypedBytes(),
                l.mspaceBytes(), l.windowTables(), l.processes(), l.asids(), r.teardown().invariants()));
        if (r.dump() != null) {
            s.append("---- dump (before teardown)\n").append(r.dump().render());
            s.append(r.frames().render());
            s.append(r.pool() != null ? r.pool().render() : "SOS's frames come from plain allocman: no CapBuddy pool\n");
            s.append(r.cdt().render());
        }
        return s.toString();
    }
}
