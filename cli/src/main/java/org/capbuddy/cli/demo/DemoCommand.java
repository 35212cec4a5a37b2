package org.capbuddy.cli.demo;

import java.io.PrintWriter;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.capbuddy.cli.common.ByteSize;
import org.capbuddy.cli.common.CSpaceChoice;
import org.capbuddy.cli.common.Json;
import org.capbuddy.kernel.boot.Board;
import org.capbuddy.kernel.cost.CostSnapshot;
import org.capbuddy.libos.capbuddy.PoolConfig;
import org.capbuddy.libos.machine.MachineConfig;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.sos.Sos;
import org.capbuddy.sos.machine.Balance;
import org.capbuddy.sos.machine.SosConfig;
import org.capbuddy.sos.machine.SosMachine;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.programs.PtTest;
import org.capbuddy.sos.programs.PtTestResult;
import org.capbuddy.sos.user.MemoryFault;
import org.capbuddy.sos.user.UserContext;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code capbuddy demo}: boots a machine, brings up allocman and the CapBuddy pool, starts SOS,
 * runs the M3 pt_test in a user process, tears the process down and reports what was left.
 */
@Command(name = "demo", mixinStandardHelpOptions = true,
        description = "Boot, start SOS with CapBuddy, run pt_test in a user process, tear it down, report.")
public final class DemoCommand implements Callable<Integer> {

    @Option(names = "--ram", paramLabel = "SIZE", converter = ByteSize.class, defaultValue = "1G",
            description = "RAM of the simulated machine (at least 64M). Default: ${DEFAULT-VALUE}.")
    long ram;

    @Option(names = "--allocator", paramLabel = "capbuddy|allocman", defaultValue = "capbuddy",
            description = "Where SOS's frames come from: the CapBuddy pool or plain allocman. Default: ${DEFAULT-VALUE}.")
    String allocator;

    @Option(names = "--cspace", paramLabel = CSpaceChoice.NAMES, defaultValue = "scaled",
            description = "allocman's CSpace: scaled (two-level, sized to RAM) or original (the documented 18-bit "
                    + "single-level root). Default: ${DEFAULT-VALUE}.")
    String cspace;

    @Option(names = "--json", description = "Print one JSON object.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (!allocator.equals("capbuddy") && !allocator.equals("allocman")) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--allocator must be capbuddy or allocman, got '" + allocator + "'");
        }
        if (ram < (64L << 20) || ram > Board.maxVirtRam() || (ram & 4095) != 0) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--ram must be a multiple of 4 KiB from 64 MiB to " + ByteSize.format(Board.maxVirtRam()));
        }
        CSpaceChoice layout = CSpaceChoice.parse(cspace).orElseThrow(() -> new CommandLine.ParameterException(
                spec.commandLine(), "--cspace must be scaled or original, got '" + cspace + "'"));
        MachineConfig config = layout.config(ram)
                .withPool(allocator.equals("capbuddy") ? PoolConfig.defaults().withSpareTrees(0) : null);
        Result<SosMachine> booted = SosMachine.boot(config, SosConfig.defaults());
        if (!booted.isOk()) {
            return fail(booted.error().detail());
        }
        SosMachine machine = booted.value();
        Sos sos = machine.sos();
        Balance before = machine.settledBalance();
        CostSnapshot costsBefore = machine.kernel().costs();

        Result<Process> created = sos.createProcess(64 << 10, 16 << 10);
        if (!created.isOk()) {
            return fail("process creation failed: " + created.error());
        }
        Process p = created.value();
        PtTestResult result;
        try {
            result = new PtTest().run(new UserContext(p, sos.syscalls(p)));
        } catch (MemoryFault fault) {
            result = new PtTestResult(false, 0, java.util.List.of(), "pt_test was killed: " + fault.getMessage());
        }
        long faults = p.faultsHandled();
        long framesMapped = sos.pages().framesMapped();
        long structures = sos.pages().structuresCreated();
        long trees = machine.machine().pool().map(pool -> pool.pool().stats().treesCreated()).orElse(0L);
        Result<Void> destroyed = sos.destroy(p);
        if (!destroyed.isOk()) {
            return fail("teardown failed: " + destroyed.error());
        }
        CostSnapshot costs = machine.kernel().costs().minus(costsBefore);
        Balance leaked = machine.settledBalance().diff(before);
        var invariants = machine.kernel().checkInvariants();
        var kernelConfig = config.kernelConfig();

        Map<String, Long> byLabel = new LinkedHashMap<>();
        costs.invocations().forEach((label, n) -> byLabel.put(label.name(), n));
        DemoReport report = new DemoReport(
                new DemoReport.Machine(ram, allocator, CSpaceChoice.describe(config), config.rootCNodeBits(),
                        config.fanOut()),
                new DemoReport.PtTest(result.passed(), result.stackAddress(), hex(result.stackAddress()),
                        result.heapAddresses().stream().map(DemoCommand::hex).toList(), result.failure()),
                new DemoReport.Faults(faults, sos.faultHandler().kills()),
                new DemoReport.Allocated(framesMapped, structures, trees),
                new DemoReport.Kernel(costs.totalInvocations(), byLabel, costs.totalObjectsCreated(),
                        costs.bytesZeroed(), kernelConfig.costModel().cycles(costs)),
                new DemoReport.Teardown(DemoReport.Leaked.of(leaked), invariants.toString()));
        PrintWriter out = spec.commandLine().getOut();
        out.println(json ? Json.write(report) : render(report, sos.console()));
        out.flush();
        return result.passed() && leaked.isZero() && invariants.ok() ? 0 : 1;
    }

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
        s.append(String.format("  stack buffer at %s (above 0x8000000000: %s)%n", r.ptTest().stackAddressHex(),
                r.ptTest().stackAddress() > PtTest.TEST_ADDRESS ? "yes" : "no"));
        s.append(String.format("  heap blocks at %s%n", String.join(", ", r.ptTest().heapAddresses())));
        s.append(String.format("Faults handled: %d (processes killed: %d)%n", r.faults().handled(), r.faults().kills()));
        s.append(String.format("Frames mapped: %d; paging structures created: %d; CapBuddy trees made: %d%n",
                r.allocated().framesMapped(), r.allocated().pagingStructures(), r.allocated().poolTrees()));
        s.append(String.format("Kernel: %d invocations, %d objects created, %s zeroed, %.0f modelled cycles%n",
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
