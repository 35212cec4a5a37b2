package org.capbuddy.cli.bench;

import java.io.IOException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;
import org.capbuddy.cli.common.ByteSize;
import org.capbuddy.cli.common.Json;
import org.capbuddy.cli.common.TextTable;

/**
 * What {@code capbuddy bench} shows and writes: the terminal table, and the report files (JSON, CSV,
 * PNG charts) in an output directory.
 */
public final class BenchOutput {
    /** The column of ratios, present when {@link BenchReport#ratios()} has any. */
    static final String RATIO_COLUMN = "capbuddy/allocman";
    /** How many invocation labels the table lists per allocator. */
    static final int TOP_LABELS = 5;

    private BenchOutput() {
    }

    /**
     * One table row and one CSV column: {@code key} names the figure in the JSON, the CSV and the
     * ratios; {@code label} is what the terminal table shows (null: the CSV's alone, as the unit of
     * {@code reached}, which the table names in that row's label instead: {@link #reachedLabel}).
     */
    private record Figure(String key, String label, Function<AllocatorRun, Object> value,
                          Function<Object, String> format) {
    }

    private static final List<Figure> FIGURES = List.of(
            new Figure("kernelInvocations", "kernel invocations", AllocatorRun::kernelInvocations, BenchOutput::count),
            new Figure("invocationsPerFrame", "invocations per 4 KiB frame", AllocatorRun::invocationsPerFrame,
                    v -> (Double) v >= 1000 ? String.format(Locale.ROOT, "%,.3f", (Double) v) : ratio((Double) v)),
            new Figure("objectsRetyped", "objects retyped", AllocatorRun::objectsRetyped, BenchOutput::count),
            new Figure("bytesZeroed", "bytes zeroed", AllocatorRun::bytesZeroed, v -> ByteSize.format((Long) v)),
            new Figure("modelledCycles", "modelled cycles", AllocatorRun::modelledCycles,
                    v -> String.format(Locale.ROOT, "%,.0f", (Double) v)),
            new Figure("bookkeepingBytes", "bookkeeping bytes", AllocatorRun::bookkeepingBytes,
                    v -> ByteSize.format((Long) v)),
            new Figure("wallMillis", "wall time (ms)", AllocatorRun::wallMillis,
                    v -> String.format(Locale.ROOT, "%,.1f", (Double) v)),
            new Figure("framesAllocated", "4 KiB frames allocated", AllocatorRun::framesAllocated, BenchOutput::count),
            new Figure("reached", null, AllocatorRun::reached, BenchOutput::count),
            new Figure("reachedUnit", null, run -> run.reachedUnit().words(), String::valueOf),
            new Figure("completed", "completed", AllocatorRun::completed, v -> (Boolean) v ? "yes" : "no"),
            new Figure("stopReason", "stopped because", BenchOutput::stopWords, String::valueOf));

    /** Why {@code run} stopped, in the words of the table and the CSVs ("memory exhausted"). */
    private static String stopWords(AllocatorRun run) {
        return run.stopReason().kind().words(run.reachedUnit());
    }

    // ---------------------------------------------------------------------------------------------
    // The terminal table

    /**
     * The report for people: a heading with the parameters, one row per figure and one column per
     * allocator (plus the ratio capbuddy/allocman where there is one), the busiest invocation labels
     * of each allocator, and the workload's extra figures.
     */
    private static String millis(double ms) {
        return String.format(Locale.ROOT, "%,.1f", ms);
    }

    public static String table(BenchReport r) {
        StringBuilder out = new StringBuilder();
        OriginalExperiment original = r.spec() == null || r.spec().experiment() == null ? null
                : OriginalExperiment.named(r.spec().experiment()).orElse(null);
        if (original != null) {
            out.append(String.format(Locale.ROOT, "%s: the original's %s, %s%n", original.name(), original.source(),
                    original.matches(r.spec()) ? "with its parameters" : "with options changed from its parameters"));
        }
        String poolRequests = r.spec() == null || r.spec().poolRequests() == null ? ""
                : "  pool requests " + r.spec().poolRequests();
        // utilisation has no iteration count: it allocates until memory (or something else) runs
        // out; paging takes no --iterations either: its count is the pages --touch covers
        String iterations = switch (r.workload()) {
            case "utilisation" -> "iterations until something runs out";
            case "paging" -> String.format(Locale.ROOT, "touch %s (%,d pages)%s", ByteSize.format(r.iterations() * 4096),
                    r.iterations(), r.spec() == null || r.spec().access() == null ? "" : "  access " + r.spec().access());
            default -> String.format(Locale.ROOT, "iterations %,d", r.iterations());
        };
        // a seed only where the workload draws random numbers: elsewhere it changes nothing
        String seed = BenchSpec.seeded(r.workload()) ? "  seed " + r.seed() : "";
        out.append(String.format(Locale.ROOT, "workload %s%s  %s  RAM %s  CSpace %s%s%s%n",
                r.workload(), seed, iterations, ByteSize.format(r.ramBytes()), r.cspace(),
                r.distribution() == null || r.distribution().isEmpty() ? "" : "  distribution " + r.distribution(),
                poolRequests));
        if (r.host() != null) {
            out.append("host ").append(r.host().describe()).append('\n');
        }
        out.append('\n');

        boolean ratios = !r.ratios().isEmpty();
        List<String> header = new ArrayList<>();
        header.add("figure");
        r.runs().forEach(run -> header.add(run.allocator()));
        if (ratios) {
            header.add(RATIO_COLUMN);
        }
        List<List<String>> rows = new ArrayList<>();
        for (Figure f : FIGURES) {
            String label = f.key().equals("reached") ? reachedLabel(r) : f.label();
            if (label == null) {
                continue;
            }
            List<String> row = new ArrayList<>();
            row.add(label);
            for (AllocatorRun run : r.runs()) {
                row.add(f.format().apply(f.value().apply(run)));
            }
            if (ratios) {
                Double ratio = r.ratios().get(f.key());
                row.add(ratio == null ? "-" : ratio(ratio));
            }
            rows.add(row);
        }
        out.append(render(header, rows, 1));

        if (r.wallTime().values().stream().anyMatch(w -> w.repeats() > 1)) {
            List<List<String>> walls = new ArrayList<>();
            r.wallTime().forEach((allocator, w) -> walls.add(List.of(allocator, Integer.toString(w.repeats()), millis(w.min()),
                    millis(w.median()), millis(w.max()), millis(w.stdDev()))));
            out.append('\n').append("wall time over the repeats (ms; the counts agreed in every one)").append('\n');
            out.append(render(List.of("allocator", "repeats", "min", "median", "max", "std dev"), walls, 2));
        }

        List<List<String>> labels = new ArrayList<>();
        for (AllocatorRun run : r.runs()) {
            run.invocationsByLabel().entrySet().stream()
                    .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder())
                            .thenComparing(Map.Entry.comparingByKey()))
                    .limit(TOP_LABELS)
                    .forEach(e -> labels.add(List.of(run.allocator(), e.getKey(), count(e.getValue()),
                            run.kernelInvocations() == 0 ? "-" : String.format(Locale.ROOT, "%.1f%%",
                                    100.0 * e.getValue() / run.kernelInvocations()))));
        }
        if (!labels.isEmpty()) {
            out.append('\n').append("top kernel invocations").append('\n');
            out.append(render(List.of("allocator", "invocation", "count", "share"), labels, 2));
        }

        TreeSet<String> extraKeys = extraKeys(r);
        if (!extraKeys.isEmpty()) {
            List<String> extraHeader = new ArrayList<>();
            extraHeader.add("extra figure");
            r.runs().forEach(run -> extraHeader.add(run.allocator()));
            List<List<String>> extra = new ArrayList<>();
            for (String key : extraKeys) {
                List<String> row = new ArrayList<>();
                row.add(key);
                for (AllocatorRun run : r.runs()) {
                    Double v = run.extra().get(key);
                    row.add(v == null ? "-" : number(v));
                }
                extra.add(row);
            }
            out.append('\n').append(render(extraHeader, extra, 1));
        }
        // the stop row has the reason's words; the refusal itself (what was asked, and its error)
        // is what tells a researcher why, an error above all
        List<String> stops = r.runs().stream().filter(run -> !run.stopReason().detail().isEmpty())
                .map(run -> String.format(Locale.ROOT, "%s stopped at %s %,d: %s", run.allocator(),
                        run.reachedUnit().words(), run.reached(), run.stopReason().words(run.reachedUnit())))
                .toList();
        if (!stops.isEmpty()) {
            out.append('\n').append("why each run stopped early").append('\n');
            stops.forEach(line -> out.append(line).append('\n'));
        }
        for (AllocatorRun run : r.runs()) {
            if (r.workload().equals("utilisation") && !run.stopReason().memoryBound()) {
                out.append(String.format(Locale.ROOT, "%nnote: %s's usable fraction does not measure memory: it stopped "
                        + "because %s%n", run.allocator(), run.stopReason().words(run.reachedUnit())));
            }
        }
        return out.toString();
    }

    /**
     * The label of the table's row of {@code reached}: the runs' unit of work, as in "iteration
     * reached" or "block reached" (every run of a report has its workload's unit).
     */
    static String reachedLabel(BenchReport r) {
        List<String> units = r.runs().stream().map(run -> run.reachedUnit().words()).distinct().toList();
        return units.size() == 1 ? units.get(0) + " reached" : "reached";
    }

    /**
     * A TextTable whose first {@code textColumns} columns are left-aligned and whose other columns
     * are right-aligned, even where a column mixes numbers with "-", "yes" or "%" (TextTable would
     * left-align those).
     */
    private static String render(List<String> header, List<List<String>> rows, int textColumns) {
        int[] width = new int[header.size()];
        for (int i = 0; i < width.length; i++) {
            width[i] = header.get(i).length();
            for (List<String> row : rows) {
                width[i] = Math.max(width[i], row.get(i).length());
            }
        }
        TextTable t = new TextTable(padded(header, width, textColumns).toArray(String[]::new));
        for (List<String> row : rows) {
            t.row(padded(row, width, textColumns).toArray());
        }
        return t.render();
    }

    private static List<String> padded(List<String> cells, int[] width, int textColumns) {
        List<String> out = new ArrayList<>(cells.size());
        for (int i = 0; i < cells.size(); i++) {
            String c = cells.get(i);
            out.add(i < textColumns ? c : " ".repeat(width[i] - c.length()) + c);
        }
        return out;
    }

    private static String count(Object v) {
        return String.format(Locale.ROOT, "%,d", (Long) v);
    }

    private static String number(double v) {
        if (Double.isNaN(v) || Double.isInfinite(v)) {
            return String.valueOf(v);
        }
        if (v == Math.rint(v) && Math.abs(v) < 1e15) {
            return String.format(Locale.ROOT, "%,d", (long) v);
        }
        return Math.abs(v) < 1 ? String.format(Locale.ROOT, "%.4f", v) : String.format(Locale.ROOT, "%,.2f", v);
    }

    /** Orders figure names as a person reads them: the numbers in them by value ("2^2" before "2^10"). */
    static int natural(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            char x = a.charAt(i);
            char y = b.charAt(j);
            if (Character.isDigit(x) && Character.isDigit(y)) {
                int startA = i;
                int startB = j;
                while (i < a.length() && Character.isDigit(a.charAt(i))) {
                    i++;
                }
                while (j < b.length() && Character.isDigit(b.charAt(j))) {
                    j++;
                }
                String na = a.substring(startA, i).replaceFirst("^0+(?=.)", "");
                String nb = b.substring(startB, j).replaceFirst("^0+(?=.)", "");
                int c = na.length() != nb.length() ? Integer.compare(na.length(), nb.length()) : na.compareTo(nb);
                if (c != 0) {
                    return c;
                }
            } else {
                if (x != y) {
                    return Character.compare(x, y);
                }
                i++;
                j++;
            }
        }
        int c = Integer.compare(a.length() - i, b.length() - j);
        return c != 0 ? c : a.compareTo(b); // "2" and "02" are still two names
    }

    private static TreeSet<String> extraKeys(BenchReport r) {
        TreeSet<String> keys = new TreeSet<>(BenchOutput::natural);
        r.runs().forEach(run -> keys.addAll(run.extra().keySet()));
        return keys;
    }

    // ---------------------------------------------------------------------------------------------
    // The report files

    /**
     * Writes the report into {@code outDir} (created if missing): {@code <name>.json}, {@code
     * <name>.csv} (one row per allocator), {@code <name>-footprint.csv} and the charts as PNG and
     * SVG (footprint when there are samples, invocations per frame, and free blocks by size when
     * the workload recorded them); the name is {@link BenchReport#name()}. Returns the files
     * written, in that order.
     */
    public static List<Path> writeFiles(BenchReport r, Path outDir) throws IOException {
        Files.createDirectories(outDir);
        String base = fileBase(r.name());
        List<Path> written = new ArrayList<>();
        written.add(write(outDir.resolve(base + ".json"), Json.write(r) + "\n"));
        written.add(write(outDir.resolve(base + ".csv"), csv(r)));
        if (r.runs().stream().anyMatch(run -> !run.footprint().isEmpty())) {
            written.add(write(outDir.resolve(base + "-footprint.csv"), footprintCsv(r)));
        }
        written.addAll(ReportCharts.write(r, outDir, base));
        return List.copyOf(written);
    }

    /** Every name {@link #writeFiles} may give a report's file, after its base name. */
    private static final List<String> FILE_SUFFIXES = List.of(".json", ".csv", "-footprint.csv", "-footprint.png",
            "-footprint.svg", "-invocations-per-frame.png", "-invocations-per-frame.svg", "-free-blocks.png",
            "-free-blocks.svg");

    /**
     * Deletes the files in {@code outDir} named as this report's would be but not among {@code
     * written}: an earlier report's of the same name (a stopped run's free-blocks chart, say),
     * which would otherwise sit beside this one as if it were its. Only regular files go; returns
     * those deleted.
     */
    public static List<Path> removeEarlier(BenchReport r, Path outDir, List<Path> written) throws IOException {
        String base = fileBase(r.name());
        List<Path> removed = new ArrayList<>();
        for (String suffix : FILE_SUFFIXES) {
            Path file = outDir.resolve(base + suffix);
            if (!written.contains(file) && Files.isRegularFile(file, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Files.delete(file);
                removed.add(file);
            }
        }
        return List.copyOf(removed);
    }

    /** The column names of {@code <workload>.csv} for this report. */
    static List<String> csvHeader(BenchReport r) {
        List<String> header = new ArrayList<>();
        header.add("allocator");
        FIGURES.forEach(f -> header.add(f.key()));
        extraKeys(r).forEach(header::add);
        labelKeys(r).forEach(label -> header.add("invocations:" + label));
        return header;
    }

    static String csv(BenchReport r) {
        StringBuilder out = new StringBuilder();
        csvLine(out, csvHeader(r));
        TreeSet<String> extraKeys = extraKeys(r);
        TreeSet<String> labelKeys = labelKeys(r);
        for (AllocatorRun run : r.runs()) {
            List<String> row = new ArrayList<>();
            row.add(run.allocator());
            for (Figure f : FIGURES) {
                row.add(csvValue(f.value().apply(run)));
            }
            for (String key : extraKeys) {
                row.add(csvValue(run.extra().get(key)));
            }
            for (String label : labelKeys) {
                row.add(csvValue(run.invocationsByLabel().getOrDefault(label, 0L)));
            }
            csvLine(out, row);
        }
        return out.toString();
    }

    /**
     * {@code <name>-footprint.csv}: a row per sample (iteration, frames live, bytes held), each
     * with its run's stop point and stop reason as {@code <name>.csv} has them: samples come every
     * so many iterations, so the last need not be where a run stopped.
     */
    static String footprintCsv(BenchReport r) {
        StringBuilder out = new StringBuilder();
        csvLine(out, List.of("iteration", "allocator", "framesLive", "heldBytes", "reached", "reachedUnit",
                "stopReason"));
        for (AllocatorRun run : r.runs()) {
            for (long[] sample : run.footprint()) {
                csvLine(out, List.of(Long.toString(sample[0]), run.allocator(), Long.toString(sample[1]),
                        sample.length > 2 ? Long.toString(sample[2]) : "", Long.toString(run.reached()),
                        run.reachedUnit().words(), stopWords(run)));
            }
        }
        return out.toString();
    }

    private static TreeSet<String> labelKeys(BenchReport r) {
        TreeSet<String> keys = new TreeSet<>();
        r.runs().forEach(run -> keys.addAll(run.invocationsByLabel().keySet()));
        return keys;
    }

    private static String csvValue(Object v) {
        if (v == null) {
            return "";
        }
        if (v instanceof Double d) {
            if (d.isNaN() || d.isInfinite()) {
                return "";
            }
            // a whole number as one, as the sweep's CSV writes it: BigDecimal alone gave 416694.0
            // below 10^7 and 55667830 above, in one column
            return d == Math.rint(d) && Math.abs(d) < 0x1p53 ? Long.toString(d.longValue())
                    : BigDecimal.valueOf(d).toPlainString();
        }
        return v.toString();
    }

    private static void csvLine(StringBuilder out, List<String> cells) {
        for (int i = 0; i < cells.size(); i++) {
            String c = cells.get(i);
            if (c.contains(",") || c.contains("\"") || c.contains("\n") || c.contains("\r")) {
                c = '"' + c.replace("\"", "\"\"") + '"';
            }
            out.append(i == 0 ? "" : ",").append(c);
        }
        out.append('\n');
    }

    /** The workload's name made safe for a file name. */
    static String fileBase(String workload) {
        String s = workload == null ? "" : workload.replaceAll("[^A-Za-z0-9._-]", "_");
        return s.isEmpty() || s.startsWith(".") ? "bench" + s : s;
    }

    private static Path write(Path file, String text) throws IOException {
        Files.writeString(file, text, StandardCharsets.UTF_8);
        return file;
    }

    /**
     * A ratio with three decimals, or four significant digits below 0.01, so that 1/3000 does not
     * print as 0.000 nor the pool's 0.0015 invocations a frame as 0.001 (a third off).
     */
    static String ratio(double r) {
        return r == 0 || Math.abs(r) >= 0.01 ? String.format(Locale.ROOT, "%.3f", r)
                : new java.math.BigDecimal(r).round(new java.math.MathContext(4)).toPlainString();
    }
}
