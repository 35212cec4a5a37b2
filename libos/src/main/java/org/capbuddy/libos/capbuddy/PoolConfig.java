package org.capbuddy.libos.capbuddy;

import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.Result;

/**
 * How a CapBuddy pool behaves.
 *
 * @param spareTrees fully free trees kept instead of being given back at once, so that a load
 *     that hovers around a tree boundary does not build and destroy a tree on every call
 * @param freeCheck what a free does to make sure no mapping of the block survives it
 * @param treePolicy whether fully free trees beyond the spares go back to allocman at all
 */
public record PoolConfig(int spareTrees, FreeCheck freeCheck, TreePolicy treePolicy) {

    /** The most spare trees a configuration may ask for (4 GiB of spare frames). */
    public static final int MAX_SPARE_TREES = 1024;

    /** What a free checks before the frames can be handed out again. */
    public enum FreeCheck {
        /**
         * Nothing: the caller promises that every cap derived from the block is deleted and the
         * pool's own caps are unmapped (the original's behaviour). No kernel call; for workloads
         * that never map or copy their frames, such as the benchmarks.
         */
        TRUSTED,
        /**
         * Every frame's own cap is probed (a mapped one refuses the free, with nothing changed) and
         * then revoked, which deletes every copy made of it and so removes every mapping through a
         * copy. Two kernel invocations per frame; no frame is handed out again while any cap to it
         * is mapped anywhere.
         */
        REVOKE
    }

    /** What becomes of a tree whose frames are all free again. */
    public enum TreePolicy {
        /**
         * Given back to allocman (its untyped revoked, its slots and record freed) once more than
         * {@code spareTrees} trees are fully free: the pool holds no more memory than its load
         * needs. This model's default.
         */
        RETURN_SPARES,
        /**
         * Kept for good, as the original CapBuddy keeps every tree it ever made: no tree is built
         * twice, and memory that once went to the pool stays there.
         */
        KEEP_ALL
    }

    public PoolConfig {
        if (freeCheck == null) {
            freeCheck = FreeCheck.REVOKE;
        }
        if (treePolicy == null) {
            treePolicy = TreePolicy.RETURN_SPARES;
        }
    }

    /** Spare trees and free check, fully free trees beyond the spares given back. */
    public PoolConfig(int spareTrees, FreeCheck freeCheck) {
        this(spareTrees, freeCheck, TreePolicy.RETURN_SPARES);
    }

    /** One spare tree, frees checked and copies revoked. */
    public static PoolConfig defaults() {
        return new PoolConfig(1, FreeCheck.REVOKE);
    }

    public PoolConfig withSpareTrees(int n) {
        return new PoolConfig(n, freeCheck, treePolicy);
    }

    public PoolConfig withFreeCheck(FreeCheck check) {
        return new PoolConfig(spareTrees, check, treePolicy);
    }

    public PoolConfig withTreePolicy(TreePolicy policy) {
        return new PoolConfig(spareTrees, freeCheck, policy);
    }

    /** Done when this configuration can be used, else why not. */
    public Result<Void> check() {
        if (spareTrees < 0 || spareTrees > MAX_SPARE_TREES) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT,
                    "spare trees must be 0.." + MAX_SPARE_TREES + ", got " + spareTrees);
        }
        return Result.done();
    }
}
