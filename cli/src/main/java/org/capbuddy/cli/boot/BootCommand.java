package org.capbuddy.cli.boot;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.capbuddy.cli.common.ByteSize;
import org.capbuddy.cli.common.Json;
import org.capbuddy.cli.common.TextTable;
import org.capbuddy.kernel.Kernel;
import org.capbuddy.kernel.KernelConfig;
import org.capbuddy.kernel.boot.Board;
import org.capbuddy.kernel.boot.BootInfo;
import org.capbuddy.kernel.boot.InitialCap;
import org.capbuddy.kernel.boot.UntypedDescriptor;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code capbuddy boot}: boots a simulated machine and shows what the root task receives. */
@Command(name = "boot", mixinStandardHelpOptions = true,
        description = "Boot a simulated seL4 machine and print the root task's boot info: "
                + "initial caps, untyped list, empty slot region.")
public final class BootCommand implements Callable<Integer> {

    @Option(names = "--ram", paramLabel = "SIZE", converter = ByteSize.class, defaultValue = "1G",
            description = "RAM at 0x40000000 (e.g. 512M, 2G, 64G; multiple of 4 KiB). Default: ${DEFAULT-VALUE}.")
    long ram;

    @Option(names = "--root-cnode-bits", paramLabel = "N", defaultValue = "12",
            description = "Root CNode size in bits, 7..26 (CapBuddy needs 18). Default: ${DEFAULT-VALUE}.")
    int rootCNodeBits;

    @Option(names = "--fan-out", paramLabel = "N", defaultValue = "256",
            description = "Retype fan-out limit (seL4 default 256; CapBuddy needs 1024). Default: ${DEFAULT-VALUE}.")
    int fanOut;

    @Option(names = "--json", description = "Print one JSON object instead of tables.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (ram < 4096 || (ram & 4095) != 0) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--ram must be a positive multiple of 4 KiB, got " + ram + " bytes");
        }
        if (ram > Board.maxVirtRam()) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--ram must be at most " + ByteSize.format(Board.maxVirtRam()) + " (RAM ends below the 1 TiB physical top)");
        }
        if (rootCNodeBits < KernelConfig.MIN_ROOT_CNODE_BITS || rootCNodeBits > KernelConfig.MAX_ROOT_CNODE_BITS) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--root-cnode-bits must be "
                    + KernelConfig.MIN_ROOT_CNODE_BITS + ".." + KernelConfig.MAX_ROOT_CNODE_BITS + ", got " + rootCNodeBits);
        }
        if (fanOut < 1 || fanOut > (1 << 20)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--fan-out must be 1..1048576, got " + fanOut);
        }
        KernelConfig config = KernelConfig.defaults().withBoard(Board.virt(ram)).withRootCNodeBits(rootCNodeBits)
                .withRetypeFanOutLimit(fanOut);
        var problem = config.problem();
        if (problem.isPresent()) {
            throw new CommandLine.ParameterException(spec.commandLine(), problem.get());
        }
        long start = System.nanoTime();
        Kernel kernel = Kernel.boot(config);
        BootInfo info = kernel.bootInfo();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Json.write(BootReport.of(config, info)));
        } else {
            out.print(render(config, info, (System.nanoTime() - start) / 1e6));
        }
        out.flush();
        return 0;
    }

    private static String render(KernelConfig config, BootInfo info, double millis) {
        StringBuilder s = new StringBuilder();
        s.append(String.format("Booted a %s AArch64 machine (root CNode %d bits, fan-out %d).%n%n",
                ByteSize.format(config.board().ram().get(0).size()), config.rootCNodeBits(), config.retypeFanOutLimit()));
        TextTable caps = new TextTable("slot", "initial cap", "holds");
        for (InitialCap c : InitialCap.values()) {
            String held = info.initialCaps().get(c);
            // seL4's null cap is an empty slot (these caps do not exist on this platform or configuration)
            caps.row(c.cptr(), c.name(), "null".equals(held) ? "empty (null cap)" : held);
        }
        s.append(caps.render()).append('\n');
        TextTable regions = new TextTable("region", "slots", "count");
        regions.row("userImagePaging", range(info.userImagePaging().start(), info.userImagePaging().end()), info.userImagePaging().size());
        regions.row("userImageFrames", range(info.userImageFrames().start(), info.userImageFrames().end()), info.userImageFrames().size());
        regions.row("untyped", range(info.untyped().start(), info.untyped().end()), info.untyped().size());
        regions.row("empty", range(info.empty().start(), info.empty().end()), info.empty().size());
        s.append(regions.render()).append('\n');
        TextTable uts = new TextTable("cptr", "paddr", "size", "bits", "kind");
        for (UntypedDescriptor u : info.untypedList()) {
            uts.row(u.cptr(), String.format("0x%010x", u.paddr()), ByteSize.format(u.size()), u.sizeBits(),
                    u.device() ? "device" : "RAM");
        }
        s.append(uts.render()).append('\n');
        s.append(String.format("RAM untypeds: %s in %d caps; device untypeds: %s in %d caps.%n",
                ByteSize.format(info.ramUntypedBytes()), info.untypedList().stream().filter(u -> !u.device()).count(),
                ByteSize.format(info.deviceUntypedBytes()), info.untypedList().stream().filter(UntypedDescriptor::device).count()));
        s.append(String.format("IPC buffer at 0x%x, boot info at 0x%x, image at 0x%x.%n", info.ipcBufferVaddr(),
                info.bootInfoVaddr(), info.userImageVaddr()));
        if (info.droppedUntypeds() > 0) {
            s.append(String.format("Warning: %d untyped blocks did not fit the boot info's %d entries and were dropped.%n",
                    info.droppedUntypeds(), org.capbuddy.kernel.boot.Bootstrap.MAX_UNTYPEDS));
        }
        return s.toString();
    }

    private static String range(long start, long end) {
        return "[" + start + ", " + end + ")";
    }

    /** The JSON form of the boot info. */
    record BootReport(long ramBytes, int rootCNodeBits, int retypeFanOutLimit, Map<String, String> initialCaps,
                      Map<String, long[]> slotRegions, List<UntypedDescriptor> untypeds, long ramUntypedBytes,
                      long deviceUntypedBytes, long ipcBufferVaddr, long bootInfoVaddr, int droppedUntypeds) {

        static BootReport of(KernelConfig config, BootInfo info) {
            Map<String, String> caps = new LinkedHashMap<>();
            for (InitialCap c : InitialCap.values()) {
                caps.put(c.name(), info.initialCaps().get(c));
            }
            Map<String, long[]> regions = new LinkedHashMap<>();
            regions.put("userImagePaging", new long[] {info.userImagePaging().start(), info.userImagePaging().end()});
            regions.put("userImageFrames", new long[] {info.userImageFrames().start(), info.userImageFrames().end()});
            regions.put("untyped", new long[] {info.untyped().start(), info.untyped().end()});
            regions.put("empty", new long[] {info.empty().start(), info.empty().end()});
            return new BootReport(config.board().ram().get(0).size(), config.rootCNodeBits(), config.retypeFanOutLimit(),
                    caps, regions, new ArrayList<>(info.untypedList()), info.ramUntypedBytes(), info.deviceUntypedBytes(),
                    info.ipcBufferVaddr(), info.bootInfoVaddr(), info.droppedUntypeds());
        }
    }
}
