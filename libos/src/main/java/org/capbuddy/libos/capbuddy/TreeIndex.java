package org.capbuddy.libos.capbuddy;

import java.util.Arrays;

/**
 * Trees by slot run: a tree's 1024 frame caps fill one aligned run of 1024 slots, so the run of a
 * cptr, {@code cptr >>> SLOT_RUN_BITS}, names at most one tree. This is the lookup on the pool's
 * free path, so the common case is a plain array index (no hash, no probe, no cast): runs below
 * {@link #DIRECT_RUNS} (cptrs below 2^30, which covers every CSpace allocman builds, single- or
 * two-level) live in an array grown by doubling to the highest run in use. A vka with a deeper
 * CSpace may hand out higher runs; those go to a {@link LongMap}, so no cptr is out of reach.
 */
final class TreeIndex {
    /** Runs kept in the array: at most 2^20 references (4 to 8 MiB), and only if such a run is used. */
    static final int DIRECT_RUNS = 1 << 20;

    private Tree[] direct = new Tree[64];
    private final LongMap<Tree> far = new LongMap<>();

    /** The tree whose slot run is {@code run} (a value of {@code cptr >>> SLOT_RUN_BITS}, so never negative), or null. */
    Tree get(long run) {
        Tree[] d = direct;
        return run < d.length ? d[(int) run] : far.get(run);
    }

    void put(long run, Tree tree) {
        if (run >= DIRECT_RUNS) {
            far.put(run, tree);
            return;
        }
        if (run >= direct.length) {
            direct = Arrays.copyOf(direct, Integer.highestOneBit((int) run) << 1);
        }
        direct[(int) run] = tree;
    }

    void remove(long run) {
        if (run < direct.length) {
            direct[(int) run] = null;
        } else {
            far.remove(run);
        }
    }
}
