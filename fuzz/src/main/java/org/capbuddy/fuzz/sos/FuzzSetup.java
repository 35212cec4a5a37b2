package org.capbuddy.fuzz.sos;

import java.util.List;
import java.util.SplittableRandom;
import org.capbuddy.sos.frametable.FrameTable;
import org.capbuddy.sos.machine.SosConfig;
import org.capbuddy.sos.paging.PolicyRegistry;

/**
 * What a seed makes of the SOS a fuzz run drives: the allocator under it, the frame table's size
 * and demand paging (a page file of some size and a replacement policy, or none).
 *
 * <p>Seeds that are 3 mod 4 run SOS on plain allocman, the others on the CapBuddy pool. Seeds
 * that are 2 mod 3 page, in a frame table of {@link #MIN_PAGING_FRAMES} to
 * {@link #MAX_PAGING_FRAMES} frames, far below what the processes touch, so that most faults
 * evict: a quarter of them with a page file of 8 to 63 slots that fills (faults then run out of
 * memory), half with 256 to 1,023 slots, a quarter with 4,096, which never fills; the policy is
 * FIFO or second chance, evenly. The other seeds do not page: seeds 4 mod 5 get a frame table of
 * {@link #TIGHT_FRAMES} frames, so faults also run out of memory, the rest {@link #FRAMES}. The
 * paging choices come from a stream of their own, so that a seed's operations are the same
 * whether or not it pages.
 *
 * @param usePool SOS's frames from the CapBuddy pool, else from plain allocman
 * @param frames the frame table's limit
 * @param pageFilePages the page file's slots, 0 for no paging
 * @param policy the replacement policy's name (meaningful only with a page file)
 */
record FuzzSetup(boolean usePool, int frames, int pageFilePages, String policy) {
    static final int FRAMES = 4096;
    static final int TIGHT_FRAMES = 160;
    static final int MIN_PAGING_FRAMES = 16;
    static final int MAX_PAGING_FRAMES = 64;
    /** Mixed into the seed for the paging choices' own stream (SplitMix64's increment). */
    private static final long PAGING_STREAM = 0x9E37_79B9_7F4A_7C15L;

    static FuzzSetup of(long seed) {
        boolean usePool = Math.floorMod(seed, 4) != 3;
        if (Math.floorMod(seed, 3) != 2) {
            int frames = Math.floorMod(seed, 5) == 4 ? TIGHT_FRAMES : FRAMES;
            return new FuzzSetup(usePool, frames, 0, PolicyRegistry.defaultName());
        }
        SplittableRandom choices = new SplittableRandom(seed ^ PAGING_STREAM);
        int frames = MIN_PAGING_FRAMES + choices.nextInt(MAX_PAGING_FRAMES - MIN_PAGING_FRAMES + 1);
        int size = choices.nextInt(4);
        int pages = size == 0 ? 8 + choices.nextInt(56) : size == 3 ? 4096 : 256 + choices.nextInt(768);
        List<String> policies = PolicyRegistry.names();
        return new FuzzSetup(usePool, frames, pages, policies.get(choices.nextInt(policies.size())));
    }

    boolean paging() {
        return pageFilePages > 0;
    }

    SosConfig sosConfig() {
        return new SosConfig(FrameTable.SEED_REF_BITS, frames).withPaging(pageFilePages, policy);
    }

    /** For the run's report and its failures: "CapBuddy pool, 40-frame table, paging (fifo, 512-page file)". */
    String describe() {
        String base = (usePool ? "CapBuddy pool" : "plain allocman") + ", " + frames + "-frame table";
        return paging() ? base + ", paging (" + policy + ", " + pageFilePages + "-page file)" : base;
    }
}
