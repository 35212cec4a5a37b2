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
        BlockKey key = new BlockKey(pageBase + 4L * slot, words);
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

    /** A block's identity: its first instruction's address and its encodings. */
    private static final class BlockKey {
        private final long start;
        private final int[] words;
        private final int hash;

        BlockKey(long start, int[] words) {
            this.start = start;
            this.words = words;
            this.hash = Long.hashCode(start) * 31 + Arrays.hashCode(words);
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof BlockKey k && k.start == start && Arrays.equals(k.words, words);
        }

        @Override
        public int hashCode() {
            return hash;
        }
    }
}
