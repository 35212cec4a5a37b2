package org.capbuddy.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import org.capbuddy.cli.common.Json;
import org.capbuddy.cli.common.OutFolder;
import org.capbuddy.cli.common.Problems;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code capbuddy sweep SWEEP.json --out DIR}: every combination of a sweep's values, run on the
 * local cores, resumable, merged into one CSV and JSON with a chart across the varied field.
 */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = "Run a bench spec over the cross product of listed values (seeds, RAM, allocators, workload"
                + " options, pool settings) on the local cores; resumable; one merged CSV, JSON and chart.",
        footer = {"", "SWEEP: {\"base\": {a bench spec, defaults filled in}, \"vary\": {\"seed\": [1, 2, 3],"
                + " \"ram\": [\"256M\", \"1G\"], \"allocators\": [[\"capbuddy\"], [\"allocman\"]]}}",
            "Exit status: 0 every run done; 1 a run failed or the folder cannot be used; 2 bad options or sweep."})
public final class SweepCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "SWEEP", description = "The sweep: a base spec and the values to vary,"
            + " in JSON, or in YAML when the name ends in .yaml or .yml.")
    Path sweepFile;

    @Option(names = "--out", paramLabel = "DIR", required = true,
            description = "Where each run's result and the merged files go; running again on it resumes.")
    Path out;

    @Option(names = "--threads", paramLabel = "N", description = "Runs at once, each on its own thread and machines."
            + " Default: the number of cores.")
    Integer threads;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        CommandLine cmd = spec.commandLine();
        int cores = Runtime.getRuntime().availableProcessors();
        int n = threads == null ? cores : threads;
        if (n < 1 || n > 256) {
            throw new CommandLine.ParameterException(cmd, "--threads must be 1..256, got " + n);
        }
        PrintWriter stdout = cmd.getOut();
        PrintWriter err = cmd.getErr();
        String unreadable = Problems.unreadable(sweepFile);
        if (unreadable != null) {
            err.println("capbuddy sweep: cannot read " + sweepFile + ": " + unreadable);
            return 1;
        }
        JsonNode tree;
        SweepSpec sweep;
        try {
            tree = Json.read(sweepFile);
            sweep = SweepSpec.of(tree);
        } catch (IOException | RuntimeException e) {
            throw new CommandLine.ParameterException(cmd, "sweep " + sweepFile + ": " + Problems.of(e, sweepFile));
        }
        if (out.toString().isBlank()) {
            throw new CommandLine.ParameterException(cmd, "--out needs a folder name");
        }
        String unbuildable = sweep.machineProblem();
        if (unbuildable != null) {
            throw new CommandLine.ParameterException(cmd, "sweep " + sweepFile + ": " + unbuildable);
        }
        String unusable = OutFolder.problem(out);
        if (unusable != null) {
            err.println("capbuddy sweep: " + unusable);
            return 1;
        }
        // Ctrl-C or a kill ends the JVM mid-sweep with nothing said; say what is kept and how to go on
        Thread onStop = new Thread(() -> {
            err.println("capbuddy sweep: stopped; " + keptRuns(sweep.runs().size()) + " of " + sweep.runs().size()
                    + " runs are kept in " + out.resolve("runs") + ", and the same command resumes with the rest");
            err.flush();
        });
        Runtime.getRuntime().addShutdownHook(onStop);
        try {
            Files.createDirectories(out);
            Sweep.Outcome outcome = new Sweep(out, n, System.console() != null).run(sweep);
            stdout.printf("sweep: %d run%s (%s); %d done before, %d run now on %d thread%s, %d failed%n",
                    sweep.runs().size(), sweep.runs().size() == 1 ? "" : "s", sweep.varied().isEmpty() ? "nothing varied" : String.join(" x ",
                            sweep.varied().entrySet().stream().map(e -> e.getValue().size() + " " + e.getKey()).toList()),
                    outcome.reused(), outcome.ran(), n, n == 1 ? "" : "s", outcome.failures().size());
            outcome.failures().forEach(f -> err.println("capbuddy sweep: " + f));
            List<Path> written = SweepOutput.write(sweep, tree, outcome.results(), out);
            written.forEach(p -> stdout.println("wrote " + p));
            stdout.flush();
            return outcome.failures().isEmpty() ? 0 : 1;
        } catch (IOException | RuntimeException e) {
            err.println("capbuddy sweep: " + Problems.of(e, out));
            return 1;
        } finally {
            try {
                Runtime.getRuntime().removeShutdownHook(onStop);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or about to: the JVM is stopping, as the hook says
            }
        }
    }

    /** The run files a sweep of {@code runs} runs has kept so far (as {@link Sweep} names them). */
    private long keptRuns(int runs) {
        Sweep named = new Sweep(out, 1, false);
        long kept = 0;
        for (int i = 0; i < runs; i++) {
            if (Files.exists(named.runFile(i))) {
                kept++;
            }
        }
        return kept;
    }
}
