package org.capbuddy.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.capbuddy.libos.capbuddy.PoolConfig;

/**
 * A sweep: a base {@link BenchSpec} and lists of values for some of its fields, whose cross
 * product is the runs. In JSON:
 * <pre>{@code
 * {"base": {"workload": "mcmc", "iterations": 2000},
 *  "vary": {"seed": [1, 2, 3], "ram": ["256M", "1G"], "allocators": [["capbuddy"], ["allocman"]]}}
 * }</pre>
 * A field the base leaves out takes the value {@code capbuddy bench} would give it (with
 * {@code "experiment": "murbench"} and the like, the original experiment's own first); {@code ram}
 * and {@code touch} may be sizes ("256M") or bytes. Each run is a complete {@link BenchSpec}, so
 * it can run anywhere, in any order, on its own.
 *
 * @param varied the varied fields' names in the order given, with their values
 * @param runs every combination, the last varied field changing fastest
 */
public record SweepSpec(Map<String, List<JsonNode>> varied, List<Run> runs) {

    /** One combination: its values of the varied fields, and the whole spec. */
    public record Run(int index, Map<String, JsonNode> params, BenchSpec spec) {
    }

    /**
     * Why some combination's machine cannot be built, or null when every one can: each distinct
     * machine is built once and dropped, before any run starts.
     */
    String machineProblem() {
        Set<List<Object>> built = new HashSet<>();
        for (Run r : runs) {
            BenchSpec s = r.spec();
            // the seed builds no different machine: one check serves every seed
            List<Object> machine = List.of(s.workload().equals("paging"), s.allocators(), s.machine().withSeed(0),
                    s.poolSettings(PoolConfig.defaults()), s.poolFrameByFrame());
            if (built.add(machine)) {
                String problem = BenchRunner.machineProblem(s);
                if (problem != null) {
                    return "run " + r.index() + " " + r.params() + ": " + problem;
                }
            }
        }
        return null;
    }

    /** The sweep in {@code tree}, or an {@link IllegalArgumentException} saying what is wrong with it. */
    static SweepSpec of(JsonNode tree) {
        if (tree == null || !tree.isObject() || !tree.path("base").isObject()) {
            throw new IllegalArgumentException("a sweep is {\"base\": {...}, \"vary\": {\"field\": [values], ...}}");
        }
        for (Iterator<String> keys = tree.fieldNames(); keys.hasNext(); ) {
            String key = keys.next();
            if (!key.equals("base") && !key.equals("vary")) {
                throw new IllegalArgumentException("a sweep has \"base\" and \"vary\", not \"" + key + "\"");
            }
        }
        Map<String, List<JsonNode>> varied = new LinkedHashMap<>();
        JsonNode vary = tree.path("vary");
        if (!vary.isMissingNode() && !vary.isObject()) {
            throw new IllegalArgumentException("\"vary\" must be an object of lists");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = vary.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isArray() || e.getValue().isEmpty()) {
                throw new IllegalArgumentException("vary." + e.getKey() + " must be a non-empty list");
            }
            List<JsonNode> values = new ArrayList<>();
            for (JsonNode value : e.getValue()) {
                if (value.isNull()) {
                    throw new IllegalArgumentException("vary." + e.getKey() + " holds null; leave the field out of"
                            + " \"vary\" (or put it in \"base\") to run its default");
                }
                if (values.contains(value)) {
                    throw new IllegalArgumentException("vary." + e.getKey() + " holds " + value + " twice; each value"
                            + " makes its own runs, so give it once");
                }
                values.add(value);
            }
            varied.put(e.getKey(), values);
        }
        List<Run> runs = new ArrayList<>();
        List<String> names = List.copyOf(varied.keySet());
        long total = 1;
        for (List<JsonNode> values : varied.values()) {
            total = Math.min(total * values.size(), 100_001); // capped, so the product cannot overflow
        }
        if (total > 100_000) {
            throw new IllegalArgumentException("a sweep of more than 100,000 runs is too many");
        }
        for (int i = 0; i < total; i++) {
            ObjectNode node = ((ObjectNode) tree.get("base")).deepCopy();
            Map<String, JsonNode> params = new LinkedHashMap<>();
            int rest = i;
            for (int k = names.size() - 1; k >= 0; k--) {
                List<JsonNode> values = varied.get(names.get(k));
                JsonNode value = values.get(rest % values.size());
                rest /= values.size();
                params.put(names.get(k), value);
                node.set(names.get(k), value);
            }
            Map<String, JsonNode> ordered = new LinkedHashMap<>();
            names.forEach(name -> ordered.put(name, params.get(name)));
            BenchSpec spec = SpecDefaults.complete(node);
            String problem = spec.problem();
            if (problem != null) {
                throw new IllegalArgumentException("run " + i + " " + ordered + ": " + problem);
            }
            runs.add(new Run(i, ordered, spec));
        }
        return new SweepSpec(varied, runs);
    }
}
