package org.capbuddy.aarch64.cpu;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.capbuddy.aarch64.decode.Insn;

/**
 * Translated blocks kept for reuse, by where they start and the instruction words they are made
 * of: a program run again, a second process running the same program, or code decoded again after
 * a change elsewhere gets the class already written (and already compiled by HotSpot) instead of
 * a new one. A block's code depends on nothing else (its PCs are constants, its state arrives as
 * arguments), so sharing it between interpreters is safe. One cache serves one machine; the
 * least recently used blocks beyond {@link #capacity()} are dropped, and their classes unloaded
 * once no interpreter holds them.
 */
public final class TranslationCache {
    /** Blocks kept by default: a few MiB of classes and compiled code. */
    public static final int DEFAULT_CAPACITY = 4096;

    private final BlockTranslator translator = new BlockTranslator();
    private final int capacity;
    private final Map<BlockKey, TranslatedBlock> blocks;
    private long hits;
    private long regionsWritten;

    /** A cache of at most {@code capacity} blocks (at least 1). */
    public TranslationCache(int capacity) {
        this.capacity = Math.max(1, capacity);
        this.blocks = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<BlockKey, TranslatedBlock> eldest) {
                return size() > TranslationCache.this.capacity;
            }
        };
    }

    public TranslationCache() {
        this(DEFAULT_CAPACITY);
    }

    public int capacity() {
        return capacity;
    }

    /** Blocks in the cache. */
    public int size() {
        return blocks.size();
    }

    /** Classes written (each a block translated for the first time, or again after it was dropped). */
    public long written() {
        return translator.translated();
    }

    /** Blocks found already translated. */
    public long hits() {
        return hits;
    }

    /** Regions written (classes for several blocks of a page, or a block that loops on itself). */
    public long regionsWritten() {
        return regionsWritten;
    }

    /**
     * Methods not written because they would have been too big for HotSpot to compile: regions (a
     * smaller one is tried), and blocks' longer tries before they were {@linkplain #blocksCut cut}.
     */
    public long oversizedMethods() {
        return translator.oversized();
    }

    /**
     * Blocks translated shorter than the run of instructions they start, because that run's
     * method would have been too big for HotSpot to compile (a long run of loads and stores).
     */
    public long blocksCut() {
        return translator.blocksCut();
    }

    /** Blocks the JVM refused to define; they run interpreted. Non-zero only through a bug. */
    public long failures() {
        return translator.failures();
    }

    /** The block of {@code length} instructions at {@code slot} of the page at {@code pageBase}, or null. */
    TranslatedBlock block(Insn[] page, int slot, long pageBase, int length) {
        int[] words = new int[length];
        for (int i = 0; i < length; i++) {
            words[i] = page[slot + i].word;
        }
        BlockKey key = new BlockKey(pageBase + 4L * slot, false, words);
        TranslatedBlock block = blocks.get(key);
        if (block != null) {
            hits++;
            return block;
        }
        block = translator.translate(page, slot, pageBase, length);
        if (block != null) {
            blocks.put(key, block);
        }
        return block;
    }

    /**
     * The region of {@code plan} on the page at {@code pageBase}, or null when it cannot be
     * written (too big; the caller then asks for a smaller one or the block alone).
     */
    TranslatedBlock region(Insn[] page, long pageBase, RegionPlan plan) {
        int total = 0;
        for (int length : plan.lengths()) {
            total += 2 + length;
        }
        int[] words = new int[total];
        int at = 0;
        for (int b = 0; b < plan.blocks(); b++) {
            int slot = plan.slots()[b];
            words[at++] = slot;
            words[at++] = plan.lengths()[b];
            for (int i = 0; i < plan.lengths()[b]; i++) {
                words[at++] = page[slot + i].word;
            }
        }
        BlockKey key = new BlockKey(pageBase + 4L * plan.slots()[0], true, words);
        TranslatedBlock region = blocks.get(key);
        if (region != null) {
            hits++;
            return region;
        }
        region = translator.translateRegion(page, pageBase, plan);
        if (region != null) {
            regionsWritten++;
            blocks.put(key, region);
        }
        return region;
    }

    /**
     * A block's identity: its first instruction's address and its encodings; a region's: its
     * entry's address and, block by block, the slot, the length and the encodings.
     */
    private static final class BlockKey {
        private final long start;
        private final boolean region;
        private final int[] words;
        private final int hash;

        BlockKey(long start, boolean region, int[] words) {
            this.start = start;
            this.region = region;
            this.words = words;
            this.hash = (Long.hashCode(start) * 31 + Arrays.hashCode(words)) * 2 + (region ? 1 : 0);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof BlockKey k && k.start == start && k.region == region && Arrays.equals(k.words, words);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
