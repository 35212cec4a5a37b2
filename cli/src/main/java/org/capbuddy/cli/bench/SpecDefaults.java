package org.capbuddy.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.capbuddy.cli.common.ByteSize;
import org.capbuddy.cli.common.Json;
import org.capbuddy.cli.common.Problems;

/**
 * Every default of a bench spec, in one place: the command line ({@code capbuddy bench}) and
 * sweeps ({@code capbuddy sweep}) both build a spec from the fields they were given and let this
 * fill in the rest, so that the same fields give the same run either way.
 */
final class SpecDefaults {
    private SpecDefaults() {
    }

    /**
     * The spec in {@code node}, every field it leaves out given its default: an original
     * experiment's own parameters first (when the node names one), then {@code bench}'s. Sizes
     * may be written as text ("256M"). Throws {@link IllegalArgumentException} when the node is
     * not a spec; whether the spec can run is {@link BenchSpec#problem()}'s to say.
     */
    static BenchSpec complete(ObjectNode node) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        size(node, "ram");
        size(node, "touch");
        // "both", alone, is capbuddy and allocman, as --allocator both is (and as the message
        // refusing an allocator it does not know offers)
        JsonNode allocators = node.get("allocators");
        if (allocators != null && ("both".equals(allocators.textValue())
                || allocators.isArray() && allocators.size() == 1 && "both".equals(allocators.get(0).textValue()))) {
            node.set("allocators", f.arrayNode().add("capbuddy").add("allocman"));
        }
        // an original experiment's parameters come before bench's defaults, as on the command line
        String experiment = node.path("experiment").asText(null);
        if (experiment != null) {
            OriginalExperiment.named(experiment).ifPresent(e -> e.fillDefaults(node));
        }
        String workload = node.path("workload").asText(null);
        boolean mcmc = "mcmc".equals(workload);
        boolean paging = "paging".equals(workload);
        defaults(node, "seed", f.numberNode(BenchSpec.DEFAULT_SEED));
        defaults(node, "ram", f.numberNode(1L << 30));
        defaults(node, "cspace", f.textNode("scaled"));
        if (!node.has("allocators")) {
            node.set("allocators", f.arrayNode().add("capbuddy").add("allocman"));
        }
        if (!node.has("iterations") && workload != null && !paging && !workload.equals("utilisation")) {
            node.set("iterations", f.numberNode(switch (workload) {
                case "mcmc" -> 20_000L;
                case "single" -> 4096L;
                default -> 100L;
            }));
        }
        if (mcmc) {
            defaults(node, "distribution", f.textNode("p2"));
            defaults(node, "lifetime", f.numberNode(80));
            defaults(node, "poolRequests", f.textNode(BenchSpec.BLOCK_REQUESTS));
        }
        if (paging) {
            defaults(node, "touch", f.numberNode(256L << 20));
            defaults(node, "access", f.textNode("read"));
        }
        defaults(node, "treePolicy", f.textNode(BenchSpec.RETURN_SPARES));
        if (BenchSpec.RETURN_SPARES.equals(node.path("treePolicy").asText())) {
            defaults(node, "spareTrees", f.numberNode(1));
        }
        try {
            return Json.convert(node, BenchSpec.class);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalArgumentException("not a bench spec: " + Problems.json(e));
        }
    }

    private static void defaults(ObjectNode node, String field, JsonNode value) {
        if (!node.has(field) || node.get(field).isNull()) {
            node.set(field, value);
        }
    }

    /** A size written as text ("256M") becomes bytes. */
    private static void size(ObjectNode node, String field) {
        JsonNode v = node.get(field);
        if (v != null && v.isTextual()) {
            try {
                node.put(field, new ByteSize().convert(v.asText()));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException(field + " '" + v.asText() + "' is not a size such as 256M or 4G");
            }
        }
    }
}
