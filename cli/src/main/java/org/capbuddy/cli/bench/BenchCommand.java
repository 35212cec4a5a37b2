package org.capbuddy.cli.bench;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.capbuddy.cli.common.ByteSize;
import org.capbuddy.cli.common.CSpaceChoice;
import org.capbuddy.cli.common.CSpaceShapeOptions;
import org.capbuddy.cli.common.Json;
import org.capbuddy.cli.common.OutFolder;
import org.capbuddy.cli.common.Problems;
import org.capbuddy.kernel.cost.CycleCostModel;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code capbuddy bench WORKLOAD}: runs a workload once per allocator, each on a fresh machine
 * with the same seed, and reports exact kernel counts, modelled cycles, bookkeeping and wall
 * time, with the CapBuddy/stock ratios measured in the same run.
 */
@Command(name = "bench", mixinStandardHelpOptions = true,
        description = "Measure CapBuddy against the stock allocman path on one workload (mcmc, single, contiguous, "
                + "utilisation, paging) or one of the original's experiments (mcmc-default, mce, mcmc-c, murbench).")
public final class BenchCommand implements Callable<Integer> {

    @Parameters(index = "0", arity = "0..1", paramLabel = "WORKLOAD",
            description = "mcmc, single, contiguous, utilisation or paging; or one of the original's experiments as"
                    + " it ran, an mcmc preset with the original's baseline beside the pool: mcmc-default"
                    + " (mcmc-default.c), mce (MR-MC test/mce.c), mcmc-c (mcmc.c; its baseline is plain allocman),"
                    + " murbench (MURbench buddy_test). Leave out with --spec.")
    String workload;

    @Option(names = "--spec", paramLabel = "FILE", description = "Run the spec in FILE: a report's JSON (its spec is"
            + " used) or a spec alone, in JSON or (named .yaml or .yml) YAML, the fields it leaves out taking their"
            + " defaults. It is the whole run: no WORKLOAD or workload options beside it.")
    Path specFile;

    @Option(names = "--allocator", paramLabel = "LIST", defaultValue = "both",
            description = "Which allocators to run, comma-separated: capbuddy, allocman (both: the two), the"
                    + " original's baselines mce-baseline and murbench-baseline, a frame policy's name (found on the"
                    + " class path by ServiceLoader) or class:CLASS (its provider's class). Default: ${DEFAULT-VALUE}"
                    + " (an original experiment: its own).")
    String allocator;

    @Option(names = "--seed", paramLabel = "N", defaultValue = "1", description = "Random seed: mcmc's block sizes and"
            + " lifetimes (an original experiment's too), utilisation's half freed; single, contiguous and paging draw"
            + " no random numbers. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(names = "--iterations", paramLabel = "N",
            description = "mcmc: iterations (default 20000); single: frames, a power of two up to 32768 (default"
                    + " 4096); contiguous: rounds per block size (default 100); utilisation, paging: not taken. An"
                    + " original experiment's own default is its iteration count.")
    Long iterations;

    @Option(names = "--distribution", paramLabel = "p1|p2|p3",
            description = "mcmc block sizes: p1 uniform 1..1023, p2 uniform over 2^0..2^10, p3 2^k with p ~ 2^-(k+1). "
                    + "Default: p2.")
    String distribution;

    @Option(names = "--lifetime", paramLabel = "N",
            description = "mcmc: a block lives uniform 1..N-1 iterations. Default: 80 (an original experiment: its own).")
    Integer lifetime;

    @Option(names = "--pool-requests", paramLabel = "blocks|frames",
            description = "mcmc: ask the pool for a block in one request (blocks, as mcmc-default.c does) or one 4 KiB"
                    + " frame at a time (frames, as mcmc.c and MURbench do). Default: blocks.")
    String poolRequests;

    @Option(names = "--ram", paramLabel = "SIZE", converter = ByteSize.class, defaultValue = "1G",
            description = "RAM of each simulated machine. Default: ${DEFAULT-VALUE} (mce: 112M, as it ran).")
    long ram;

    @Option(names = "--cspace", paramLabel = CSpaceChoice.NAMES, defaultValue = "scaled",
            description = "allocman's CSpace: scaled (two-level, sized so every frame of RAM can be handed out) or "
                    + "original (the documented 18-bit single-level root, whose slots run out near 330 MiB of "
                    + "plain allocman frames). Default: ${DEFAULT-VALUE}.")
    String cspace;

    @Option(names = "--touch", paramLabel = "SIZE", converter = ByteSize.class,
            description = "paging: how much of one process's memory to touch, a page at a time (at most 64G). "
                    + "Default: 256M.")
    Long touch;

    @Option(names = "--access", paramLabel = "read|write",
            description = "paging: read one byte of each page (a page never written costs the host no memory) or "
                    + "write one. Default: read.")
    String access;

    @Option(names = "--repeat", paramLabel = "N", defaultValue = "1", description = "Run each allocator N times,"
            + " each on a fresh machine: wall time as min, median, max and standard deviation; the exact counts must"
            + " agree to the digit (1..1000). Default: ${DEFAULT-VALUE}.")
    int repeat;

    @Option(names = "--cost", paramLabel = "NAME=CYCLES", split = ",", description = "Cycle cost model constants"
            + " to change, each once (perInvocation, perObjectCreated, perByteZeroed, perKernelWalk, perMmuWalk,"
            + " perFault), e.g."
            + " --cost perInvocation=300,perFault=2000. Default: 400, 150, 1/16, 40, 30, 1500.")
    Map<String, Double> cost;

    @Mixin
    CSpaceShapeOptions shape = new CSpaceShapeOptions();

    @Option(names = "--keep-trees", description = "The pool keeps every tree it makes, as the original CapBuddy"
            + " does, instead of giving fully free trees beyond the spares back to allocman.")
    boolean keepTrees;

    @Option(names = "--spare-trees", paramLabel = "N", description = "Fully free trees the pool keeps before it gives"
            + " one back (0..1024). Default: 1 (the paging workload's SOS: its own default, 1).")
    Integer spareTrees;

    @Option(names = "--out", paramLabel = "DIR", description = "Write JSON, CSV, and PNG and SVG charts here (made if missing;"
            + " checked before anything runs).")
    Path out;

    @Option(names = "--json", description = "Print one JSON object instead of the table.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        String unreadable = specFile == null ? null : Problems.unreadable(specFile);
        if (unreadable != null) {
            spec.commandLine().getErr().println("capbuddy bench: cannot read --spec " + specFile + ": " + unreadable);
            return 1;
        }
        BenchSpec run = specFile != null ? specFromFile() : specFromOptions();
        String problem = run.problem();
        if (problem != null) {
            // the problem names the option as the command line spells it; say it came from the file
            throw bad(specFile != null ? "--spec " + specFile + ": " + problem : problem);
        }
        // each allocator's machine is built once and dropped before any runs, so that one that
        // cannot be built is a bad option whatever the allocators' order
        String unbuildable = BenchRunner.machineProblem(run);
        if (unbuildable != null) {
            spec.commandLine().getErr().println("capbuddy bench: " + unbuildable);
            return spec.exitCodeOnInvalidInput();
        }
        if (out != null) {
            if (out.toString().isBlank()) {
                throw bad("--out needs a folder name");
            }
            String unusable = OutFolder.problem(out);
            if (unusable != null) {
                spec.commandLine().getErr().println("capbuddy bench: " + unusable);
                return 1;
            }
        }
        return run(run);
    }

    /**
     * The run the options describe: the options given, then (through {@link SpecDefaults}, as a
     * sweep's runs get them) an original experiment's parameters and every default the workload
     * takes.
     */
    private BenchSpec specFromOptions() {
        if (workload == null) {
            throw bad("Missing WORKLOAD (mcmc, single, contiguous, utilisation, paging, or an original experiment: "
                    + String.join(", ", OriginalExperiment.names()) + ") or --spec FILE");
        }
        if (keepTrees && spareTrees != null) {
            throw bad("--spare-trees does not go with --keep-trees, which keeps every tree");
        }
        OriginalExperiment original = OriginalExperiment.named(workload).orElse(null);
        CommandLine.ParseResult given = spec.commandLine().getParseResult();
        if (given.hasMatchedOption("--seed") && original == null && BenchSpec.WORKLOADS.contains(workload)
                && !BenchSpec.seeded(workload)) {
            // the same counts whatever the seed: a seed given would look varied and change nothing
            throw bad(workload + " draws no random numbers: --seed would be ignored (mcmc and utilisation take it)");
        }
        ObjectNode node = JsonNodeFactory.instance.objectNode();
        node.put("workload", original != null ? "mcmc" : workload);
        if (original != null) {
            node.put("experiment", original.name());
        }
        if (given.hasMatchedOption("--allocator")) {
            node.set("allocators", Json.tree(allocatorList()));
        }
        node.put("seed", seed);
        if (iterations != null) {
            node.put("iterations", iterations);
        }
        if (distribution != null) {
            node.put("distribution", distribution.toLowerCase(Locale.ROOT));
        }
        if (lifetime != null) {
            node.put("lifetime", lifetime);
        }
        if (poolRequests != null) {
            node.put("poolRequests", poolRequests.toLowerCase(Locale.ROOT));
        }
        if (given.hasMatchedOption("--ram")) {
            node.put("ram", ram);
        }
        // the option's words in any case, as --distribution's and --pool-requests' are
        node.put("cspace", cspace.toLowerCase(Locale.ROOT));
        if (touch != null) {
            node.put("touch", touch);
        }
        if (access != null) {
            node.put("access", access.toLowerCase(Locale.ROOT));
        }
        node.put("treePolicy", keepTrees ? BenchSpec.KEEP_ALL : BenchSpec.RETURN_SPARES);
        if (spareTrees != null) {
            node.put("spareTrees", spareTrees);
        }
        node.put("repeat", repeat);
        node.set("costModel", Json.tree(costModel()));
        if (shape.rootCNodeBits != null) {
            node.put("rootCNodeBits", shape.rootCNodeBits);
        }
        if (shape.fanOut != null) {
            node.put("fanOut", shape.fanOut);
        }
        BenchSpec run;
        try {
            run = SpecDefaults.complete(node);
        } catch (IllegalArgumentException e) {
            throw bad(e.getMessage());
        }
        if (!run.allocators().contains("capbuddy")) {
            // pool settings with no pool to take them would be ignored: refused, as an option the
            // workload does not take is
            String poolOption = poolRequests != null ? "--pool-requests says how the pool is asked"
                    : keepTrees ? "--keep-trees says which trees the pool keeps"
                    : spareTrees != null ? "--spare-trees says which trees the pool keeps" : null;
            if (poolOption != null) {
                throw bad(poolOption + ", and no allocator here uses it (--allocator "
                        + String.join(",", run.allocators()) + ")");
            }
        }
        return run;
    }

    /** --allocator as a list: "both" is capbuddy and allocman; no name may be empty. */
    private List<String> allocatorList() {
        List<String> allocators = allocator.equals("both") ? List.of("capbuddy", "allocman")
                : List.of(allocator.split(",", -1)).stream().map(String::trim).toList();
        if (allocators.stream().anyMatch(String::isEmpty)) {
            throw bad("--allocator must be capbuddy, allocman, both, or a comma-separated list, got '" + allocator + "'");
        }
        return allocators;
    }

    /**
     * The default cost model with --cost's constants in place of its own. A constant given twice,
     * in one list or in two --cost options, is refused: the map would keep the last value and
     * drop the other unseen.
     */
    private CycleCostModel costModel() {
        if (cost == null || cost.isEmpty()) {
            return CycleCostModel.DEFAULT;
        }
        String twice = costGivenTwice();
        if (twice != null) {
            throw bad("--cost names " + twice + " twice: give each constant once");
        }
        CycleCostModel d = CycleCostModel.DEFAULT;
        Map<String, Double> given = new java.util.HashMap<>(cost);
        CycleCostModel m = new CycleCostModel(given.getOrDefault("perInvocation", d.perInvocation()),
                given.getOrDefault("perObjectCreated", d.perObjectCreated()),
                given.getOrDefault("perByteZeroed", d.perByteZeroed()), given.getOrDefault("perKernelWalk", d.perKernelWalk()),
                given.getOrDefault("perMmuWalk", d.perMmuWalk()), given.getOrDefault("perFault", d.perFault()));
        given.keySet().removeAll(List.of("perInvocation", "perObjectCreated", "perByteZeroed", "perKernelWalk",
                "perMmuWalk", "perFault"));
        if (!given.isEmpty()) {
            // each name quoted, so that an empty one (--cost =5) shows as '' rather than vanishing
            throw bad("--cost knows perInvocation, perObjectCreated, perByteZeroed, perKernelWalk, perMmuWalk and"
                    + " perFault, not " + String.join(", ", given.keySet().stream().sorted().map(k -> "'" + k + "'")
                            .toList()));
        }
        return m;
    }

    /** The first constant --cost names a second time (each NAME=CYCLES of every --cost given), or null. */
    private String costGivenTwice() {
        CommandLine.Model.OptionSpec option = spec.commandLine().getParseResult().matchedOption("--cost");
        java.util.Set<String> seen = new java.util.HashSet<>();
        for (String given : option == null ? List.<String>of() : option.originalStringValues()) {
            for (String pair : given.split(",")) {
                // picocli has read each pair into the map already, so each has its '='
                String name = pair.substring(0, Math.max(0, pair.indexOf('=')));
                if (!seen.add(name)) {
                    return name;
                }
            }
        }
        return null;
    }

    /** The run in the --spec file; nothing else on the command line may describe the run. */
    private BenchSpec specFromFile() {
        CommandLine.ParseResult parsed = spec.commandLine().getParseResult();
        List<String> beside = new ArrayList<>();
        for (String option : List.of("--allocator", "--seed", "--iterations", "--distribution", "--lifetime",
                "--pool-requests", "--ram",
                "--cspace", "--touch", "--access", "--keep-trees", "--spare-trees", "--repeat", "--cost", "--root-cnode-bits", "--fan-out")) {
            if (parsed.hasMatchedOption(option)) {
                beside.add(option);
            }
        }
        if (workload != null) {
            beside.add(0, "WORKLOAD");
        }
        if (!beside.isEmpty()) {
            throw bad("--spec is the whole run; leave out " + String.join(", ", beside));
        }
        try {
            JsonNode tree = Json.read(specFile);
            JsonNode node = tree != null && tree.has("spec") ? tree.get("spec") : tree;
            if (node == null || !node.isObject()) {
                throw bad("--spec " + specFile + " is not a bench report or spec: not an object of fields");
            }
            // a sweep's files are near at hand beside its runs': say which command or file it wants
            if (node.has("base") && node.has("vary")) {
                throw bad("--spec " + specFile + " is a sweep, not a bench spec: run it with capbuddy sweep "
                        + specFile + " --out DIR");
            }
            if (node.has("sweep") && node.has("runs")) {
                throw bad("--spec " + specFile + " is a sweep's merged results, not a bench spec: each run's file"
                        + " under its runs/ folder is one");
            }
            // a report's spec has every field; one written by hand gets the defaults it leaves out
            return SpecDefaults.complete(((ObjectNode) node).deepCopy());
        } catch (CommandLine.ParameterException e) {
            throw e;
        } catch (IllegalArgumentException e) {
            throw bad("--spec " + specFile + ": " + e.getMessage());
        } catch (IOException | RuntimeException e) {
            throw bad(e instanceof IOException && !(e instanceof JsonProcessingException)
                    ? "cannot read --spec " + specFile + ": " + Problems.of(e, specFile)
                    : "--spec " + specFile + " is not a bench report or spec: " + Problems.of(e, specFile));
        }
    }

    private int run(BenchSpec run) {
        PrintWriter err = spec.commandLine().getErr();
        BenchRunner.Outcome outcome = new BenchRunner(!json && System.console() != null).run(run);
        outcome.warnings().forEach(w -> err.println("capbuddy bench: warning: " + w));
        if (outcome.report() == null) {
            err.println("capbuddy bench: " + outcome.error());
            return 1;
        }
        BenchReport report = outcome.report();
        PrintWriter stdout = spec.commandLine().getOut();
        stdout.println(json ? Json.write(report) : BenchOutput.table(report));
        if (out != null) {
            try {
                List<Path> files = BenchOutput.writeFiles(report, out);
                for (Path written : files) {
                    if (!json) {
                        stdout.println("wrote " + written);
                    }
                }
                for (Path earlier : BenchOutput.removeEarlier(report, out, files)) {
                    err.println("capbuddy bench: removed " + earlier + ", an earlier " + report.name() + " report's: this"
                            + " one has no data for it");
                }
            } catch (IOException e) {
                err.println("capbuddy bench: cannot write to " + out + ": " + Problems.of(e, out));
                return 1;
            }
        }
        stdout.flush();
        for (String leak : outcome.leaks()) {
            err.println("capbuddy bench: after teardown, " + leak);
        }
        return outcome.leaks().isEmpty() ? 0 : 1;
    }

    private CommandLine.ParameterException bad(String message) {
        return new CommandLine.ParameterException(spec.commandLine(), message);
    }
}
