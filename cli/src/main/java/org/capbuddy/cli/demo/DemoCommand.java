package org.capbuddy.cli.demo;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.capbuddy.cli.common.ByteSize;
import org.capbuddy.cli.common.CSpaceChoice;
import org.capbuddy.cli.common.Json;
import org.capbuddy.cli.common.SosMachineOptions;
import org.capbuddy.kernel.cost.CostSnapshot;
import org.capbuddy.libos.machine.MachineConfig;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.sos.Sos;
import org.capbuddy.sos.machine.Balance;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.machine.SosMachine;
import org.capbuddy.sos.run.ProgramOutcome;
import org.capbuddy.sos.run.ProgramResult;
import org.capbuddy.sos.run.ProgramRunner;
import java.util.EnumSet;
import java.util.Set;
import org.capbuddy.aarch64.elf.ElfSymbols;
import org.capbuddy.cli.view.ViewOptions;
import org.capbuddy.cli.view.ViewServer;
import org.capbuddy.cli.view.ViewSession;
import org.capbuddy.kernel.trace.TraceKind;
import org.capbuddy.sos.run.PausedStart;
import org.capbuddy.sos.run.Stepper;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code capbuddy demo}: boots a machine, brings up allocman and the CapBuddy pool, starts SOS,
 * runs the seed's M3 pt_test, compiled unmodified against musl, in a user process on the A64
 * interpreter, tears the process down and reports what was left.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Boot, start SOS with CapBuddy, run the seed's pt_test (a real AArch64 musl program) in a user "
                + "process, tear it down, report.")
public final class DemoCommand implements Callable<Integer> {
    /** The seed's pt_test, compiled unmodified against musl (see programs/), shipped inside the jar. */
    static final String PT_TEST = "/org/capbuddy/cli/programs/pt_test.elf";
    private static final long MAX_INSTRUCTIONS = 100_000_000L;

    @Mixin
    SosMachineOptions machineOptions;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @Mixin
    ViewOptions viewOptions;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        CommandLine cmd = spec.commandLine();
        if (viewOptions.on() && json) {
            throw new CommandLine.ParameterException(cmd, "--view shows the state in the page and ends with the"
                    + " report as text; it cannot be combined with --json");
        }
        int viewPort = viewOptions.on() ? viewOptions.port(cmd) : -1;
        MachineConfig config = machineOptions.config(cmd);
        byte[] elf = ptTest();
        if (elf == null) {
            return fail("pt_test.elf is missing from the jar (rebuild with ./mvnw -B package)");
        }
        if (viewPort >= 0) {
            // bound before anything runs: a port that cannot be had stops the command here
            try (ViewServer server = viewOptions.bind(cmd, "demo")) {
                return server == null ? 1 : demo(cmd, config, elf, server);
            }
        }
        return demo(cmd, config, elf, null);
    }

    /** Boots, runs pt_test (whole, or as the view's page says), tears it down and reports. */
    private int demo(CommandLine cmd, MachineConfig config, byte[] elf, ViewServer view) {
        Result<SosMachine> booted = machineOptions.boot(cmd);
        if (!booted.isOk()) {
            fail(booted.error().detail());
            return cmd.getCommandSpec().exitCodeOnInvalidInput(); // the options describe a machine that cannot be built
        }
        SosMachine machine = booted.value();
        Sos sos = machine.sos();
        Balance before = machine.settledBalance();
        CostSnapshot costsBefore = machine.kernel().costs();

        long treesBefore = machine.machine().pool().map(pool -> pool.pool().stats().treesCreated()).orElse(0L);
        ProgramRunner.Launch launch = new ProgramRunner.Launch(elf, List.of("pt_test"), List.of(), new byte[0], 1,
                MAX_INSTRUCTIONS);
        ProgramResult run = view == null ? new ProgramRunner(sos).run(launch) : viewed(machine, launch, view);
        machine.kernel().state().tracer().stop();
        long trees = machine.machine().pool().map(pool -> pool.pool().stats().treesCreated()).orElse(0L) - treesBefore;
        boolean passed = run.outcome() == ProgramOutcome.EXITED && run.exitCode() == 0
                && run.console().contains("pt_test: stack and heap page-table test passed");
        String failure = passed ? null : describeFailure(run);
        CostSnapshot costs = machine.kernel().costs().minus(costsBefore);
        Balance leaked = machine.settledBalance().diff(before);
        var invariants = machine.kernel().checkInvariants();
        var kernelConfig = config.kernelConfig();

        Map<String, Long> byLabel = new LinkedHashMap<>();
        costs.invocations().forEach((label, n) -> byLabel.put(label.name(), n));
        List<String> heap = run.mmapAddresses().stream().filter(a -> a >= Layout.MMAP_BASE).map(DemoCommand::hex).toList();
        DemoReport report = new DemoReport(
                new DemoReport.Machine(machineOptions.ram, machineOptions.allocator, CSpaceChoice.describe(config),
                        config.rootCNodeBits(), config.fanOut()),
                new DemoReport.PtTest(passed, run.lowestStackPage(), hex(run.lowestStackPage()), heap, failure),
                new DemoReport.Program("pt_test.elf (musl, static, unmodified seed code)", run.instructions(),
                        run.systemCalls(), hex(run.initialSp())),
                new DemoReport.Faults(run.faultsHandled(), sos.faultHandler().kills()),
                new DemoReport.Allocated(run.framesMapped(), run.pagingStructures(), trees),
                new DemoReport.Kernel(costs.totalInvocations(), byLabel, costs.totalObjectsCreated(),
                        costs.bytesZeroed(), kernelConfig.costModel().cycles(costs)),
                new DemoReport.Teardown(DemoReport.Leaked.of(leaked), invariants.toString()),
                DemoReport.Paging.of(machine, leaked));
        PrintWriter out = cmd.getOut();
        out.println(json ? Json.write(report) : render(report, run.console()));
        out.flush();
        return passed && leaked.isZero() && invariants.ok() ? 0 : 1;
    }

    /** pt_test started paused and run as the view's page says, then finished where it is and torn down. */
    private ProgramResult viewed(SosMachine machine, ProgramRunner.Launch launch, ViewServer view) {
        Set<Stepper.PauseOn> pauseOn = EnumSet.allOf(Stepper.PauseOn.class);
        Set<TraceKind> shown = EnumSet.of(TraceKind.FAULTS, TraceKind.SYSCALLS, TraceKind.PROCESSES);
        PausedStart started = PausedStart.start(machine.sos(), launch, pauseOn, 0, shown, e -> { });
        if (started.stepper() != null) {
            ViewSession.serve(view, machine, started.stepper(), ElfSymbols.of(launch.elf()),
                    e -> shown.contains(e.kind()), "pt_test", pauseOn, 0, spec.commandLine().getOut());
        }
        return started.finish(true).result();
    }

    private static String describeFailure(ProgramResult run) {
        return switch (run.outcome()) {
            case EXITED -> "pt_test exited with status " + run.exitCode();
            case KILLED -> "pt_test was killed: " + run.killReport();
            default -> "pt_test stopped: " + run.outcome() + (run.detail() == null ? "" : " (" + run.detail() + ")");
        };
    }

    private static byte[] ptTest() {
        try (InputStream in = DemoCommand.class.getResourceAsStream(PT_TEST)) {
            return in == null ? null : in.readAllBytes();
        } catch (IOException e) {
            return null;
        }
    }

    /** pt_test's own bound: its stack buffer must be above 0x8000000000. */
    private static final long TEST_ADDRESS = 0x80_0000_0000L;

    private static String hex(long v) {
        return String.format("0x%x", v);
    }

    private int fail(String message) {
        spec.commandLine().getErr().println("capbuddy demo: " + message);
        return 1;
    }

    private static String render(DemoReport r, String console) {
        StringBuilder s = new StringBuilder();
        s.append(String.format("Machine: %s RAM, frames from %s (CSpace %s, fan-out %d).%n",
                ByteSize.format(r.machine().ramBytes()), r.machine().allocator(), r.machine().cspace(),
                r.machine().retypeFanOutLimit()));
        s.append(String.format("pt_test: %s%s%n", r.ptTest().passed() ? "PASSED" : "FAILED",
                r.ptTest().failure() == null ? "" : " (" + r.ptTest().failure() + ")"));
        s.append(String.format("  %s: %,d instructions, stack from %s%n", r.program().elf(), r.program().instructions(),
                r.program().initialSpHex()));
        s.append(String.format("  stack pages reached down to %s (above 0x8000000000: %s)%n", r.ptTest().stackAddressHex(),
                r.ptTest().stackAddress() > TEST_ADDRESS ? "yes" : "no"));
        s.append(String.format("  heap blocks (mmap) at %s%n", String.join(", ", r.ptTest().heapAddresses())));
        long calls = r.program().systemCalls().values().stream().mapToLong(Long::longValue).sum();
        s.append(String.format("  system calls: %d (%s)%n", calls, r.program().systemCalls().entrySet().stream()
                .map(e -> e.getKey() + " " + e.getValue()).collect(java.util.stream.Collectors.joining(", "))));
        s.append(String.format("Faults handled: %,d (processes killed: %,d)%n", r.faults().handled(), r.faults().kills()));
        s.append(String.format("Frames mapped: %d; paging structures created: %d; CapBuddy trees made: %d%n",
                r.allocated().framesMapped(), r.allocated().pagingStructures(), r.allocated().poolTrees()));
        if (r.paging() != null) {
            s.append(r.paging().render());
        }
        s.append(String.format("Kernel: %,d invocations, %,d objects created, %s zeroed, %,.0f modelled cycles%n",
                r.kernel().invocations(), r.kernel().objectsCreated(), ByteSize.format(r.kernel().bytesZeroed()),
                r.kernel().modelledCycles()));
        r.kernel().byLabel().forEach((label, n) -> s.append(String.format("  %-28s %d%n", label, n)));
        DemoReport.Leaked l = r.teardown().leaked();
        s.append(String.format("After teardown: leaked frames %d, slots %d, untyped bytes %d, mspace bytes %d"
                        + " (%d pages), window tables %d, processes %d, ASIDs %d; %s%n",
                l.frames(), l.slots(), l.untypedBytes(), l.mspaceBytes(), l.mspacePages(), l.windowTables(),
                l.processes(), l.asids(), r.teardown().invariants()));
        if (!console.isEmpty()) {
            s.append("Console:\n").append(console);
        }
        return s.toString();
    }
}
