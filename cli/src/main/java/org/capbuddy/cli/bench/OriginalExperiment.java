package org.capbuddy.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Optional;

/**
 * The original CapBuddy work's benchmark programs, each a preset of the {@code mcmc} workload
 * with the parameters it ran with and its own baseline beside the pool and plain allocman
 * ({@code capbuddy bench NAME}; any option given still wins). All draw p2 block sizes.
 *
 * @param name the WORKLOAD name on the command line
 * @param source the program it reproduces
 * @param allocators the allocators it compares, its baseline among them
 * @param ram RAM in bytes, or 0 for bench's default (the program's board is not recorded)
 * @param iterations iterations it runs
 * @param lifetime a block lives uniform 1..lifetime-1 iterations
 * @param poolRequests how it asks the pool for a block: blocks or frames
 */
record OriginalExperiment(String name, String source, List<String> allocators, long ram, long iterations,
        int lifetime, String poolRequests) {

    private static final List<OriginalExperiment> ALL = List.of(
            // mcmc-default.c: one contiguous request a block; baseline an untyped a block and a
            // Retype a frame
            new OriginalExperiment("mcmc-default", "mcmc-default.c",
                    List.of("capbuddy", "mce-baseline", "allocman"), 0, 20_000, 80, BenchSpec.BLOCK_REQUESTS),
            // MR-MC test/mce.c: mcmc-default.c with 80,000 iterations on 112 MiB
            new OriginalExperiment("mce", "MR-MC test/mce.c",
                    List.of("capbuddy", "mce-baseline", "allocman"), 112L << 20, 80_000, 80, BenchSpec.BLOCK_REQUESTS),
            // the fork's mcmc.c: each block asked for 4 KiB frame by frame (only 4 KiB requests
            // reach the pool), until the first failure; its baseline is the pool switched off
            new OriginalExperiment("mcmc-c", "mcmc.c", List.of("capbuddy", "allocman"), 0, 50_000, 5_000,
                    BenchSpec.FRAME_REQUESTS),
            // MURbench buddy_test: frame by frame until memory runs out, then probes; its
            // baseline allocates each block as one untyped
            new OriginalExperiment("murbench", "MURbench buddy_test",
                    List.of("capbuddy", BenchSystem.MURBENCH_BASELINE, "allocman"), 0, 20_000, 12_000,
                    BenchSpec.FRAME_REQUESTS));

    /** The names, in the order the help lists them. */
    static List<String> names() {
        return ALL.stream().map(OriginalExperiment::name).toList();
    }

    static Optional<OriginalExperiment> named(String name) {
        return ALL.stream().filter(e -> e.name.equals(name)).findFirst();
    }

    /** Whether {@code spec} runs this experiment with its parameters (the RAM too, where it has its own). */
    boolean matches(BenchSpec spec) {
        return spec.workload().equals("mcmc") && "p2".equals(spec.distribution())
                && allocators.equals(spec.allocators()) && Long.valueOf(iterations).equals(spec.iterations())
                && Integer.valueOf(lifetime).equals(spec.lifetime()) && poolRequests.equals(spec.poolRequests())
                && (ram == 0 || spec.ram() == ram);
    }

    /** Fills in {@code node} (a spec in JSON) the fields this experiment sets and the node leaves out. */
    void fillDefaults(ObjectNode node) {
        JsonNodeFactory f = JsonNodeFactory.instance;
        putIfAbsent(node, "workload", f.textNode("mcmc"));
        ArrayNode list = f.arrayNode();
        allocators.forEach(list::add);
        putIfAbsent(node, "allocators", list);
        putIfAbsent(node, "iterations", f.numberNode(iterations));
        putIfAbsent(node, "lifetime", f.numberNode(lifetime));
        putIfAbsent(node, "distribution", f.textNode("p2"));
        putIfAbsent(node, "poolRequests", f.textNode(poolRequests));
        if (ram != 0) {
            putIfAbsent(node, "ram", f.numberNode(ram));
        }
    }

    private static void putIfAbsent(ObjectNode node, String field,
                                    JsonNode value) {
        if (!node.has(field) || node.get(field).isNull()) {
            node.set(field, value);
        }
    }
}
