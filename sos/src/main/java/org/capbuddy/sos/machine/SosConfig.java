package org.capbuddy.sos.machine;

import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.sos.frametable.FrameTable;
import org.capbuddy.sos.paging.PageFile;
import org.capbuddy.sos.paging.PolicyRegistry;
import org.capbuddy.sos.process.ForkMode;

/**
 * How SOS itself is set up on a machine.
 *
 * @param frameRefBits the width of the frame table's references: 1 .. {@link FrameTable#MAX_REF_BITS};
 *     the seed's is {@link FrameTable#SEED_REF_BITS} (2^19 − 1 frames, just under 2 GiB)
 * @param frameLimit the most frames SOS's frame table hands out at once: 1 ..
 *     {@link FrameTable#maxFrames}(frameRefBits)
 * @param pageFilePages the page file's size in 4 KiB slots: 0 (the default) for no paging, a
 *     process then being killed when a fault finds the frame table full; else 1 .. {@link PageFile#MAX_SLOTS}
 * @param pagingPolicy the replacement policy's name (see {@link PolicyRegistry#names()}); used only with a page file
 * @param forkMode how a fork gives the child its parent's pages: shared copy-on-write (the default
 *     without paging) or copied at once (the reference, and the only mode with paging: SOS's pager
 *     evicts a page by taking its frame, which a shared frame cannot allow)
 * @param forkModeChosen whether {@code forkMode} was asked for, and so stays what it is when the
 *     paging changes ({@link #withPaging}; {@link #check} then refuses copy-on-write with paging),
 *     rather than following it
 */
public record SosConfig(int frameRefBits, int frameLimit, int pageFilePages, String pagingPolicy, ForkMode forkMode,
        boolean forkModeChosen) {

    /** As the canonical constructor, {@code forkMode} chosen. */
    public SosConfig(int frameRefBits, int frameLimit, int pageFilePages, String pagingPolicy, ForkMode forkMode) {
        this(frameRefBits, frameLimit, pageFilePages, pagingPolicy, forkMode, true);
    }

    /** As the canonical constructor, forks sharing copy-on-write without paging and copying with it. */
    public SosConfig(int frameRefBits, int frameLimit, int pageFilePages, String pagingPolicy) {
        this(frameRefBits, frameLimit, pageFilePages, pagingPolicy, defaultForkMode(pageFilePages), false);
    }

    private static ForkMode defaultForkMode(int pageFilePages) {
        return pageFilePages > 0 ? ForkMode.COPY : ForkMode.COW;
    }

    /** A frame table of {@code frameRefBits}-bit references with the given limit, and no paging. */
    public SosConfig(int frameRefBits, int frameLimit) {
        this(frameRefBits, frameLimit, 0, PolicyRegistry.defaultName());
    }

    /** A frame table of the seed's 19-bit references with the given limit. */
    public SosConfig(int frameLimit) {
        this(FrameTable.SEED_REF_BITS, frameLimit);
    }

    /** The seed's frame table: 19-bit references, as many frames as they name. */
    public static SosConfig defaults() {
        return withFrameRefBits(FrameTable.SEED_REF_BITS);
    }

    /**
     * A frame table of {@code bits}-bit references holding as many frames as they name (for a
     * machine whose RAM the seed's 2 GiB cannot cover: 24 bits name just under 64 GiB, 28 bits just under 1 TiB).
     */
    public static SosConfig withFrameRefBits(int bits) {
        return new SosConfig(bits, bits >= 1 && bits <= FrameTable.MAX_REF_BITS ? FrameTable.maxFrames(bits) : 0);
    }

    /** The narrowest references whose table holds every 4 KiB frame of {@code ramBytes} (never below the seed's 19). */
    public static SosConfig forRam(long ramBytes) {
        long frames = Math.max(1, ramBytes >>> 12);
        int bits = Math.max(FrameTable.SEED_REF_BITS, 64 - Long.numberOfLeadingZeros(frames));
        return withFrameRefBits(Math.min(FrameTable.MAX_REF_BITS, bits));
    }

    /**
     * This configuration with a page file of {@code pages} slots (0: no paging) and the policy
     * named {@code policy}. A fork mode chosen ({@link #withForkMode}) stays as it is (copy-on-write
     * with paging is then refused by {@link #check}); else forks copy with paging and share
     * copy-on-write without it.
     */
    public SosConfig withPaging(int pages, String policy) {
        return new SosConfig(frameRefBits, frameLimit, pages, policy,
                forkModeChosen ? forkMode : defaultForkMode(pages), forkModeChosen);
    }

    /** This configuration with forks giving their child the parent's pages as {@code mode} says, whatever the paging. */
    public SosConfig withForkMode(ForkMode mode) {
        return new SosConfig(frameRefBits, frameLimit, pageFilePages, pagingPolicy, mode, true);
    }

    /** Whether SOS pages user memory out to a page file when its frame table is full. */
    public boolean paging() {
        return pageFilePages > 0;
    }

    /** Done when SOS can start with this configuration, else why not. */
    public Result<Void> check() {
        Result<Void> table = FrameTable.check(frameRefBits, frameLimit);
        if (!table.isOk()) {
            return table;
        }
        Result<Void> pages = PageFile.check(pageFilePages);
        if (!pages.isOk()) {
            return pages;
        }
        if (forkMode == null) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "no fork mode (copy or cow)");
        }
        if (forkMode == ForkMode.COW && paging()) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "copy-on-write forks need SOS without paging: the pager"
                    + " evicts a page by taking its frame, which another process may map (fork copy pages)");
        }
        return PolicyRegistry.check(pagingPolicy);
    }
}
