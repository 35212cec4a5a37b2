package org.capbuddy.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import org.capbuddy.cli.CliRun;
import org.junit.jupiter.api.Test;

class BenchCommandTest {

    private static String[] run(String... args) {
        CliRun r = CliRun.of(args);
        return new String[] {String.valueOf(r.exitCode()), r.out(), r.err()};
    }

    private static JsonNode json(String... args) throws Exception {
        String[] r = run(args);
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        return new ObjectMapper().readTree(r[1]);
    }

    @Test
    void mcmcBothReportsEachAllocatorAndRatiosAndTheSameSeedGivesTheSameCounts() throws Exception {
        JsonNode a = json("bench", "mcmc", "--allocator", "both", "--json", "--iterations", "300", "--seed", "5",
                "--ram", "256M");
        JsonNode b = json("bench", "mcmc", "--allocator", "both", "--json", "--iterations", "300", "--seed", "5",
                "--ram", "256M");
        for (int i = 0; i < 2; i++) {
            JsonNode run = a.get("runs").get(i);
            for (String field : new String[] {"kernelInvocations", "framesAllocated", "modelledCycles", "wallMillis"}) {
                assertThat(run.has(field)).as(field).isTrue();
            }
            assertThat(run.get("kernelInvocations").asLong()).isEqualTo(b.get("runs").get(i).get("kernelInvocations").asLong());
            assertThat(run.get("objectsRetyped").asLong()).isEqualTo(b.get("runs").get(i).get("objectsRetyped").asLong());
            assertThat(run.get("bytesZeroed").asLong()).isEqualTo(b.get("runs").get(i).get("bytesZeroed").asLong());
        }
        for (JsonNode run : a.get("runs")) {
            // the allocations' and the frees' costs apart, as allocations.c reports them, add up
            assertThat(run.at("/extra/alloc.invocations").asLong() + run.at("/extra/free.invocations").asLong())
                    .as("%s", run.get("allocator")).isEqualTo(run.get("kernelInvocations").asLong());
            assertThat(run.at("/extra/alloc.modelledCyclesPerFrame").asDouble()).isPositive();
        }
        assertThat(a.at("/runs/1/extra/free.modelledCyclesPerFrame").asDouble())
                .as("plain allocman frees frame by frame, the pool in its trees")
                .isGreaterThan(a.at("/runs/0/extra/free.modelledCyclesPerFrame").asDouble());
        assertThat(a.get("runs").get(0).get("allocator").asText()).isEqualTo("capbuddy");
        assertThat(a.at("/ratios/kernelInvocations").asDouble()).isBetween(0.0, 0.1);
        assertThat(a.get("runs").get(0).get("framesAllocated").asLong())
                .isEqualTo(a.get("runs").get(1).get("framesAllocated").asLong());
    }

    @Test
    void aReportsNamedFiguresComeInTheirNamesOrderSoThatTwoReportsOfOneRunDifferOnlyInTheirTimes() throws Exception {
        String[] first = run("bench", "mcmc", "--json", "--iterations", "200", "--ram", "128M");
        String[] again = run("bench", "mcmc", "--json", "--iterations", "200", "--ram", "128M");
        JsonNode report = new ObjectMapper().readTree(first[1]);
        java.util.List<JsonNode> maps = new java.util.ArrayList<>(List.of(report.get("ratios")));
        for (JsonNode run : report.get("runs")) {
            maps.add(run.get("invocationsByLabel"));
            maps.add(run.get("extra"));
        }
        for (JsonNode map : maps) {
            java.util.List<String> names = new java.util.ArrayList<>();
            map.fieldNames().forEachRemaining(names::add);
            assertThat(names).hasSizeGreaterThan(1).isSorted();
        }
        // line by line, as diff compares them, leaving out host time and the host's figures
        java.util.function.Function<String, List<String>> exact = text -> text.lines()
                .filter(l -> !l.matches(".*\"(wallMillis|min|median|max|stdDev|maxHeapBytes)\".*")).toList();
        assertThat(exact.apply(again[1])).isEqualTo(exact.apply(first[1]));
    }

    @Test
    void everyWorkloadRuns() throws Exception {
        JsonNode single = json("bench", "single", "--json", "--iterations", "256", "--ram", "128M");
        assertThat(single.at("/runs/0/framesAllocated").asLong()).isEqualTo(256);
        JsonNode contiguous = json("bench", "contiguous", "--json", "--iterations", "3", "--ram", "128M");
        assertThat(contiguous.at("/runs/0/extra").has("invocationsPerBlock.2^10")).isTrue();
        JsonNode utilisation = json("bench", "utilisation", "--json", "--allocator", "capbuddy", "--ram", "64M");
        assertThat(utilisation.at("/runs/0/extra/usableFraction").asDouble()).isBetween(0.5, 1.0);
        assertThat(utilisation.at("/runs/0/freeBlocksByOrder").size()).isEqualTo(11);

        // how far each got, in its own unit of work: a frame each of single's, a block of 2^k
        // frames each of contiguous's 11 x 3 (allocated and freed), a frame each of utilisation's
        for (JsonNode run : single.get("runs")) {
            assertThat(run.get("reached").asLong()).isEqualTo(256);
            assertThat(run.get("reachedUnit").asText()).isEqualTo("frame");
        }
        for (JsonNode run : contiguous.get("runs")) {
            assertThat(run.get("reached").asLong()).as("blocks, not frames").isEqualTo(33);
            assertThat(run.get("reachedUnit").asText()).isEqualTo("block");
            assertThat(run.get("framesAllocated").asLong()).isEqualTo(3 * 2047);
        }
        assertThat(utilisation.at("/runs/0/reached")).isEqualTo(utilisation.at("/runs/0/framesAllocated"));
        assertThat(utilisation.at("/runs/0/reachedUnit").asText()).isEqualTo("frame");
        JsonNode mcmc = json("bench", "mcmc", "--json", "--iterations", "30", "--ram", "128M");
        assertThat(mcmc.at("/runs/0/reached").asLong()).isEqualTo(30);
        assertThat(mcmc.at("/runs/0/reachedUnit").asText()).isEqualTo("iteration");
    }

    @Test
    void contiguousStopsAtABlockItsUnitOfWorkAndTheTableJsonCsvAndLegendsAllSaySo() throws Exception {
        // 2 rounds of each block size 2^0..2^10; a root CNode of 2^10 slots holds no run of 2^10
        // free ones, so plain allocman stops at its first block of 2^10 frames: 20 blocks done
        // (2 x 10 sizes), 2 x (2^10 - 1) frames
        com.fasterxml.jackson.databind.node.ObjectNode node = new ObjectMapper().createObjectNode()
                .put("workload", "contiguous").put("iterations", 2).put("cspace", "original").put("rootCNodeBits", 10);
        node.putArray("allocators").add("allocman");
        BenchReport report = new BenchRunner(false).run(SpecDefaults.complete(node)).report();
        AllocatorRun run = report.runs().get(0);
        assertThat(run.completed()).isFalse();
        assertThat(run.framesAllocated()).isEqualTo(2 * 1023);
        assertThat(run.reached()).as("blocks, not frames").isEqualTo(20);
        assertThat(run.reachedUnit()).isEqualTo(WorkUnit.BLOCK);

        JsonNode json = org.capbuddy.cli.common.Json.tree(report);
        assertThat(json.at("/runs/0/reached").asLong()).isEqualTo(20);
        assertThat(json.at("/runs/0/reachedUnit").asText()).isEqualTo("block");
        assertThat(json.at("/runs/0").has("iterationReached")).as("no figure names the wrong unit").isFalse();

        String table = BenchOutput.table(report);
        assertThat(table.lines().filter(l -> l.startsWith("block reached"))).singleElement().asString()
                .endsWith(" 20");
        assertThat(table).as("the refusal itself, under the table").contains("why each run stopped early",
                "allocman stopped at block 20: slots exhausted (OUT_OF_SLOTS: no run of 2^10 slots");
        assertThat(table).doesNotContain("iteration reached");

        java.util.List<String> csv = BenchOutput.csv(report).lines().toList();
        java.util.List<String> header = java.util.List.of(csv.get(0).split(","));
        String[] row = csv.get(1).split(",", -1);
        assertThat(row[header.indexOf("reached")]).isEqualTo("20");
        assertThat(row[header.indexOf("reachedUnit")]).isEqualTo("block");
        assertThat(header).doesNotContain("iterationReached");

        assertThat(ReportCharts.invocationsPerFrame(report).getSeriesMap().keySet())
                .containsExactly("allocman (stopped at block 20: slots exhausted)");
    }

    @Test
    void contiguousSplitsTheAllocationsAndTheFreesForEveryAllocatorAsMcmcDoes() throws Exception {
        JsonNode r = json("bench", "contiguous", "--json", "--iterations", "2", "--ram", "128M", "--allocator",
                "capbuddy,allocman,mce-baseline");
        for (JsonNode run : r.get("runs")) {
            assertThat(run.at("/extra/alloc.invocations").asLong() + run.at("/extra/free.invocations").asLong())
                    .as("%s", run.get("allocator")).isEqualTo(run.get("kernelInvocations").asLong());
            assertThat(run.at("/extra").has("alloc.modelledCyclesPerFrame")).isTrue();
            assertThat(run.at("/extra").has("free.modelledCyclesPerFrame")).isTrue();
        }
        // the stock way frees with a Revoke and gives its untyped back: the frees cost something
        assertThat(r.at("/runs/1/extra/free.invocations").asLong()).isPositive();
    }

    @Test
    void anErrorsTextIsInTheTableNotOnlyItsKind() {
        // a fan-out limit of 512 refuses the stock way's one Retype of 2^10 frames: a kernel error
        String[] r = run("bench", "contiguous", "--iterations", "1", "--ram", "64M", "--fan-out", "512", "--allocator",
                "allocman");
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        assertThat(r[1]).contains("allocman stopped at block 10: error (KERNEL: Retype of 2^10 frames: RANGE_ERROR");
        String[] done = run("bench", "single", "--iterations", "1", "--ram", "64M", "--allocator", "capbuddy");
        assertThat(done[1]).as("no such section when every run reached its limit").doesNotContain("stopped early");
    }

    @Test
    void aBlockNoRunOfSlotsCanHoldStopsTheRunAsSlotsExhaustedNotAsAnError() throws Exception {
        // a single-level root CNode of 2^9 slots, the first 129 taken at boot, has no aligned run
        // of 2^9 slots: the stock way and the mce baseline (which take such a run for a block of
        // 2^9 frames) both stop at their first block of that size, short of slots
        JsonNode r = json("bench", "contiguous", "--json", "--iterations", "1", "--cspace", "original",
                "--root-cnode-bits", "9", "--allocator", "allocman,mce-baseline");
        for (JsonNode run : r.get("runs")) {
            assertThat(run.at("/stopReason/kind").asText()).as("%s", run.get("allocator"))
                    .isEqualTo("SLOTS_EXHAUSTED");
            assertThat(run.at("/stopReason/detail").asText()).contains("no run of 2^9 slots");
            assertThat(run.get("reached").asLong()).as("blocks of 2^0..2^8 done").isEqualTo(9);
            assertThat(run.get("completed").asBoolean()).isFalse();
        }
    }

    @Test
    void utilisationOnTheScaledCSpaceStopsBecauseMemoryRanOutForBothAllocators() throws Exception {
        JsonNode r = json("bench", "utilisation", "--json", "--ram", "64M");
        assertThat(r.get("cspace").asText()).startsWith("two-level");
        for (JsonNode run : r.get("runs")) {
            assertThat(run.at("/stopReason/kind").asText()).as(run.get("allocator").asText()).isEqualTo("MEMORY_EXHAUSTED");
            assertThat(run.at("/extra/usableFraction").asDouble()).isGreaterThan(0.9);
            // the allocations and the frees are the whole measured run: the probe of what is left
            // afterwards (an untyped's Retype and Delete) is outside it, as it is for mcmc
            assertThat(run.at("/extra/alloc.invocations").asLong() + run.at("/extra/free.invocations").asLong())
                    .as(run.get("allocator").asText()).isEqualTo(run.get("kernelInvocations").asLong());
            assertThat(run.at("/extra/largestAllocatableUntypedBits").asInt()).isPositive();
        }
        JsonNode mcmc = json("bench", "mcmc", "--json", "--allocator", "capbuddy", "--iterations", "50", "--ram", "64M");
        assertThat(mcmc.at("/runs/0/stopReason/kind").asText()).isEqualTo("LIMIT_REACHED");
    }

    @Test
    void aRunThatDidAllItsWorkSaysWhichLimitItReachedInItsOwnUnit() {
        String[] single = run("bench", "single", "--iterations", "64", "--ram", "64M", "--allocator", "capbuddy");
        assertThat(single[0]).as(single[2]).isEqualTo("0");
        assertThat(single[1]).contains("frame limit reached").doesNotContain("iteration limit");
        String[] paging = run("bench", "paging", "--ram", "64M", "--touch", "1M", "--allocator", "capbuddy");
        assertThat(paging[0]).as(paging[2]).isEqualTo("0");
        assertThat(paging[1]).contains("page limit reached").doesNotContain("iteration limit");
    }

    @Test
    void onTheOriginalCSpacePlainAllocmanRunsOutOfSlotsAndTheReportSaysSo() {
        String[] r = run("bench", "utilisation", "--allocator", "allocman", "--cspace", "original", "--ram", "512M");
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        assertThat(r[2]).contains("warning: this CSpace has", "before the slots run out");
        assertThat(r[1]).contains("CSpace single-level, root 2^18", "slots exhausted",
                "note: allocman's usable fraction does not measure memory: it stopped because slots exhausted");
    }

    @Test
    void pagingTouchesEveryPageOnceTearsDownCleanAndReadsCostNoBacking() throws Exception {
        JsonNode read = json("bench", "paging", "--json", "--ram", "256M", "--touch", "16M");
        JsonNode write = json("bench", "paging", "--json", "--ram", "256M", "--touch", "16M", "--access", "write",
                "--allocator", "capbuddy");
        for (JsonNode run : read.get("runs")) {
            assertThat(run.at("/stopReason/kind").asText()).isEqualTo("LIMIT_REACHED");
            assertThat(run.at("/extra/faultsHandled").asLong()).isEqualTo(4096);
            assertThat(run.get("reached").asLong()).isEqualTo(4096);
            assertThat(run.get("reachedUnit").asText()).as("a page touched is paging's unit of work").isEqualTo("page");
            assertThat(run.at("/extra/stackHeadroomProbes").asLong()).as("one probe for the whole touch loop")
                    .isEqualTo(1);
            assertThat(run.at("/extra/physicalBytesBacked").asLong()).isZero();
            assertThat(run.at("/extra/hostHeapBytesPerFrame").asDouble()).isPositive();
        }
        assertThat(write.at("/runs/0/extra/physicalBytesBacked").asLong()).isEqualTo(16L << 20);
    }

    @Test
    void pagingsHeadingSaysWhatItTouchesNotAnIterationCountItDoesNotTake() {
        String[] r = run("bench", "paging", "--ram", "64M", "--touch", "16K", "--access", "write", "--allocator",
                "capbuddy");
        assertThat(r[0]).as(r[2]).isEqualTo("0");
        assertThat(r[1].lines().findFirst().orElseThrow()).contains("workload paging", "touch 16 KiB (4 pages)",
                "access write").doesNotContain("iterations");
    }

    @Test
    void pagingBeyondMemoryStopsBecauseMemoryRanOutAndStillLeavesNothingBehind() throws Exception {
        JsonNode r = json("bench", "paging", "--json", "--ram", "64M", "--touch", "128M");
        for (JsonNode run : r.get("runs")) {
            assertThat(run.at("/stopReason/kind").asText()).as(run.get("allocator").asText()).isEqualTo("MEMORY_EXHAUSTED");
            assertThat(run.at("/stopReason/detail").asText()).contains("out of memory");
            assertThat(run.at("/extra/pagesTouched").asLong()).isBetween(10_000L, 16_384L);
        }
    }

    @Test
    void aReportsSpecRunAgainGivesTheSameCountsAndTheReportSaysWhatItRanOn() throws Exception {
        String[] first = run("bench", "mcmc", "--json", "--iterations", "300", "--seed", "9", "--ram", "256M",
                "--lifetime", "50", "--distribution", "p3");
        assertThat(first[0]).as(first[2]).isEqualTo("0");
        JsonNode a = new ObjectMapper().readTree(first[1]);
        assertThat(a.at("/spec/workload").asText()).isEqualTo("mcmc");
        assertThat(a.at("/spec/lifetime").asInt()).isEqualTo(50);
        assertThat(a.at("/spec/touch").isNull()).as("mcmc takes no --touch").isTrue();
        assertThat(a.at("/machines/capbuddy/pool/spareTrees").asInt()).isEqualTo(1);
        assertThat(a.at("/machines/allocman/pool").isNull()).isTrue();
        assertThat(a.at("/machines/allocman/rootCNodeBits").asInt()).isPositive();
        for (JsonNode machine : a.get("machines")) {
            assertThat(machine.get("seed").asLong()).as("the seed the run drew from, not the machine's default")
                    .isEqualTo(9);
        }
        assertThat(a.at("/costModel/perInvocation").asDouble()).isPositive();
        assertThat(a.at("/tool/version").asText()).isEqualTo("0.1.0");
        assertThat(a.at("/tool/commit").asText()).isNotEmpty();

        java.nio.file.Path file = java.nio.file.Files.createTempFile("capbuddy-report", ".json");
        try {
            java.nio.file.Files.writeString(file, first[1]);
            JsonNode b = json("bench", "--spec", file.toString(), "--json");
            assertThat(b.get("spec")).isEqualTo(a.get("spec"));
            assertThat(b.get("machines")).isEqualTo(a.get("machines"));
            for (int i = 0; i < 2; i++) {
                JsonNode x = a.get("runs").get(i);
                JsonNode y = b.get("runs").get(i);
                for (String field : new String[] {"kernelInvocations", "objectsRetyped", "bytesZeroed", "modelledCycles",
                        "bookkeepingBytes", "framesAllocated", "reached", "invocationsByLabel"}) {
                    assertThat(y.get(field)).as("%s %s", x.get("allocator"), field).isEqualTo(x.get(field));
                }
            }
            // a spec alone works as well as a whole report
            java.nio.file.Files.writeString(file, a.get("spec").toString());
            assertThat(json("bench", "--spec", file.toString(), "--json").at("/runs/1/kernelInvocations"))
                    .isEqualTo(a.at("/runs/1/kernelInvocations"));
            String[] beside = run("bench", "mcmc", "--spec", file.toString());
            assertThat(beside[0]).isEqualTo("2");
            assertThat(beside[2]).contains("--spec is the whole run; leave out WORKLOAD");
            assertThat(run("bench", "--spec", file.toString(), "--seed", "3")[2]).contains("leave out --seed");
            java.nio.file.Files.writeString(file, "{\"workload\": \"mcmc\", \"colour\": 1}");
            assertThat(run("bench", "--spec", file.toString())[2]).contains(": not a bench spec: unknown field 'colour'"
                    + " (fields: access, allocators,").doesNotContain("Unrecognized", "class org.capbuddy");
        } finally {
            java.nio.file.Files.deleteIfExists(file);
        }
    }

    @Test
    void thePoolsTreePolicyIsASettingKeepingEveryTreeAsTheOriginalDoes() throws Exception {
        JsonNode ours = json("bench", "mcmc", "--allocator", "capbuddy", "--json", "--iterations", "2000", "--ram", "256M");
        JsonNode kept = json("bench", "mcmc", "--allocator", "capbuddy", "--json", "--iterations", "2000", "--ram", "256M",
                "--keep-trees");
        JsonNode none = json("bench", "mcmc", "--allocator", "capbuddy", "--json", "--iterations", "2000", "--ram", "256M",
                "--spare-trees", "0");
        assertThat(ours.at("/spec/treePolicy").asText()).isEqualTo("return-spares");
        assertThat(ours.at("/spec/spareTrees").asInt()).isEqualTo(1);
        assertThat(kept.at("/spec/treePolicy").asText()).isEqualTo("keep-all");
        assertThat(kept.at("/spec/spareTrees").isNull()).isTrue();
        assertThat(kept.at("/machines/capbuddy/pool/treePolicy").asText()).isEqualTo("KEEP_ALL");
        long oursCalls = ours.at("/runs/0/kernelInvocations").asLong();
        long keptCalls = kept.at("/runs/0/kernelInvocations").asLong();
        long noneCalls = none.at("/runs/0/kernelInvocations").asLong();
        assertThat(keptCalls).as("trees are made and never given back").isLessThan(oursCalls);
        assertThat(noneCalls).as("every fully free tree goes back at once").isGreaterThan(oursCalls);
        assertThat(kept.at("/runs/0/framesAllocated")).isEqualTo(ours.at("/runs/0/framesAllocated"));
        assertThat(run("bench", "mcmc", "--keep-trees", "--spare-trees", "1")[2])
                .contains("--spare-trees does not go with --keep-trees");
        assertThat(run("bench", "mcmc", "--spare-trees", "2000")[2]).contains("--spare-trees must be 0..1024, got 2000");
        // with no pool in the run they would be ignored: refused, as --pool-requests is
        String[] keep = run("bench", "single", "--allocator", "allocman", "--keep-trees");
        assertThat(keep[0]).isEqualTo("2");
        assertThat(keep[2]).contains("--keep-trees says which trees the pool keeps, and no allocator here uses it"
                + " (--allocator allocman)");
        assertThat(keep[1]).as("nothing ran").isEmpty();
        assertThat(run("bench", "mcmc", "--allocator", "allocman,mce-baseline", "--spare-trees", "3")[2])
                .contains("--spare-trees says which trees the pool keeps, and no allocator here uses it");
    }

    @Test
    void aFramePolicyOfOnesOwnRunsBesideThePoolAndAllocmanByNameOrByClass() throws Exception {
        JsonNode three = json("bench", "mcmc", "--json", "--iterations", "300", "--ram", "256M", "--allocator",
                "capbuddy,allocman,untyped-per-block");
        assertThat(three.get("runs")).hasSize(3);
        JsonNode own = three.get("runs").get(2);
        assertThat(own.get("allocator").asText()).isEqualTo("untyped-per-block");
        assertThat(own.get("framesAllocated")).isEqualTo(three.at("/runs/0/framesAllocated"));
        assertThat(own.get("completed").asBoolean()).isTrue();
        // a Retype and a Revoke a block, where allocman makes a Retype a frame
        assertThat(own.at("/invocationsByLabel/CNODE_REVOKE").asLong()).isPositive();
        assertThat(own.get("kernelInvocations").asLong()).isLessThan(three.at("/runs/1/kernelInvocations").asLong())
                .isGreaterThan(three.at("/runs/0/kernelInvocations").asLong());
        assertThat(three.at("/ratios/kernelInvocations").asDouble()).as("capbuddy/allocman, as before").isPositive();
        assertThat(three.at("/machines/untyped-per-block/pool").isNull()).isTrue();

        JsonNode byClass = json("bench", "contiguous", "--json", "--iterations", "2", "--ram", "128M", "--allocator",
                "class:org.capbuddy.example.untypedperblock.UntypedPerBlockProvider");
        assertThat(byClass.at("/runs/0/extra/invocationsPerBlock.2^10").asDouble()).isPositive();
        assertThat(run("bench", "mcmc", "--allocator", "nope")[2]).contains("--allocator nope: not one of capbuddy, allocman,"
                + " murbench-baseline (or both), and no frame policy named 'nope'", "untyped-per-block");
        assertThat(run("bench", "utilisation", "--allocator", "untyped-per-block")[2])
                .contains("utilisation measures the pool and plain allocman only, not the frame policy untyped-per-block");
        assertThat(run("bench", "paging", "--allocator", "nope")[2]).as("a misspelt name is not called a policy")
                .contains("--allocator nope: not one of").doesNotContain("frame policy nope");
        assertThat(run("bench", "mcmc", "--allocator", "capbuddy,,allocman")[0]).isEqualTo("2");
    }

    @Test
    void aFramePolicyThatRefusesAFreeFailsTheRunRatherThanReportingFiguresThatLeaveTheBlockOut() {
        // the free is the policy's bug, not a stop the workload asked for: no figures, exit 1
        for (String workload : new String[] {"mcmc", "single", "contiguous"}) {
            String[] r = run("bench", workload, "--json", "--iterations", "8", "--ram", "128M", "--allocator",
                    "capbuddy,class:" + RefusingFreesProvider.class.getName());
            assertThat(r[0]).as(workload + ": " + r[2]).isEqualTo("1");
            assertThat(r[1]).as("no report").isEmpty();
            assertThat(r[2]).contains(RefusingFreesProvider.class.getName() + " refused to free a block it had"
                    + " handed out (NOT_ALLOCATED: free number 3 refused); a run whose frees fail reports no figures");
        }
    }

    @Test
    void mceRunsTheOriginalExperimentWithItsBaselineBesideThePoolAndAllocman() throws Exception {
        JsonNode mce = json("bench", "mce", "--json", "--iterations", "300");
        assertThat(mce.at("/spec/workload").asText()).isEqualTo("mcmc");
        assertThat(mce.at("/spec/ram").asLong()).isEqualTo(112L << 20);
        assertThat(mce.at("/spec/lifetime").asInt()).isEqualTo(80);
        assertThat(mce.at("/spec/distribution").asText()).isEqualTo("p2");
        assertThat(mce.at("/spec/allocators")).extracting(JsonNode::asText)
                .containsExactly("capbuddy", "mce-baseline", "allocman");
        JsonNode baseline = mce.at("/runs/1");
        long frames = baseline.get("framesAllocated").asLong();
        // a Retype a frame when allocated, a Delete a frame when freed (blocks still live when the
        // iterations end are freed after the measurement), a Revoke a block
        assertThat(baseline.at("/invocationsByLabel/UNTYPED_RETYPE").asLong()).isGreaterThanOrEqualTo(frames);
        assertThat(baseline.at("/invocationsByLabel/CNODE_DELETE").asLong()).isPositive()
                .isLessThanOrEqualTo(baseline.at("/extra/free.invocations").asLong());
        assertThat(baseline.at("/invocationsByLabel/CNODE_REVOKE").asLong()).isPositive();
        assertThat(mce.at("/runs/0/framesAllocated").asLong()).isEqualTo(frames);
        assertThat(json("bench", "mce", "--json", "--iterations", "300", "--ram", "256M").at("/spec/ram").asLong())
                .as("an option given wins").isEqualTo(256L << 20);
    }

    @Test
    void mcmcCAsksThePoolFrameByFrameUntilMemoryRunsOutThenProbesWhatIsLeft() throws Exception {
        JsonNode r = json("bench", "mcmc-c", "--json", "--ram", "64M");
        assertThat(r.at("/spec/iterations").asLong()).isEqualTo(50_000);
        assertThat(r.at("/spec/lifetime").asInt()).isEqualTo(5_000);
        assertThat(r.at("/spec/poolRequests").asText()).isEqualTo("frames");
        assertThat(r.at("/spec/allocators")).extracting(JsonNode::asText).containsExactly("capbuddy", "allocman");
        for (JsonNode run : r.get("runs")) {
            assertThat(run.at("/stopReason/kind").asText()).as("%s", run.get("allocator")).isEqualTo("MEMORY_EXHAUSTED");
            assertThat(run.at("/extra/liveFramesAtStop").asLong()).isPositive();
            assertThat(run.at("/extra").has("largestAllocatableUntypedBits")).isTrue();
        }
        JsonNode pool = r.at("/runs/0");
        // a frame a request, yet served from 1,024-frame trees, a Retype a tree (and, once the
        // trees run out, from allocman): far fewer Retypes than plain allocman's one a frame
        assertThat(pool.at("/invocationsByLabel/UNTYPED_RETYPE").asLong())
                .isLessThan(r.at("/runs/1/invocationsByLabel/UNTYPED_RETYPE").asLong() / 20);
        assertThat(pool.get("freeBlocksByOrder")).as("the pool's free blocks at the stop").hasSize(11);
        assertThat(pool.at("/extra").has("poolLargestFreeBlockFrames")).isTrue();
        assertThat(r.at("/runs/1/freeBlocksByOrder")).isEmpty();

        // the same mcmc asked a block a request: other counts, so the mode is really applied
        JsonNode blocks = json("bench", "mcmc", "--json", "--ram", "64M", "--iterations", "50000", "--lifetime", "5000",
                "--allocator", "capbuddy");
        assertThat(blocks.at("/spec/poolRequests").asText()).isEqualTo("blocks");
        assertThat(blocks.at("/runs/0/kernelInvocations")).isNotEqualTo(pool.get("kernelInvocations"));

        // and its report's spec runs again to the same counts
        java.nio.file.Path file = java.nio.file.Files.createTempFile("capbuddy-mcmc-c", ".json");
        try {
            java.nio.file.Files.writeString(file, r.toString());
            JsonNode again = json("bench", "--spec", file.toString(), "--json");
            assertThat(again.at("/runs/0/invocationsByLabel")).isEqualTo(pool.get("invocationsByLabel"));
            assertThat(again.at("/runs/1/framesAllocated")).isEqualTo(r.at("/runs/1/framesAllocated"));
            assertThat(again.at("/runs/0/freeBlocksByOrder")).isEqualTo(pool.get("freeBlocksByOrder"));
        } finally {
            java.nio.file.Files.deleteIfExists(file);
        }
    }

    @Test
    void mcmcCsFootprintCsvSaysWhereAndWhyEachRunStoppedAsItsOtherFilesDo(@org.junit.jupiter.api.io.TempDir
                                                                        java.nio.file.Path dir) throws Exception {
        // 256M: on 64M a run stops before the first sample, at iteration 100, and has no footprint
        JsonNode r = json("bench", "mcmc-c", "--json", "--ram", "256M", "--out", dir.toString());
        java.util.List<String> lines = java.nio.file.Files.readAllLines(dir.resolve("mcmc-c-footprint.csv"));
        java.util.List<String> header = java.util.List.of(lines.get(0).split(","));
        assertThat(header).containsSubsequence("reached", "reachedUnit", "stopReason");
        java.util.List<String> csv = java.nio.file.Files.readAllLines(dir.resolve("mcmc-c.csv"));
        java.util.List<String> csvHeader = java.util.List.of(csv.get(0).split(","));
        for (int i = 0; i < 2; i++) {
            JsonNode run = r.get("runs").get(i);
            String allocator = run.get("allocator").asText();
            assertThat(run.at("/stopReason/kind").asText()).as(allocator).isEqualTo("MEMORY_EXHAUSTED");
            String[] summary = csv.get(1 + i).split(",", -1);
            java.util.List<String[]> rows = lines.subList(1, lines.size()).stream().map(l -> l.split(",", -1))
                    .filter(row -> row[header.indexOf("allocator")].equals(allocator)).toList();
            assertThat(rows).as(allocator).isNotEmpty().allSatisfy(row -> {
                for (String column : new String[] {"reached", "reachedUnit", "stopReason"}) {
                    assertThat(row[header.indexOf(column)]).as("%s %s", allocator, column)
                            .isEqualTo(summary[csvHeader.indexOf(column)]);
                }
            });
            assertThat(rows.get(0)[header.indexOf("reached")]).isEqualTo(run.get("reached").asText());
            assertThat(rows.get(0)[header.indexOf("stopReason")]).isEqualTo("memory exhausted");
            assertThat(Long.parseLong(rows.get(rows.size() - 1)[header.indexOf("iteration")]))
                    .as("samples come every 100 iterations: the last is not the stop point")
                    .isLessThan(run.get("reached").asLong());
        }
    }

    @Test
    void murbenchRunsItsUntypedABlockBaselineBesideThePoolAndAllocman(@org.junit.jupiter.api.io.TempDir
                                                                      java.nio.file.Path dir) throws Exception {
        JsonNode r = json("bench", "murbench", "--json", "--ram", "64M", "--out", dir.toString());
        assertThat(dir.resolve("murbench.json")).as("named for the experiment, beside other runs'").exists();
        assertThat(dir.resolve("murbench-free-blocks.png")).exists();
        assertThat(r.at("/spec/iterations").asLong()).isEqualTo(20_000);
        assertThat(r.at("/spec/lifetime").asInt()).isEqualTo(12_000);
        assertThat(r.at("/spec/allocators")).extracting(JsonNode::asText)
                .containsExactly("capbuddy", "murbench-baseline", "allocman");
        assertThat(r.at("/spec/experiment").asText()).as("the name its files and charts carry").isEqualTo("murbench");
        JsonNode baseline = r.at("/runs/1");
        assertThat(baseline.at("/stopReason/kind").asText()).isEqualTo("MEMORY_EXHAUSTED");
        // one untyped a block (p2's mean block is 186 frames), no frames made of it
        assertThat(baseline.at("/invocationsByLabel/UNTYPED_RETYPE").asLong())
                .isLessThan(baseline.get("framesAllocated").asLong() / 50)
                .isGreaterThanOrEqualTo(baseline.get("reached").asLong());
        assertThat(r.at("/runs/2/kernelInvocations").asDouble() / r.at("/runs/2/framesAllocated").asDouble())
                .as("allocman: a Retype a frame").isGreaterThan(1.0);
        assertThat(run("bench", "single", "--allocator", "murbench-baseline")[2])
                .contains("murbench-baseline (an untyped a block, MURbench's baseline) runs mcmc only");
        assertThat(run("bench", "single", "--pool-requests", "frames")[2]).contains("single takes no --pool-requests");
        assertThat(run("bench", "mcmc", "--pool-requests", "pages")[2])
                .contains("--pool-requests must be blocks or frames, got 'pages'");
        assertThat(run("bench", "mcmc-d")[2]).contains("mcmc-default, mce, mcmc-c, murbench");
        assertThat(run("bench", "mcmc", "--allocator", "allocman", "--pool-requests", "frames")[2])
                .contains("--pool-requests says how the pool is asked, and no allocator here uses it");
        String[] changed = run("bench", "murbench", "--ram", "64M", "--pool-requests", "BLOCKS", "--allocator", "capbuddy");
        assertThat(changed[0]).as(changed[2]).isEqualTo("0");
        assertThat(changed[1]).as("the header says what ran, not what the preset would have")
                .contains("murbench: the original's MURbench buddy_test, with options changed from its parameters",
                        "pool requests blocks");
        assertThat(r.toString()).contains("\"experiment\":\"murbench\"");
    }

    @Test
    void aSpecWrittenBeforeThePoolRequestModeExistedAsksInBlocks() throws Exception {
        BenchSpec old = org.capbuddy.cli.common.Json.convert(new ObjectMapper().readTree(
                "{\"workload\":\"mcmc\",\"allocators\":[\"capbuddy\"],\"seed\":1,\"iterations\":10,"
                        + "\"distribution\":\"p2\",\"lifetime\":80,\"ram\":268435456,\"cspace\":\"scaled\","
                        + "\"treePolicy\":\"return-spares\",\"spareTrees\":1}"), BenchSpec.class);
        assertThat(old.poolRequests()).isEqualTo("blocks");
        assertThat(old.experiment()).isNull();
        assertThat(old.problem()).isNull();
        BenchSpec unknown = new BenchSpec("mcmc", "mcmc.c", old.allocators(), 1, 10L, "p2", 80, "blocks", old.ram(),
                "scaled", null, null, "return-spares", 1, 1, null, null, null);
        assertThat(unknown.problem()).isEqualTo(
                "experiment must be one of mcmc-default, mce, mcmc-c, murbench, an mcmc run, got 'mcmc.c' on mcmc");
    }

    @Test
    void aSpecWrittenByHandInYamlTakesTheDefaultsItLeavesOut(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path yaml = dir.resolve("run.yaml");
        java.nio.file.Files.writeString(yaml, """
                # the pool against plain allocman on a small mcmc
                workload: mcmc
                iterations: 300
                ram: 256M
                seed: 5
                """);
        JsonNode fromYaml = json("bench", "--spec", yaml.toString(), "--json");
        JsonNode fromOptions = json("bench", "mcmc", "--iterations", "300", "--ram", "256M", "--seed", "5", "--json");
        assertThat(fromYaml.get("spec")).isEqualTo(fromOptions.get("spec"));
        assertThat(fromYaml.at("/runs/1/invocationsByLabel")).isEqualTo(fromOptions.at("/runs/1/invocationsByLabel"));

        java.nio.file.Files.writeString(yaml, "workload: [mcmc\n");
        assertThat(run("bench", "--spec", yaml.toString())[2]).contains("is not a bench report or spec: not valid JSON"
                + " or YAML at line").doesNotContain("[Source:");
        java.nio.file.Files.writeString(yaml, "- mcmc\n");
        assertThat(run("bench", "--spec", yaml.toString())[2]).contains("not an object of fields");
    }

    @Test
    void theCostModelsConstantsAreOptionsRecordedInTheSpec() throws Exception {
        JsonNode plain = json("bench", "mcmc", "--json", "--iterations", "300", "--ram", "256M", "--allocator", "capbuddy");
        JsonNode dear = json("bench", "mcmc", "--json", "--iterations", "300", "--ram", "256M", "--allocator", "capbuddy",
                "--cost", "perInvocation=800,perFault=9");
        long invocations = plain.at("/runs/0/kernelInvocations").asLong();
        assertThat(dear.at("/runs/0/kernelInvocations").asLong()).as("counts do not change").isEqualTo(invocations);
        assertThat(dear.at("/runs/0/modelledCycles").asDouble() - plain.at("/runs/0/modelledCycles").asDouble())
                .isEqualTo(400.0 * invocations);
        assertThat(dear.at("/spec/costModel/perInvocation").asDouble()).isEqualTo(800);
        assertThat(dear.at("/costModel/perFault").asDouble()).isEqualTo(9);
        assertThat(plain.at("/spec/costModel/perInvocation").asDouble()).isEqualTo(400);
        assertThat(run("bench", "mcmc", "--cost", "perBanana=3")[2]).contains("--cost knows perInvocation");
        assertThat(run("bench", "mcmc", "--cost", "perFault=-1")[2])
                .contains("cost perFault must be a finite number of cycles, 0 or more, got -1.0");
    }

    @Test
    void aCostConstantThatIsNotOneSaysWhichNameQuoted() {
        assertThat(run("bench", "single", "--cost", "perinvocation=1")[2])
                .contains("--cost knows perInvocation,", "perFault, not 'perinvocation'");
        assertThat(run("bench", "single", "--cost", "=5")[2]).as("an empty name shows").contains("perFault, not ''");
    }

    @Test
    void theMachinesCSpaceAndFanOutAreOptionsRecordedInTheSpec() throws Exception {
        JsonNode r = json("bench", "mcmc", "--json", "--iterations", "200", "--ram", "256M", "--allocator", "allocman",
                "--root-cnode-bits", "14", "--fan-out", "64");
        assertThat(r.at("/spec/rootCNodeBits").asInt()).isEqualTo(14);
        assertThat(r.at("/machines/allocman/rootCNodeBits").asInt()).isEqualTo(14);
        assertThat(r.at("/machines/allocman/fanOut").asInt()).isEqualTo(64);
        assertThat(r.at("/cspace").asText()).isEqualTo("two-level, root 2^14, L2 2^12");
        assertThat(run("bench", "mcmc", "--fan-out", "256")[2]).as("the pool's trees need 1024")
                .contains("this machine cannot be built", "fan-out limit of at least 1024");
        assertThat(run("bench", "mcmc", "--root-cnode-bits", "40")[2]).contains("root CNode size must be 7..26 bits");
    }

    @Test
    void optionsAWorkloadDoesNotTakeAreRefusedNotIgnored() {
        assertThat(run("bench", "utilisation", "--iterations", "5")[2])
                .contains("utilisation takes no --iterations (it would be ignored)");
        assertThat(run("bench", "contiguous", "--distribution", "p3")[2])
                .contains("contiguous takes no --distribution (it would be ignored)");
        assertThat(run("bench", "paging", "--lifetime", "9")[2]).contains("paging takes no --lifetime");
        assertThat(run("bench", "mcmc", "--touch", "1M")[2]).contains("mcmc takes no --touch");
        assertThat(run("bench", "single", "--iterations", "1000000")[2])
                .contains("single: --iterations is a number of frames, a power of two from 1 to 32768, got 1000000");
        assertThat(run("bench", "single", "--iterations", "100")[0]).isEqualTo("2");
        assertThat(run("bench")[2]).contains("Missing WORKLOAD");
        // the seed changes nothing where a workload draws no random numbers: a varied seed would
        // give the same counts under a different heading
        for (String workload : new String[] {"single", "contiguous", "paging"}) {
            String[] r = run("bench", workload, "--seed", "3");
            assertThat(r[0]).as(workload).isEqualTo("2");
            assertThat(r[2]).contains(workload + " draws no random numbers: --seed would be ignored");
        }
        String[] single = run("bench", "single", "--iterations", "1", "--ram", "64M", "--allocator", "capbuddy");
        assertThat(single[1].lines().findFirst().orElseThrow()).as("no seed in its heading")
                .startsWith("workload single  iterations 1").doesNotContain("seed");
        String[] utilisation = run("bench", "utilisation", "--seed", "3", "--ram", "64M", "--allocator", "capbuddy");
        assertThat(utilisation[0]).as(utilisation[2]).isEqualTo("0");
        assertThat(utilisation[1]).contains("seed 3");
    }

    @Test
    void anUnusableOutFolderIsRefusedBeforeAnythingRuns() throws Exception {
        String[] blank = run("bench", "mcmc", "--iterations", "10", "--out", "");
        assertThat(blank[0]).as("a bad option").isEqualTo("2");
        assertThat(blank[2]).contains("--out needs a folder name");
        assertThat(blank[1]).as("nothing ran").isEmpty();
        java.nio.file.Path file = java.nio.file.Files.createTempFile("capbuddy-out", ".txt");
        try {
            String[] notFolder = run("bench", "mcmc", "--iterations", "10", "--out", file.toString());
            assertThat(notFolder[0]).isEqualTo("1");
            assertThat(notFolder[2]).contains(file + " is a file, not a folder");
            assertThat(notFolder[1]).isEmpty();
        } finally {
            java.nio.file.Files.deleteIfExists(file);
        }
    }

    @Test
    void anEarlierReportsFileThisOneHasNoDataForIsRemovedNotLeftBesideIt(@org.junit.jupiter.api.io.TempDir
            java.nio.file.Path dir) throws Exception {
        // a run memory stopped has a free-blocks chart; a later one of the same name that did
        // not stop has none, and the earlier chart must not pass for its
        String[] stopped = run("bench", "mcmc", "--iterations", "300", "--ram", "64M", "--allocator", "capbuddy",
                "--out", dir.toString());
        assertThat(stopped[0]).as(stopped[2]).isEqualTo("0");
        assertThat(dir.resolve("mcmc-free-blocks.png")).exists();
        java.nio.file.Files.writeString(dir.resolve("notes.txt"), "mine");
        java.nio.file.Files.writeString(dir.resolve("single.csv"), "another report's");
        String[] done = run("bench", "mcmc", "--iterations", "10", "--ram", "128M", "--allocator", "capbuddy",
                "--out", dir.toString());
        assertThat(done[0]).as(done[2]).isEqualTo("0");
        assertThat(dir.resolve("mcmc-free-blocks.png")).doesNotExist();
        assertThat(dir.resolve("mcmc-free-blocks.svg")).doesNotExist();
        assertThat(done[2]).contains("capbuddy bench: removed " + dir.resolve("mcmc-free-blocks.png") + ", an earlier"
                + " mcmc report's: this one has no data for it");
        assertThat(dir.resolve("mcmc-footprint.png")).as("written again").exists();
        assertThat(dir.resolve("notes.txt")).hasContent("mine");
        assertThat(dir.resolve("single.csv")).hasContent("another report's");
    }

    @Test
    void badOptionsAreRefused() {
        assertThat(run("bench", "paging", "--touch", "65G")[2]).contains("--touch must be a multiple of 4 KiB from 4K to 64G");
        assertThat(run("bench", "paging", "--access", "exec")[2]).contains("--access must be read or write, got 'exec'");
        assertThat(run("bench", "mcmc", "--cspace", "flat")[2]).contains("--cspace must be scaled or original, got 'flat'");
        assertThat(run("bench", "slab")[2]).contains("WORKLOAD must be");
        assertThat(run("bench", "mcmc", "--allocator", "x")[2]).contains("--allocator x: not one of", "no frame policy named");
        assertThat(run("bench", "mcmc", "--distribution", "p9")[2]).contains("--distribution must be");
        assertThat(run("bench", "mcmc", "--iterations", "0")[0]).isEqualTo("2");
        // each says what it was given
        assertThat(run("bench", "mcmc", "--iterations", "0")[2]).contains("--iterations must be 1..10000000, got 0");
        assertThat(run("bench", "contiguous", "--iterations", "0")[2]).contains("--iterations must be 1..10000000, got 0");
        assertThat(run("bench", "mcmc", "--lifetime", "1")[2]).contains("--lifetime must be at least 2, got 1");
        assertThat(run("bench", "single", "--ram", "0")[2]).contains("from 64 MiB to 1023 GiB, got 0 bytes");
        assertThat(run("bench", "single", "--ram", "1T")[2]).contains("got 1 TiB (1099511627776 bytes)");
        assertThat(run("bench", "paging", "--touch", "4097")[2]).contains("from 4K to 64G, got 4.0 KiB (4097 bytes)");
    }

    @Test
    void theOptionsWordsAreTakenInAnyCaseAsTheSpecRecordsThemInLowerCase() throws Exception {
        JsonNode single = json("bench", "single", "--json", "--iterations", "1", "--ram", "64M", "--allocator",
                "allocman", "--cspace", "ORIGINAL");
        assertThat(single.at("/spec/cspace").asText()).isEqualTo("original");
        assertThat(single.get("cspace").asText()).startsWith("single-level");
        JsonNode paging = json("bench", "paging", "--json", "--touch", "4K", "--ram", "64M", "--allocator", "capbuddy",
                "--access", "Write");
        assertThat(paging.at("/spec/access").asText()).isEqualTo("write");
        JsonNode mcmc = json("bench", "mcmc", "--json", "--iterations", "1", "--ram", "64M", "--allocator", "capbuddy",
                "--distribution", "P3", "--pool-requests", "Frames");
        assertThat(mcmc.at("/spec/distribution").asText()).isEqualTo("p3");
        assertThat(mcmc.at("/spec/poolRequests").asText()).isEqualTo("frames");
    }

    @Test
    void bothInASpecIsCapbuddyAndAllocmanAsOnTheCommandLine(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path yaml = dir.resolve("both.yaml");
        java.nio.file.Files.writeString(yaml, "workload: single\niterations: 4\nram: 64M\nallocators: both\n");
        JsonNode r = json("bench", "--spec", yaml.toString(), "--json");
        assertThat(r.at("/spec/allocators").toString()).isEqualTo("[\"capbuddy\",\"allocman\"]");
        assertThat(r.get("runs")).hasSize(2);
        java.nio.file.Path json = dir.resolve("both.json");
        java.nio.file.Files.writeString(json, "{\"workload\": \"single\", \"iterations\": 4, \"ram\": \"64M\","
                + " \"allocators\": [\"both\"]}");
        assertThat(json("bench", "--spec", json.toString(), "--json").at("/spec/allocators").size()).isEqualTo(2);
    }

    @Test
    void aSpecFilesProblemSaysItCameFromTheFile(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        java.nio.file.Path spec = dir.resolve("spec.yaml");
        java.nio.file.Files.writeString(spec, "workload: single\nrepeat: 0\n");
        String[] r = run("bench", "--spec", spec.toString());
        assertThat(r[0]).isEqualTo("2");
        assertThat(r[2]).contains("--spec " + spec + ": --repeat must be 1..1000, got 0");
        assertThat(r[1]).isEmpty();
        // a sweep, or a sweep's merged results, given where a run's spec belongs
        java.nio.file.Path sweep = dir.resolve("sweep.json");
        java.nio.file.Files.writeString(sweep, "{\"base\": {\"workload\": \"mcmc\"}, \"vary\": {\"seed\": [1, 2]}}");
        String[] aSweep = run("bench", "--spec", sweep.toString());
        assertThat(aSweep[0]).isEqualTo("2");
        assertThat(aSweep[2]).contains("--spec " + sweep + " is a sweep, not a bench spec: run it with capbuddy sweep "
                + sweep + " --out DIR");
        java.nio.file.Files.writeString(sweep, "{\"sweep\": {\"base\": {}, \"vary\": {}}, \"runs\": []}");
        assertThat(run("bench", "--spec", sweep.toString())[2]).contains("is a sweep's merged results, not a bench"
                + " spec: each run's file under its runs/ folder is one");
        // a seed where the workload draws none is refused in a spec as --seed is on the command line
        java.nio.file.Files.writeString(spec, "workload: contiguous\nseed: 5\n");
        String[] seeded = run("bench", "--spec", spec.toString());
        assertThat(seeded[0]).isEqualTo("2");
        assertThat(seeded[2]).contains("contiguous draws no random numbers: seed 5 would be ignored");
        java.nio.file.Files.writeString(spec, "workload: single\niterations: 4\nram: 64M\nseed: 1\n");
        assertThat(run("bench", "--spec", spec.toString())[0]).as("the seed a report of it records").isEqualTo("0");
    }
}
