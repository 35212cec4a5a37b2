package org.capbuddy.libos.capbuddy;

/**
 * How a CapBuddy pool behaves.
 *
 * @param spareTrees fully free trees kept instead of being given back at once, so that a load
 *     that hovers around a tree boundary does not build and destroy a tree on every call
 * @param checkUnmappedOnFree before a block goes back, ask the kernel whether any of its frame
 *     caps is still mapped (one invocation per frame, no side effect); a mapped frame makes the
 *     free an error. Off, the caller is trusted, as in the original
 * @param probeVSpace cptr of a VSpace with an ASID (the root task's) used by that check
 */
public record PoolConfig(int spareTrees, boolean checkUnmappedOnFree, long probeVSpace) {

    /** One spare tree, frees checked. */
    public static PoolConfig defaults(long probeVSpace) {
        return new PoolConfig(1, true, probeVSpace);
    }

    public PoolConfig withSpareTrees(int n) {
        return new PoolConfig(n, checkUnmappedOnFree, probeVSpace);
    }

    public PoolConfig withUnmappedCheck(boolean check) {
        return new PoolConfig(spareTrees, check, probeVSpace);
    }
}
