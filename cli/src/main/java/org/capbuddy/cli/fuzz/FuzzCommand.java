package org.capbuddy.cli.fuzz;

import java.io.PrintWriter;
import java.util.concurrent.Callable;
import java.util.function.LongFunction;
import java.util.function.Supplier;
import org.capbuddy.cli.bench.Progress;
import org.capbuddy.fuzz.kernel.KernelFuzzer;
import org.capbuddy.fuzz.libos.LibosFuzzer;
import org.capbuddy.fuzz.sos.SosFuzzer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code capbuddy fuzz}: a long seeded soak of one layer's fuzzer. Prints the seed of any
 * failure and exits 1; exits 0 when every operation kept every promise.
 */
@Command(name = "fuzz", mixinStandardHelpOptions = true,
        description = "Run a seeded fuzzing soak of one layer: random and hostile operations, invariants checked.")
public final class FuzzCommand implements Callable<Integer> {
    private static final long CHUNK = 100_000;

    @Parameters(index = "0", arity = "0..1", paramLabel = "LAYER",
            description = "kernel: random invocations with hostile arguments and user accesses; "
                    + "libos: allocman and CapBuddy operations with hostile frees; "
                    + "sos: processes making random and hostile syscalls and memory accesses, "
                    + "checked against a reference model; the seed chooses the allocator, the frame table "
                    + "and demand paging (seeds 2 mod 3 page).")
    String layerArgument;

    /** The layer as an option, as earlier versions took it; the same as LAYER. */
    @Option(names = "--layer", hidden = true, paramLabel = "kernel|libos|sos")
    String layerOption;

    @Option(names = {"--iterations", "--ops"}, paramLabel = "N", defaultValue = "1000000",
            description = "Operations (--ops is the earlier name). Default: ${DEFAULT-VALUE}.")
    long ops;

    private String layer;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "Seed. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--check-every", paramLabel = "N", defaultValue = "1000",
            description = "Run the kernel's invariant checker every N operations. Default: ${DEFAULT-VALUE}.")
    int checkEvery;

    @Option(names = "--forks", description = "sos only: processes also fork, sharing their pages copy-on-write, the"
            + " deep check reading back every process and every frame's share count (seeds that page do not fork).")
    boolean forks;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        if (ops < 1 || checkEvery < 1) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "--iterations and --check-every must be positive");
        }
        if (layerArgument != null && layerOption != null && !layerArgument.equals(layerOption)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "LAYER and --layer name different layers");
        }
        layer = layerArgument != null ? layerArgument : layerOption;
        if (forks && !"sos".equals(layer)) {
            throw new CommandLine.ParameterException(spec.commandLine(), "--forks is for the sos layer");
        }
        if (layer == null) {
            throw new CommandLine.ParameterException(spec.commandLine(), "Missing LAYER: kernel, libos or sos");
        }
        if (!layer.equals("kernel") && !layer.equals("libos") && !layer.equals("sos")) {
            throw new CommandLine.ParameterException(spec.commandLine(),
                    "LAYER must be kernel, libos or sos, got '" + layer + "'");
        }
        PrintWriter out = spec.commandLine().getOut();
        long start = System.nanoTime();
        String failure;
        long checks;
        String detail = "";
        try (Progress progress = Progress.start("fuzz " + layer + " seed " + seed, ops, System.console() != null)) {
            switch (layer) {
                case "kernel" -> {
                    KernelFuzzer fuzzer = new KernelFuzzer(seed);
                    failure = null;
                    for (long done = 0; done < ops && failure == null; done += CHUNK) {
                        int n = (int) Math.min(CHUNK, ops - done);
                        var report = fuzzer.run(n, checkEvery);
                        failure = report.ok() ? null : "seed " + seed + ", after " + fuzzer.operations()
                                + " operations: " + report;
                        progress.step(n);
                    }
                    checks = fuzzer.invariantChecks();
                }
                case "libos" -> {
                    LibosFuzzer fuzzer = new LibosFuzzer(seed);
                    failure = soak(progress, n -> fuzzer.run(n, checkEvery), fuzzer::drainAndCheck);
                    checks = fuzzer.invariantChecks();
                    detail = String.format("  %,d time%s everything was freed and the balance was back at its start%n",
                            fuzzer.drains(), fuzzer.drains() == 1 ? "" : "s");
                }
                case "sos" -> {
                    SosFuzzer fuzzer = new SosFuzzer(seed, forks);
                    failure = soak(progress, n -> fuzzer.run(n, checkEvery), fuzzer::drainAndCheck);
                    checks = fuzzer.deepChecks();
                    detail = String.format("  SOS on %s: %,d process%s created, %,d killed (%,d out of memory)%n",
                            fuzzer.configuration(), fuzzer.processesCreated(),
                            fuzzer.processesCreated() == 1 ? "" : "es", fuzzer.kills(),
                            fuzzer.outOfMemoryKills());
                    if (fuzzer.forks() > 0) {
                        detail += String.format("  forks: %,d, sharing their pages; %,d copy-on-write copies, %,d"
                                + " reuses%n", fuzzer.forks(), fuzzer.cowCopies(), fuzzer.cowReuses());
                        detail += String.format("  MAP_SHARED: %,d mappings; %,d checked reads of a shared page another"
                                + " process stored to last%n", fuzzer.sharedMmaps(), fuzzer.sharedReadsOfOthersStores());
                    }
                    if (fuzzer.paging()) {
                        detail += String.format("  paging: %,d page-outs, %,d page-ins, %,d soft faults; "
                                        + "%,d allocations failed on purpose, %,d of them killing%n",
                                fuzzer.pageOuts(), fuzzer.pageIns(), fuzzer.softFaults(), fuzzer.failuresInjected(),
                                fuzzer.injectedKills());
                        detail += String.format("  dirty tracking: %,d clean drops (writes saved), %,d dirty faults, "
                                        + "%,d kept slots reclaimed%n",
                                fuzzer.cleanDrops(), fuzzer.dirtyFaults(), fuzzer.slotsReclaimed());
                    }
                }
                default -> throw new IllegalStateException("layer checked above: " + layer);
            }
        } catch (RuntimeException | Error e) {
            // an Error (an assertion, a stack overflow) is a finding too: it gets its seed and re-run line
            failure = "seed " + seed + ": threw " + e;
            checks = 0;
            if (e instanceof VirtualMachineError && !(e instanceof StackOverflowError)) {
                // the JVM itself ran short: say how to run it again, then let the error go on up
                spec.commandLine().getErr().println("FAILED: " + failure);
                spec.commandLine().getErr().println(rerunLine(layer, seed, ops, checkEvery) + (forks ? " --forks" : ""));
                throw e;
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        if (failure != null) {
            spec.commandLine().getErr().println("FAILED: " + failure);
            spec.commandLine().getErr().println(rerunLine(layer, seed, ops, checkEvery) + (forks ? " --forks" : ""));
            return 1;
        }
        out.printf("fuzz %s: %,d operations, seed %d, %,d invariant checks, all held (%.1f s)%n", layer, ops, seed,
                checks, seconds);
        out.print(detail);
        out.flush();
        return 0;
    }

    /** The command that runs the same soak again, every option that shapes it included. */
    static String rerunLine(String layer, long seed, long ops, int checkEvery) {
        return "re-run: ./capbuddy fuzz " + layer + " --seed " + seed + " --iterations " + ops + " --check-every "
                + checkEvery;
    }

    /**
     * Runs the operations in chunks (so that the progress bar moves), then the final drain and
     * balance check; returns the first failure, or null.
     */
    private String soak(Progress progress, LongFunction<String> run, Supplier<String> drainAndCheck) {
        for (long done = 0; done < ops; done += CHUNK) {
            long n = Math.min(CHUNK, ops - done);
            String failure = run.apply(n);
            progress.step(n);
            if (failure != null) {
                return failure;
            }
        }
        return drainAndCheck.get();
    }
}
