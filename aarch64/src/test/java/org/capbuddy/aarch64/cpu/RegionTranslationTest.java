package org.capbuddy.aarch64.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.capbuddy.aarch64.testing.FlatMemory;
import org.junit.jupiter.api.Test;

/**
 * Regions (several translated blocks of a page in one method, see {@link TranslatedBlock}) against
 * the interpreter alone and against the same translation without regions: a loop of several
 * blocks, stopped by the budget at every instruction count, trapping inside a block that is not the
 * region's first, rewriting its own code, and meeting a page's end. Each comparison covers the
 * exit and its details, PC, the instruction count, every register, the flags, the PC and count
 * each data access saw, and the memory.
 */
class RegionTranslationTest {
    private static final long CODE = 0x40_0000L;
    private static final long DATA = 0x10_0000L;

    /**
     * x0 = 0; x1 = n; x2 = DATA; loop: add x0, x0, x1; ldr x3, [x2, #8]; tbz w1, #0, odd;
     * add x0, x0, x3; str x0, [x2, #16]; b join; odd: eor x0, x0, x1, lsl #2; add x2, x2, #8;
     * join: subs x1, x1, #1; b.ne loop; brk #0 (four blocks: loop, the even half, odd, join).
     */
    private static int[] blocksLoop(int n) {
        return new int[] {0xD2800000, 0xD2800001 | (n << 5), 0xD2A00202, 0x8B010000, 0xF9400443, 0x36000081,
            0x8B030000, 0xF9000840, 0x14000003, 0xCA010800, 0x91002042, 0xF1000421, 0x54FFFEE1, 0xD4200000};
    }

    /**
     * x0 = 0; x1 = 1000; loop: add x2, x2, #1; bl f; add x0, x0, x3; subs x1, x1, #1; b.ne loop;
     * brk #0; f: add x3, x1, x1; eor x3, x3, #1; ret. Three blocks: the call, the return site and
     * the function, which returns through x30.
     */
    private static final int[] CALL_IN_A_LOOP = {0xD2800000, 0xD2807D01, 0x91000442, 0x94000005, 0x8B030000,
        0xF1000421, 0x54FFFF81, 0xD4200000, 0x8B010023, 0xD2400063, 0xD65F03C0};

    /**
     * x0 = 0; x1 = 300; x4 = patch; w5 = add x0, x0, #2; loop: add x0, x0, x1; cmp x1, #150;
     * b.ne patch; str w5, [x4]; patch: add x0, x0, #1; subs x1, x1, #1; b.ne loop; brk #0.
     */
    private static final int[] SELF_PATCHING = {0xD2800000, 0xD2802581, 0x100000E4, 0x52810005, 0x72B22005,
        0x8B010000, 0xF102583F, 0x54000041, 0xB9000085, 0x91000400, 0xF1000421, 0x54FFFF41, 0xD4200000};

    /**
     * x0 = 0; x1 = 300; x6 = c; x7 = DATA; w5 = add x0, x0, #2; a: add x0, x0, x1; cmp x1, #150;
     * csel x4, x6, x7, eq; b b; b: str w5, [x4]; b c; c: add x0, x0, #1; subs x1, x1, #1; b.ne a;
     * brk #0. Translated at first entry, the blocks make one region entered at a; at x1 = 150 the
     * store in its second block rewrites the head of its third.
     */
    private static final int[] REWRITING_THE_NEXT_BLOCK = {0xD2800000, 0xD2802581, 0x10000146, 0xD2A00207,
        0x52810005, 0x72B22005, 0x8B010000, 0xF102583F, 0x9A8700C4, 0x14000001, 0xB9000085, 0x14000001, 0x91000400,
        0xF1000421, 0x54FFFF01, 0xD4200000};

    /**
     * x0 = 0; x1 = 40; b outer; ... at the page's last six words: outer: mov x5, #3;
     * inner: add x0, x0, x1; subs x5, x5, #1; b.ne inner; add x6, x6, #1; add x7, x7, x0;
     * then on the next page: subs x1, x1, #1; b.ne outer; brk #0.
     */
    private static int[] acrossAPage() {
        int[] words = new int[0x100C / 4];
        words[0] = 0xD2800000;
        words[1] = 0xD2800501;
        words[2] = 0x140003F8;
        int[] tail = {0xD2800065, 0x8B010000, 0xF10004A5, 0x54FFFFC1, 0x910004C6, 0x8B0000E7, 0xF1000421, 0x54FFFF21,
            0xD4200000};
        System.arraycopy(tail, 0, words, 0xFE8 / 4, tail.length);
        return words;
    }

    /**
     * With x1 = n, x2 = DATA, x6 = CODE + 256, x7 = DATA, w5 = add x0, x0, #2 set beforehand:
     * loop: ldr x3, [x2, #8]; if {@code rewrite} cmp x1, #150; csel x4, x6, x7, eq; str w5, [x4];
     * then adds and eors, filling the block to {@link BlockTranslator#MAX_LENGTH} so that it ends
     * without a branch and runs on into: add x0, x0, #1; add x2, x2, #8; ldr x8, [x2];
     * add x0, x0, x8; subs x1, x1, #1; b.ne loop; brk #0. At x1 = 150 the store rewrites the second
     * block's first instruction.
     */
    private static int[] fallingThrough(boolean rewrite) {
        int[] words = new int[BlockTranslator.MAX_LENGTH + 7];
        words[0] = 0xF9400443;
        int from = 1;
        if (rewrite) {
            words[1] = 0xF102583F;
            words[2] = 0x9A8700C4;
            words[3] = 0xB9000085;
            from = 4;
        }
        for (int i = from; i < BlockTranslator.MAX_LENGTH; i++) {
            words[i] = i % 3 == 0 ? 0xCA010800 : i % 3 == 1 ? 0x8B010000 : 0x8B030000;
        }
        int[] tail = {0x91000400, 0x91002042, 0xF9400048, 0x8B080000, 0xF1000421, 0x54FFF761, 0xD4200000};
        System.arraycopy(tail, 0, words, BlockTranslator.MAX_LENGTH, tail.length);
        return words;
    }

    @Test
    void theBudgetIsCheckedWhereABlockFallsThroughIntoTheNextOfItsRegion() {
        for (boolean rewrite : new boolean[] {false, true}) {
            for (int translateAfter = 1; translateAfter <= 3; translateAfter++) {
                TranslationCache cache = new TranslationCache();
                long inRegions = 0;
                for (int slice = 1; slice <= 201; slice++) {
                    int budget = slice <= 200 ? slice : 1_000_000;
                    Engine plain = fallingThrough(rewrite, 0, new TranslationCache());
                    Engine regions = fallingThrough(rewrite, translateAfter, cache);
                    Exit exit;
                    do {
                        exit = plain.interpreter.run(budget);
                        assertThat(regions.interpreter.run(budget)).isEqualTo(exit);
                        assertThat(differences(plain, regions))
                                .as("rewrite %s, translated after %d, in slices of %d", rewrite, translateAfter, budget)
                                .isEmpty();
                    } while (exit == Exit.LIMIT);
                    assertThat(exit).isEqualTo(Exit.BREAKPOINT);
                    assertThat(regions.memory.handlerRuns()).isEqualTo(rewrite ? 0 : 3);
                    inRegions += regions.interpreter.translatedInstructions();
                }
                assertThat(cache.regionsWritten()).as("rewrite %s, translated after %d", rewrite, translateAfter)
                        .isPositive();
                assertThat(inRegions).isPositive();
            }
        }
    }

    /**
     * {@link #fallingThrough(boolean)} with its registers set: 300 iterations over writable code,
     * or 1,500 over demand-zero data (three pages) whose handler moves x0.
     */
    private static Engine fallingThrough(boolean rewrite, int translateAfter, TranslationCache cache) {
        Engine engine = Engine.of(fallingThrough(rewrite), translateAfter, cache, true);
        engine.state.setX(1, rewrite ? 300 : 1500);
        engine.state.setX(2, DATA);
        engine.state.setX(6, CODE + 4L * BlockTranslator.MAX_LENGTH);
        engine.state.setX(7, DATA);
        engine.state.setX(5, 0x91000800L);
        if (rewrite) {
            engine.memory.protect(CODE, 4096, FlatMemory.R | FlatMemory.W | FlatMemory.X);
        } else {
            engine.memory.unmap(DATA, 4096 * 3);
            engine.memory.demandZero().onDemandZero(() -> engine.state.setX(0, engine.state.x(0) + 0x40));
        }
        return engine;
    }

    @Test
    void aLoopOfSeveralBlocksRunsInARegionWithTheInterpretersResultAndCounts() {
        TranslationCache cache = new TranslationCache();
        Engine plain = Engine.of(blocksLoop(1000), 0, new TranslationCache(), true);
        Engine blocks = Engine.of(blocksLoop(1000), 1, new TranslationCache(), false);
        Engine regions = Engine.of(blocksLoop(1000), 1, cache, true);
        for (Engine engine : List.of(plain, blocks, regions)) {
            assertThat(engine.interpreter.run(1_000_000)).isEqualTo(Exit.BREAKPOINT);
        }
        assertThat(differences(plain, regions)).isEmpty();
        assertThat(differences(blocks, regions)).isEmpty();
        assertThat(cache.regionsWritten()).isPositive();
        assertThat(cache.failures()).isZero();
        // the same blocks translated and the same instructions run in them, with regions or without
        assertThat(regions.interpreter.translatedBlocks()).isEqualTo(blocks.interpreter.translatedBlocks()).isEqualTo(4);
        assertThat(regions.interpreter.translatedInstructions())
                .isEqualTo(blocks.interpreter.translatedInstructions()).isGreaterThan(7_000);
        // the regions are kept: a second run of the program writes no class
        long written = cache.written();
        Engine again = Engine.of(blocksLoop(1000), 1, cache, true);
        assertThat(again.interpreter.run(1_000_000)).isEqualTo(Exit.BREAKPOINT);
        assertThat(differences(plain, again)).isEmpty();
        assertThat(cache.written()).isEqualTo(written);
    }

    @Test
    void aReturnToTheBlockAfterTheCallStaysInTheRegion() {
        for (int translateAfter = 1; translateAfter <= 3; translateAfter++) {
            TranslationCache cache = new TranslationCache();
            Engine plain = Engine.of(CALL_IN_A_LOOP, 0, new TranslationCache(), true);
            Engine blocks = Engine.of(CALL_IN_A_LOOP, translateAfter, new TranslationCache(), false);
            Engine regions = Engine.of(CALL_IN_A_LOOP, translateAfter, cache, true);
            for (Engine engine : List.of(plain, blocks, regions)) {
                assertThat(engine.interpreter.run(1_000_000)).isEqualTo(Exit.BREAKPOINT);
            }
            String as = "translated after " + translateAfter;
            // the sum of 2k + 1 for k = 1000 down to 1
            assertThat(plain.state.x(0)).isEqualTo(1_002_000L);
            assertThat(differences(plain, regions)).as(as).isEmpty();
            assertThat(regions.interpreter.translatedInstructions()).as(as)
                    .isEqualTo(blocks.interpreter.translatedInstructions()).isGreaterThan(7_900);
            // blocks alone: three entries an iteration; the region holds the call, the function and,
            // through its ret, the return site, and so the whole loop
            assertThat(blocks.interpreter.translatedEntries()).as(as).isGreaterThan(2_900);
            assertThat(regions.interpreter.translatedEntries()).as(as).isLessThan(10);
        }
    }

    @Test
    void aReturnIntoTheRegionStopsAtEveryBudgetAsTheInterpreterDoes() {
        TranslationCache cache = new TranslationCache();
        Engine whole = Engine.of(CALL_IN_A_LOOP, 0, new TranslationCache(), true);
        assertThat(whole.interpreter.run(1_000_000)).isEqualTo(Exit.BREAKPOINT);
        for (int budget = 1; budget <= 40; budget++) {
            Engine plain = Engine.of(CALL_IN_A_LOOP, 0, new TranslationCache(), true);
            Engine regions = Engine.of(CALL_IN_A_LOOP, 1, cache, true);
            Exit exit;
            do {
                exit = plain.interpreter.run(budget);
                assertThat(regions.interpreter.run(budget)).isEqualTo(exit);
                assertThat(differences(plain, regions)).as("in slices of %d", budget).isEmpty();
            } while (exit == Exit.LIMIT);
            assertThat(regions.state.instructions()).isEqualTo(whole.state.instructions());
        }
        assertThat(cache.regionsWritten()).isPositive();
    }

    /**
     * A return whose target is not the block after the call (the function moved x30 on): it
     * leaves the region at the branch, as it would without regions, and the loop runs on there.
     */
    @Test
    void aReturnElsewhereLeavesTheRegion() {
        int[] words = CALL_IN_A_LOOP.clone();
        // f: add x3, x1, x1; add x30, x30, #4; ret: returns to the subs, past the add
        words[9] = 0x910013DE;
        for (int translateAfter = 1; translateAfter <= 3; translateAfter++) {
            Engine plain = Engine.of(words, 0, new TranslationCache(), true);
            Engine regions = Engine.of(words, translateAfter, new TranslationCache(), true);
            assertThat(plain.interpreter.run(1_000_000)).isEqualTo(Exit.BREAKPOINT);
            assertThat(regions.interpreter.run(1_000_000)).isEqualTo(Exit.BREAKPOINT);
            assertThat(plain.state.x(0)).isZero();
            assertThat(differences(plain, regions)).as("translated after %d", translateAfter).isEmpty();
            assertThat(regions.interpreter.translatedEntries()).isGreaterThan(1_000);
        }
    }

    @Test
    void theBudgetStopsARegionAtEveryInstructionCount() {
        TranslationCache cache = new TranslationCache();
        Engine whole = Engine.of(blocksLoop(40), 0, new TranslationCache(), true);
        whole.interpreter.run(1_000_000);
        long total = whole.state.instructions();
        for (long budget = 1; budget <= total; budget++) {
            Engine plain = Engine.of(blocksLoop(40), 0, new TranslationCache(), true);
            Engine regions = Engine.of(blocksLoop(40), 1, cache, true);
            assertThat(plain.interpreter.run(budget)).isEqualTo(regions.interpreter.run(budget));
            assertThat(differences(plain, regions)).as("after a first run of %d", budget).isEmpty();
            assertThat(plain.interpreter.run(1_000_000)).isEqualTo(regions.interpreter.run(1_000_000));
            assertThat(differences(plain, regions)).as("after a first run of %d and the rest", budget).isEmpty();
        }
        for (int slice = 1; slice <= 40; slice++) {
            Engine plain = Engine.of(blocksLoop(40), 0, new TranslationCache(), true);
            Engine regions = Engine.of(blocksLoop(40), 1, cache, true);
            Exit exit;
            do {
                exit = plain.interpreter.run(slice);
                assertThat(regions.interpreter.run(slice)).isEqualTo(exit);
                assertThat(differences(plain, regions)).as("in slices of %d", slice).isEmpty();
            } while (exit == Exit.LIMIT);
            if (slice >= 4) { // the longest block's length: shorter slices never cover a block
                assertThat(regions.interpreter.translatedInstructions()).isPositive();
            }
        }
        assertThat(cache.regionsWritten()).isPositive();
    }

    @Test
    void aDataAbortInALaterBlockOfTheRegionStopsOnItsInstruction() {
        // 1,500 iterations walk x2 past the end of the data page: the str of the even half faults
        TranslationCache cache = new TranslationCache();
        Engine plain = Engine.of(blocksLoop(1500), 0, new TranslationCache(), true);
        Engine regions = Engine.of(blocksLoop(1500), 1, cache, true);
        assertThat(plain.interpreter.run(1_000_000)).isEqualTo(Exit.DATA_ABORT);
        assertThat(regions.interpreter.run(1_000_000)).isEqualTo(Exit.DATA_ABORT);
        assertThat(regions.state.pc()).isEqualTo(CODE + 4 * 7); // the str
        assertThat(regions.interpreter.exitAddress()).isEqualTo(DATA + 4096);
        assertThat(differences(plain, regions)).isEmpty();
        assertThat(cache.regionsWritten()).isPositive();
        assertThat(regions.interpreter.translatedInstructions()).isGreaterThan(7_000);
    }

    @Test
    void aHandlerThatChangesARegisterInsideALaterBlockIsSeenAsByTheInterpreter() {
        // demand-zero data: the first access to each new page runs a handler that moves x0
        for (int translateAfter : new int[] {1, 2, 256}) {
            Engine plain = Engine.of(blocksLoop(1500), 0, new TranslationCache(), true);
            Engine regions = Engine.of(blocksLoop(1500), translateAfter, new TranslationCache(), true);
            for (Engine engine : List.of(plain, regions)) {
                engine.memory.unmap(DATA, 4096 * 2);
                engine.memory.demandZero().onDemandZero(() -> engine.state.setX(0, engine.state.x(0) + 0x40));
            }
            assertThat(plain.interpreter.run(1_000_000)).isEqualTo(Exit.BREAKPOINT);
            assertThat(regions.interpreter.run(1_000_000)).isEqualTo(Exit.BREAKPOINT);
            assertThat(differences(plain, regions)).isEmpty();
            assertThat(regions.memory.handlerRuns()).isEqualTo(2);
        }
    }

    @Test
    void codeTheLoopRewritesIsRunAsTheInterpreterRunsIt() {
        TranslationCache cache = new TranslationCache();
        List<Engine> engines = runWritable(SELF_PATCHING, cache);
        Engine plain = engines.get(0);
        Engine blocks = engines.get(1);
        Engine regions = engines.get(2);
        // 300 + ... + 1, plus 1 in the 151 iterations up to the rewrite's (whose add was decoded
        // before it) and 2 in the other 149, after the branch that follows the rewrite
        assertThat(plain.state.x(0)).isEqualTo(45_150L + 151 + 2 * 149);
        assertThat(differences(plain, regions)).isEmpty();
        assertThat(regions.interpreter.translatedInstructions()).isEqualTo(blocks.interpreter.translatedInstructions());
        assertThat(cache.regionsWritten()).isPositive();
    }

    @Test
    void codeRewrittenInTheBlockARegionGoesToNextIsDecodedAgainFirst() {
        // the region leaves at the branch after the store, after more than its first block, and the
        // loop must drop the decoded page there (the region says it left at a branch) rather than
        // run the block it has for the rewritten address
        TranslationCache cache = new TranslationCache();
        List<Engine> engines = runWritable(REWRITING_THE_NEXT_BLOCK, cache);
        Engine plain = engines.get(0);
        Engine blocks = engines.get(1);
        Engine regions = engines.get(2);
        // 300 + ... + 1, plus 1 in the first 150 iterations and 2 in the other 150 (from the rewrite's)
        assertThat(plain.state.x(0)).isEqualTo(45_150L + 150 + 2 * 150);
        assertThat(differences(plain, regions)).isEmpty();
        assertThat(regions.interpreter.translatedInstructions()).isEqualTo(blocks.interpreter.translatedInstructions());
        assertThat(cache.regionsWritten()).isPositive();
    }

    /**
     * {@code words} on writable code run to their breakpoint interpreted, translated at first
     * entry without regions, and with regions in {@code cache}, in that order.
     */
    private static List<Engine> runWritable(int[] words, TranslationCache cache) {
        List<Engine> engines = List.of(Engine.of(words, 0, new TranslationCache(), true),
                Engine.of(words, 1, new TranslationCache(), false), Engine.of(words, 1, cache, true));
        for (Engine engine : engines) {
            engine.memory.protect(CODE, 4096, FlatMemory.R | FlatMemory.W | FlatMemory.X);
            assertThat(engine.interpreter.run(1_000_000)).isEqualTo(Exit.BREAKPOINT);
        }
        return engines;
    }

    @Test
    void aLoopAcrossAPageEndRunsAsTheInterpreterRunsIt() {
        for (int translateAfter : new int[] {1, 2, 3}) {
            Engine plain = Engine.of(acrossAPage(), 0, new TranslationCache(), true);
            Engine blocks = Engine.of(acrossAPage(), translateAfter, new TranslationCache(), false);
            TranslationCache cache = new TranslationCache();
            Engine regions = Engine.of(acrossAPage(), translateAfter, cache, true);
            for (Engine engine : List.of(plain, blocks, regions)) {
                assertThat(engine.interpreter.run(1_000_000)).isEqualTo(Exit.BREAKPOINT);
            }
            assertThat(plain.state.x(0)).isEqualTo(3L * (40 * 41 / 2));
            assertThat(differences(plain, regions)).isEmpty();
            assertThat(regions.interpreter.translatedInstructions())
                    .isEqualTo(blocks.interpreter.translatedInstructions()).isPositive();
            assertThat(cache.regionsWritten()).isPositive(); // the inner loop, a block that branches to itself
        }
    }

    /**
     * With x1 = 200 and x2 = DATA set beforehand ({@link #runLoads}): a: 30 loads
     * ldr x(3 + i % 4), [x2, #8i]; b b; b: 30 more loads; add x0, x0, x3; add x0, x0, x4;
     * subs x1, x1, #1; b.ne a; brk #0. Each block's method is under
     * {@link BlockTranslator#MAX_BYTECODE}, a region of the two over it.
     */
    private static int[] manyLoads() {
        return sixtyLoads(true);
    }

    /**
     * The 60 loads of {@link #manyLoads}, split into two blocks by a {@code b} to the next
     * instruction when {@code split}, else one block, then the adds, the loop's branch and brk.
     */
    private static int[] sixtyLoads(boolean split) {
        List<Integer> words = new ArrayList<>();
        for (int i = 0; i < 60; i++) {
            // split, each block's loads take x3 to x6 from its own first load on
            words.add(0xF9400000 | (i << 10) | (2 << 5) | (3 + (split ? i % 30 : i) % 4));
            if (split && i == 29) {
                words.add(0x14000001);
            }
        }
        words.addAll(List.of(0x8B030000, 0x8B040000, 0xF1000421));
        words.add(0x54000001 | ((-words.size() & 0x7FFFF) << 5));
        words.add(0xD4200000);
        return words.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Sets x1 = 200, x2 = DATA and the 60 words the loads read, then runs to the breakpoint. */
    private static void runLoads(Engine engine) {
        engine.state.setX(1, 200);
        engine.state.setX(2, DATA);
        for (int i = 0; i < 60; i++) {
            engine.memory.putWord(DATA + 8L * i, 0x1000 + i);
        }
        assertThat(engine.interpreter.run(1_000_000)).isEqualTo(Exit.BREAKPOINT);
    }

    @Test
    void aRegionTooBigForTheJitIsHalvedAndItsBlocksRunAsTheInterpreterRunsThem() {
        for (int translateAfter = 1; translateAfter <= 3; translateAfter++) {
            TranslationCache cache = new TranslationCache();
            List<Engine> engines = List.of(Engine.of(manyLoads(), 0, new TranslationCache(), true),
                    Engine.of(manyLoads(), translateAfter, new TranslationCache(), false),
                    Engine.of(manyLoads(), translateAfter, cache, true));
            engines.forEach(RegionTranslationTest::runLoads);
            Engine plain = engines.get(0);
            Engine blocks = engines.get(1);
            Engine regions = engines.get(2);
            assertThat(plain.state.x(0)).isEqualTo(200L * (0x1000 + 58 + 0x1000 + 59));
            assertThat(differences(plain, regions)).as("translated after %d", translateAfter).isEmpty();
            assertThat(cache.oversizedMethods()).as("translated after %d", translateAfter).isPositive();
            assertThat(cache.failures()).isZero();
            // the blocks that make no region within the limit run on their own, as without regions
            assertThat(regions.interpreter.translatedInstructions())
                    .isEqualTo(blocks.interpreter.translatedInstructions()).isGreaterThan(100L * 60);
        }
    }

    /**
     * {@link #manyLoads} without its {@code b} (the loads' registers go round x3 to x6 over all 60):
     * the loop is one block of
     * {@link BlockTranslator#MAX_LENGTH} instructions whose method is over
     * {@link BlockTranslator#MAX_BYTECODE}.
     */
    private static int[] oneLongBlockOfLoads() {
        return sixtyLoads(false);
    }

    @Test
    void aBlockTooBigForTheJitIsCutAndTheRestBecomesABlockOfItsOwn() {
        assertThat(oneLongBlockOfLoads()).hasSize(BlockTranslator.MAX_LENGTH + 1);
        for (boolean withRegions : new boolean[] {false, true}) {
            for (int translateAfter = 1; translateAfter <= 3; translateAfter++) {
                TranslationCache cache = new TranslationCache();
                Engine plain = Engine.of(oneLongBlockOfLoads(), 0, new TranslationCache(), withRegions);
                Engine translated = Engine.of(oneLongBlockOfLoads(), translateAfter, cache, withRegions);
                runLoads(plain);
                runLoads(translated);
                String as = "regions " + withRegions + ", translated after " + translateAfter;
                assertThat(plain.state.x(0)).isEqualTo(200L * (0x1000 + 56 + 0x1000 + 57));
                assertThat(differences(plain, translated)).as(as).isEmpty();
                assertThat(cache.blocksCut()).as(as).isEqualTo(1);
                assertThat(cache.oversizedMethods()).as(as).isPositive();
                assertThat(cache.failures()).as(as).isZero();
                // both halves translated: all but the iterations before each was hot run translated
                long total = translated.state.instructions();
                assertThat(translated.interpreter.translatedInstructions()).as(as)
                        .isGreaterThanOrEqualTo(total - 2L * (translateAfter + 1) * BlockTranslator.MAX_LENGTH);
            }
        }
    }

    /** What differs between two engines' exits, states, accesses and memories ("" when nothing). */
    private static String differences(Engine a, Engine b) {
        StringBuilder diff = new StringBuilder();
        if (a.interpreter.exit() != b.interpreter.exit() || a.interpreter.exitAddress() != b.interpreter.exitAddress()
                || a.interpreter.exitWord() != b.interpreter.exitWord()) {
            diff.append(String.format("exit %s at %x (%x) / %s at %x (%x); ", a.interpreter.exit(),
                    a.interpreter.exitAddress(), a.interpreter.exitWord(), b.interpreter.exit(),
                    b.interpreter.exitAddress(), b.interpreter.exitWord()));
        }
        if (a.state.pc() != b.state.pc() || a.state.instructions() != b.state.instructions()) {
            diff.append(String.format("pc %x / %x after %d / %d instructions; ", a.state.pc(), b.state.pc(),
                    a.state.instructions(), b.state.instructions()));
        }
        for (int i = 0; i < 31; i++) {
            if (a.state.x(i) != b.state.x(i)) {
                diff.append(String.format("x%d %x / %x; ", i, a.state.x(i), b.state.x(i)));
            }
        }
        if (a.state.sp() != b.state.sp() || a.state.nzcv() != b.state.nzcv()
                || a.state.retiredAtAccess() != b.state.retiredAtAccess()) {
            diff.append("sp, nzcv or retiredAtAccess; ");
        }
        if (!a.accesses.equals(b.accesses)) {
            diff.append(String.format("accesses (pc, retired before) %s / %s; ", a.accesses, b.accesses));
        }
        if (a.memory.loads() != b.memory.loads() || a.memory.stores() != b.memory.stores()
                || !a.memory.sameContents(b.memory)) {
            diff.append("memory; ");
        }
        return diff.toString();
    }

    /** One interpreter over its own memory and state: code at CODE, 4 KiB of data at DATA. */
    private static final class Engine {
        final FlatMemory memory = new FlatMemory();
        final CpuState state = new CpuState();
        final Interpreter interpreter;
        final List<Long> accesses = new ArrayList<>();

        private Engine(TranslationCache cache) {
            interpreter = new Interpreter(state, memory, cache);
            memory.observeAccesses(() -> {
                accesses.add(state.pc());
                accesses.add(state.retiredAtAccess());
            });
        }

        static Engine of(int[] words, int translateAfter, TranslationCache cache, boolean regions) {
            Engine engine = new Engine(cache);
            engine.memory.map(CODE, 8192, FlatMemory.R | FlatMemory.X);
            for (int i = 0; i < words.length; i++) {
                engine.memory.putWord(CODE + 4L * i, words[i]);
            }
            engine.memory.map(DATA, 4096, FlatMemory.R | FlatMemory.W);
            engine.state.setPc(CODE);
            engine.interpreter.translateAfter(translateAfter);
            engine.interpreter.regions(regions);
            return engine;
        }
    }
}
