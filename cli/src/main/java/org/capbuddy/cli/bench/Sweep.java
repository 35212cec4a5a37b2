package org.capbuddy.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.capbuddy.cli.common.Json;
import org.capbuddy.cli.common.Problems;

/**
 * Runs a {@link SweepSpec}'s runs on a pool of threads, each run on machines of its own built on
 * the thread that runs it (a machine admits one thread, and no two runs share one), and keeps
 * each finished run in {@code runs/NNNNN.json} under the output folder as soon as it finishes.
 * Started again on the same folder it runs only what is missing, so an interrupted sweep resumes
 * where it stopped; a folder holding another sweep's runs is refused. A later runner could send
 * the same {@link BenchSpec}s elsewhere and collect the same files.
 */
final class Sweep {
    /** How the sweep went: runs found done, runs made now, runs that failed (with why), and the runs' files in order. */
    record Outcome(int reused, int ran, List<String> failures, List<JsonNode> results) {
    }

    private final Path outDir;
    private final int threads;
    private final boolean showProgress;

    Sweep(Path outDir, int threads, boolean showProgress) {
        this.outDir = outDir;
        this.threads = threads;
        this.showProgress = showProgress;
    }

    /** The file run {@code index}'s result goes to. */
    Path runFile(int index) {
        return outDir.resolve("runs").resolve(String.format(Locale.ROOT, "%05d.json", index));
    }

    /** Whether a kept run's spec is {@code spec}: read back as a spec, then compared as written. */
    private static boolean sameSpec(JsonNode kept, BenchSpec spec) {
        try {
            // as written: a number read back may be a narrower node than the one written
            return Json.line(Json.convert(kept, BenchSpec.class)).equals(Json.line(spec));
        } catch (IOException | RuntimeException e) {
            return false;
        }
    }

    Outcome run(SweepSpec sweep) throws IOException {
        Files.createDirectories(outDir.resolve("runs"));
        refuseOtherRuns(sweep.runs().size());
        List<SweepSpec.Run> todo = new ArrayList<>();
        int reused = 0;
        for (SweepSpec.Run r : sweep.runs()) {
            Path file = runFile(r.index());
            if (!Files.exists(file)) {
                todo.add(r);
                continue;
            }
            JsonNode kept = readKept(file);
            // compared as specs, not as text: a run kept by an earlier version of the tool lacks
            // the fields added since, which read back as their defaults
            if (!sameSpec(kept.path("spec"), r.spec())) {
                throw new IOException(outDir + " holds runs of another sweep (run " + r.index() + " differs); use"
                        + " another --out folder");
            }
            reused++;
        }
        List<String> failures = new ArrayList<>();
        int ran = 0;
        if (!todo.isEmpty()) {
            ExecutorService pool = Executors.newFixedThreadPool(Math.min(threads, todo.size()));
            try (Progress progress = Progress.start("sweep", todo.size(), showProgress)) {
                List<Future<String>> pending = new ArrayList<>();
                for (SweepSpec.Run r : todo) {
                    pending.add(pool.submit(() -> runOne(r)));
                }
                for (int i = 0; i < pending.size(); i++) {
                    String failed = pending.get(i).get();
                    if (failed != null) {
                        failures.add("run " + todo.get(i).index() + " " + todo.get(i).params() + ": " + failed);
                    } else {
                        ran++;
                    }
                    synchronized (progress) {
                        progress.step(1);
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted; the runs finished so far are kept, and running again resumes");
            } catch (ExecutionException e) {
                throw new IOException("a run failed unexpectedly: " + e.getCause(), e.getCause());
            } finally {
                pool.shutdownNow();
            }
        }
        List<JsonNode> results = new ArrayList<>();
        for (SweepSpec.Run r : sweep.runs()) {
            if (Files.exists(runFile(r.index()))) {
                results.add(asRunResult(r, readKept(runFile(r.index()))));
            }
        }
        return new Outcome(reused, ran, failures, results);
    }

    /** A kept run's file; one that cannot be read is named, with how to run that run again. */
    private static JsonNode readKept(Path file) throws IOException {
        try {
            return Json.read(file);
        } catch (IOException | RuntimeException e) {
            throw new IOException(file + " is not a run's result (" + Problems.of(e, file) + "); delete it and that"
                    + " run is made again");
        }
    }

    /** Refuses a folder holding run files this sweep of {@code runs} runs would not write: another sweep's. */
    private void refuseOtherRuns(int runs) throws IOException {
        try (var files = Files.list(outDir.resolve("runs"))) {
            for (Path file : (Iterable<Path>) files::iterator) {
                String name = file.getFileName().toString();
                boolean ours = name.matches("\\d{5,9}\\.json") && Integer.parseInt(name.substring(0, name.length() - 5)) < runs;
                if (name.endsWith(".json") && !ours) {
                    throw new IOException(outDir + " holds runs of another sweep (" + file.getFileName() + " is not one"
                            + " of this sweep's " + runs + " runs); use another --out folder");
                }
            }
        }
    }

    /**
     * A run's file as the merge reads it: a file this class wrote, or a bare report that
     * {@code bench --spec} printed for the run elsewhere (its spec was checked to be the run's).
     */
    private static JsonNode asRunResult(SweepSpec.Run r, JsonNode kept) {
        if (kept.has("report")) {
            return kept;
        }
        return result(r, kept);
    }

    private static ObjectNode result(SweepSpec.Run r, JsonNode report) {
        ObjectNode result = JsonNodeFactory.instance.objectNode();
        result.put("index", r.index());
        ObjectNode params = result.putObject("params");
        r.params().forEach(params::set);
        result.set("spec", Json.tree(r.spec()));
        result.set("report", report);
        return result;
    }

    /** Runs one and keeps its result (written whole, then moved into place); null, or why it failed. */
    private String runOne(SweepSpec.Run r) throws IOException {
        BenchRunner.Outcome outcome = new BenchRunner(false).run(r.spec());
        if (outcome.report() == null) {
            return outcome.error();
        }
        if (!outcome.leaks().isEmpty()) {
            return "left behind after teardown: " + outcome.leaks();
        }
        ObjectNode result = result(r, Json.tree(outcome.report()));
        Path file = runFile(r.index());
        Path partial = file.resolveSibling(file.getFileName() + ".partial");
        Files.writeString(partial, Json.write(result) + "\n");
        Files.move(partial, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        return null;
    }
}
