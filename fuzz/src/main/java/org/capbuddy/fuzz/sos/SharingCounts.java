package org.capbuddy.fuzz.sos;

/**
 * How much of a fork fuzzer's run exercised MAP_SHARED memory: the shared mappings made, and the
 * checked reads (loads, block reads, write(2)'s copies) that found a shared page whose last store
 * was another process's. One per fuzzer, given to every process's model.
 */
final class SharingCounts {
    private long mmaps;
    private long crossReads;

    void mmapped() {
        mmaps++;
    }

    void crossRead() {
        crossReads++;
    }

    long mmaps() {
        return mmaps;
    }

    long crossReads() {
        return crossReads;
    }
}
