package org.capbuddy.cli.bench;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.capbuddy.cli.common.ByteSize;
import org.capbuddy.cli.common.CSpaceChoice;
import org.capbuddy.cli.common.Json;
import org.capbuddy.kernel.boot.Board;
import org.capbuddy.libos.vka.Result;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code capbuddy bench WORKLOAD}: runs a workload once per allocator, each on a fresh machine
 * with the same seed, and reports exact kernel counts, modelled cycles, bookkeeping and wall
 * time, with the CapBuddy/stock ratios measured in the same run.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure CapBuddy against the stock allocman path on one workload: mcmc, single, contiguous, "
                + "utilisation, paging.")
public final class BenchCommand implements Callable<Integer> {

    @Parameters(index = "0", paramLabel = "WORKLOAD", description = "mcmc, single, contiguous, utilisation or paging")
    String workload;

    @Option(names = "--allocator", paramLabel = "capbuddy|allocman|both", defaultValue = "both",
            description = "Which allocator(s) to run. Default: ${DEFAULT-VALUE}.")
    String allocator;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--iterations", paramLabel = "N",
            description = "mcmc: iterations (default 20000); single: frames, rounded down to 2^n, n <= 15 (default 4096); "
                    + "contiguous: rounds per block size (default 100); utilisation, paging: ignored.")
    Long iterations;

    @Option(names = "--distribution", paramLabel = "p1|p2|p3", defaultValue = "p2",
            description = "mcmc block sizes: p1 uniform 1..1023, p2 uniform over 2^0..2^10, p3 2^k with p ~ 2^-(k+1). "
                    + "Default: ${DEFAULT-VALUE}.")
    String distribution;

    @Option(names = "--lifetime", paramLabel = "N", defaultValue = "80",
            description = "mcmc: a block lives uniform 1..N-1 iterations. Default: ${DEFAULT-VALUE}.")
    int lifetime;

    @Option(names = "--ram", paramLabel = "SIZE", converter = ByteSize.class, defaultValue = "1G",
            description = "RAM of each simulated machine. Default: ${DEFAULT-VALUE}.")
    long ram;

    @Option(names = "--cspace", paramLabel = CSpaceChoice.NAMES, defaultValue = "scaled",
            description = "allocman's CSpace: scaled (two-level, sized so every frame of RAM can be handed out) or "
                    + "original (the documented 18-bit single-level root, whose slots run out near 340 MiB of "
                    + "plain allocman frames). Default: ${DEFAULT-VALUE}.")
    String cspace;

    @Option(names = "--touch", paramLabel = "SIZE", converter = ByteSize.class, defaultValue = "256M",
            description = "paging: how much of one process's memory to touch, a page at a time (at most 64G). "
                    + "Default: ${DEFAULT-VALUE}.")
    long touch;

    @Option(names = "--access", paramLabel = "read|write", defaultValue = "read",
            description = "paging: read one byte of each page (a page never written costs the host no memory) or "
                    + "write one. Default: ${DEFAULT-VALUE}.")
    String access;

    @Option(names = "--out", paramLabel = "DIR", description = "Write JSON, CSV and PNG charts here.")
    Path out;

    @Option(names = "--json", description = "Print one JSON object instead of the table.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        List<String> allocators = switch (allocator) {
            case "both" -> List.of("capbuddy", "allocman");
            case "capbuddy", "allocman" -> List.of(allocator);
            default -> throw bad("--allocator must be capbuddy, allocman or both, got '" + allocator + "'");
        };
        Distribution dist;
        try {
            dist = Distribution.valueOf(distribution.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw bad("--distribution must be p1, p2 or p3, got '" + distribution + "'");
        }
        if (ram < (64L << 20) || ram > Board.maxVirtRam() || (ram & 4095) != 0) {
            throw bad("--ram must be a multiple of 4 KiB from 64 MiB to " + ByteSize.format(Board.maxVirtRam()));
        }
        CSpaceChoice layout = CSpaceChoice.parse(cspace)
                .orElseThrow(() -> bad("--cspace must be scaled or original, got '" + cspace + "'"));
        if (lifetime < 2) {
            throw bad("--lifetime must be at least 2");
        }
        long n = switch (workload) {
            case "mcmc" -> iterations == null ? 20_000 : iterations;
            case "single" -> iterations == null ? 4096 : iterations;
            case "contiguous" -> iterations == null ? 100 : iterations;
            case "utilisation" -> 0;
            case "paging" -> touch / 4096;
            default -> throw bad("WORKLOAD must be mcmc, single, contiguous, utilisation or paging, got '"
                    + workload + "'");
        };
        if (workload.equals("paging")) {
            if (touch < 4096 || touch > (64L << 30) || (touch & 4095) != 0) {
                throw bad("--touch must be a multiple of 4 KiB from 4K to 64G");
            }
            if (!access.equals("read") && !access.equals("write")) {
                throw bad("--access must be read or write, got '" + access + "'");
            }
        } else if (!workload.equals("utilisation") && (n < 1 || n > 10_000_000)) {
            throw bad("--iterations must be 1..10000000");
        }
        int singleExponent = workload.equals("single") ? Math.min(15, 63 - Long.numberOfLeadingZeros(n)) : 0;
        boolean showProgress = !json && System.console() != null;

        List<AllocatorRun> runs = new ArrayList<>();
        List<String> leaks = new ArrayList<>();
        for (String a : allocators) {
            Result<BenchSystem> booted = workload.equals("paging") ? BenchSystem.bootSos(a, layout.config(ram))
                    : BenchSystem.boot(a, layout.config(ram));
            if (!booted.isOk()) {
                spec.commandLine().getErr().println("capbuddy bench: cannot build the " + a + " machine: "
                        + booted.error().detail());
                return 1;
            }
            BenchSystem sys = booted.value();
            if (a.equals("allocman")) {
                sys.cspaceShortfall().ifPresent(text -> spec.commandLine().getErr()
                        .println("capbuddy bench: warning: " + text));
            }
            long total = switch (workload) {
                case "mcmc" -> n;
                case "single" -> 1L << singleExponent;
                case "contiguous" -> 11 * n;
                case "paging" -> n;
                default -> ram >>> 12;
            };
            Progress progress = Progress.start(workload + " " + a, total, showProgress);
            try {
                runs.add(switch (workload) {
                    case "mcmc" -> Workloads.mcmc(sys, seed, n, dist, lifetime, progress::step);
                    case "single" -> Workloads.single(sys, singleExponent, progress::step);
                    case "contiguous" -> Workloads.contiguous(sys, (int) n, progress::step);
                    case "paging" -> {
                        PagingWorkload.Outcome outcome = PagingWorkload.run(sys, touch, access.equals("write"),
                                progress::step);
                        if (!outcome.clean()) {
                            leaks.add(a + ": " + (outcome.teardownError() != null ? "teardown failed: "
                                    + outcome.teardownError() + "; " : "") + "left behind " + outcome.leaked());
                        }
                        yield outcome.run();
                    }
                    default -> Workloads.utilisation(sys, seed, progress::step);
                });
            } finally {
                progress.close();
            }
            var invariants = sys.kernel.checkInvariants();
            if (!invariants.ok()) {
                spec.commandLine().getErr().println("capbuddy bench: kernel invariants broken after " + a + ": " + invariants);
                return 1;
            }
        }
        BenchReport report = new BenchReport(workload, seed, workload.equals("single") ? 1L << singleExponent : n,
                ram, CSpaceChoice.describe(layout.config(ram)), workload.equals("mcmc") ? dist.name().toLowerCase(Locale.ROOT) : null, runs,
                BenchSystem.ratios(runs));
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.println(json ? Json.write(report) : BenchOutput.table(report));
        if (out != null) {
            try {
                for (Path written : BenchOutput.writeFiles(report, out)) {
                    if (!json) {
                        stdout.println("wrote " + written);
                    }
                }
            } catch (java.io.IOException e) {
                spec.commandLine().getErr().println("capbuddy bench: cannot write to " + out + ": " + e.getMessage());
                return 1;
            }
        }
        stdout.flush();
        for (String leak : leaks) {
            spec.commandLine().getErr().println("capbuddy bench: after teardown, " + leak);
        }
        return leaks.isEmpty() ? 0 : 1;
    }

    private CommandLine.ParameterException bad(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
