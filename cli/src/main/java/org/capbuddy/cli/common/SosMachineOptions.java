package org.capbuddy.cli.common;

import org.capbuddy.kernel.boot.Board;
import org.capbuddy.libos.capbuddy.PoolConfig;
import org.capbuddy.libos.machine.MachineConfig;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.sos.machine.SosConfig;
import org.capbuddy.sos.machine.SosMachine;
import org.capbuddy.sos.paging.PageFile;
import org.capbuddy.sos.paging.PolicyRegistry;
import org.capbuddy.sos.process.ForkMode;
import picocli.CommandLine;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * The options of a command that boots a machine running SOS ({@code demo}, {@code run}): RAM,
 * where SOS's frames come from, allocman's CSpace and SOS's frame limit, checked and turned into a
 * booted {@link SosMachine}.
 */
public final class SosMachineOptions {
    @Option(names = "--ram", paramLabel = "SIZE", converter = ByteSize.class, defaultValue = "1G",
            description = "RAM of the simulated machine (at least 64M). Default: ${DEFAULT-VALUE}.")
    public long ram;

    @Option(names = "--allocator", paramLabel = "capbuddy|allocman", defaultValue = "capbuddy", converter = OptionWord.class,
            description = "Where SOS's frames come from: the CapBuddy pool or plain allocman. Default: ${DEFAULT-VALUE}.")
    public String allocator;

    @Option(names = "--cspace", paramLabel = CSpaceChoice.NAMES, defaultValue = "scaled", converter = OptionWord.class,
            description = "allocman's CSpace: scaled (two-level, sized to RAM) or original (the documented 18-bit "
                    + "single-level root). Default: ${DEFAULT-VALUE}.")
    public String cspace;

    @Mixin
    public CSpaceShapeOptions shape = new CSpaceShapeOptions();

    @Option(names = "--frames", paramLabel = "N",
            description = "The most frames SOS's frame table hands out (default: as many as its references name).")
    public Integer frames;

    @Option(names = "--page-file", paramLabel = "PAGES",
            description = "Page user memory out to a page file of PAGES 4 KiB slots when the frame table is full "
                    + "(default: 0, no paging: a fault that finds the table full kills the process).")
    public Integer pageFile;

    @Option(names = "--paging-policy", paramLabel = "fifo|second-chance|enhanced-second-chance",
            converter = OptionWord.class,
            description = "Which resident page goes to the page file: second-chance (the clock), fifo, or "
                    + "enhanced-second-chance (the clock preferring unreferenced clean pages, then unreferenced "
                    + "dirty ones). Default: second-chance. Needs --page-file.")
    public String pagingPolicy;

    @Option(names = "--fork", paramLabel = "cow|copy", converter = OptionWord.class,
            description = "How a fork gives the child its parent's pages: cow (shared copy-on-write, each mapping its own"
                    + " cap copy; a store copies the page) or copy (every page copied at once, the reference)."
                    + " Default: cow, or copy with --page-file (sharing needs SOS without paging). Only a program"
                    + " that forks (run) shows a difference: demo's processes do not fork.")
    public String fork;

    /** The machine configuration the options name, or a usage error naming the bad option. */
    public MachineConfig config(CommandLine cmd) {
        if (!allocator.equals("capbuddy") && !allocator.equals("allocman")) {
            throw new CommandLine.ParameterException(cmd, "--allocator must be capbuddy or allocman, got '" + allocator + "'");
        }
        if (ram < (64L << 20) || ram > Board.maxVirtRam() || (ram & 4095) != 0) {
            throw new CommandLine.ParameterException(cmd,
                    "--ram must be a multiple of 4 KiB from 64 MiB to " + ByteSize.format(Board.maxVirtRam()));
        }
        CSpaceChoice layout = CSpaceChoice.parse(cspace).orElseThrow(() -> new CommandLine.ParameterException(
                cmd, "--cspace must be scaled or original, got '" + cspace + "'"));
        MachineConfig config = layout.config(ram, shape.rootCNodeBits, shape.fanOut).withPool(allocator.equals("capbuddy") ? PoolConfig.defaults().withSpareTrees(0) : null);
        Result<Void> usable = config.check();
        if (!usable.isOk()) {
            throw new CommandLine.ParameterException(cmd, "this machine cannot be built: " + usable.error().detail());
        }
        return config;
    }

    /** SOS's configuration: the seed's frame table, limited by --frames, paging as --page-file and --paging-policy say. */
    public SosConfig sosConfig(CommandLine cmd) {
        SosConfig defaults = SosConfig.defaults();
        SosConfig limited = defaults;
        if (frames != null) {
            limited = new SosConfig(defaults.frameRefBits(), frames);
            if (!limited.check().isOk()) {
                throw new CommandLine.ParameterException(cmd, "--frames: " + limited.check().error().detail());
            }
        }
        if (pageFile != null && (pageFile < 0 || pageFile > PageFile.MAX_SLOTS)) {
            throw new CommandLine.ParameterException(cmd, "--page-file must be 0 (no paging).." + PageFile.MAX_SLOTS
                    + " pages, got " + pageFile);
        }
        // 0, the default, is no paging, as SosConfig's pageFilePages 0 is
        if (pageFile == null || pageFile == 0) {
            if (pagingPolicy != null) {
                throw new CommandLine.ParameterException(cmd, "--paging-policy needs --page-file PAGES (at least 1)");
            }
            return withFork(cmd, limited);
        }
        if (pagingPolicy != null && !PolicyRegistry.isKnown(pagingPolicy)) {
            throw new CommandLine.ParameterException(cmd, "--paging-policy must be one of "
                    + String.join(", ", PolicyRegistry.names()) + ", got '" + pagingPolicy + "'");
        }
        SosConfig paging = limited.withPaging(pageFile, pagingPolicy == null ? PolicyRegistry.defaultName() : pagingPolicy);
        if (!paging.check().isOk()) {
            throw new CommandLine.ParameterException(cmd, "--page-file: " + paging.check().error().detail());
        }
        return withFork(cmd, paging);
    }

    /** {@code config} with the fork mode --fork names (its default when not given), or a usage error. */
    private SosConfig withFork(CommandLine cmd, SosConfig config) {
        if (fork == null) {
            return config;
        }
        ForkMode mode = ForkMode.of(fork).orElseThrow(() -> new CommandLine.ParameterException(cmd,
                "--fork must be cow or copy, got '" + fork + "'"));
        if (mode == ForkMode.COW && config.paging()) {
            throw new CommandLine.ParameterException(cmd, "--fork cow needs SOS without paging (no --page-file): the"
                    + " pager evicts a page by taking its frame, which another process may map; use --fork copy");
        }
        return config.withForkMode(mode);
    }

    /** Boots the machine the options describe. */
    public Result<SosMachine> boot(CommandLine cmd) {
        return SosMachine.boot(config(cmd), sosConfig(cmd));
    }
}
