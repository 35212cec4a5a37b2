package org.capbuddy.sos.paging;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A tiny reference pager for differential tests: {@code frames} page frames in an array, filled in
 * order, replaced by plain FIFO (a pointer round the array) or by the clock (a hand round the
 * array over reference bits, cleared as it passes, a cleared page's next touch being a soft
 * fault), or by the enhanced clock (the hand's four turns over reference and dirty bits: an
 * unreferenced clean page without clearing anything, then an unreferenced dirty one clearing the
 * bits it passes, then both again; a page is dirty once written while resident). Written from
 * the textbook definitions, apart from SOS's policies, and records the victims and the counts
 * SOS reports (page-outs here are all evictions, written or dropped).
 */
final class ReferencePager {
    final List<Integer> victims = new ArrayList<>();
    int faults;
    int pageOuts;
    int pageIns;
    int softFaults;

    private final boolean clock;
    private final boolean enhanced;
    private final int[] frames;
    private final boolean[] referenced;
    private final boolean[] dirty;
    private final boolean[] everOut = new boolean[1 << 16];
    private int used;
    private int hand;

    ReferencePager(String policy, int frames) {
        this.enhanced = policy.equals(EnhancedSecondChancePolicy.NAME);
        this.clock = enhanced || policy.equals(SecondChancePolicy.NAME);
        this.frames = new int[frames];
        this.referenced = new boolean[frames];
        this.dirty = new boolean[frames];
        Arrays.fill(this.frames, -1);
    }

    /** Touches page {@code page} (0 .. 65535) with a write, as a driver that knows no clean pages does. */
    void touch(int page) {
        touch(page, true);
    }

    /** Touches page {@code page} (0 .. 65535), a write when {@code write}. */
    void touch(int page, boolean write) {
        for (int i = 0; i < used; i++) {
            if (frames[i] == page) {
                if (clock && !referenced[i]) {
                    softFaults++;
                    referenced[i] = true;
                }
                dirty[i] |= write;
                return;
            }
        }
        faults++;
        if (everOut[page]) {
            pageIns++;
            everOut[page] = false;
        }
        if (used < frames.length) {
            frames[used] = page;
            referenced[used] = true;
            dirty[used] = write;
            used++;
            return;
        }
        if (enhanced) {
            enhancedHand();
        } else {
            while (clock && referenced[hand]) {
                referenced[hand] = false;
                hand = (hand + 1) % frames.length;
            }
        }
        victims.add(frames[hand]);
        everOut[frames[hand]] = true;
        pageOuts++;
        frames[hand] = page;
        referenced[hand] = true;
        dirty[hand] = write;
        hand = (hand + 1) % frames.length;
    }

    /** Moves the hand to the enhanced clock's victim. */
    private void enhancedHand() {
        for (int turn = 0; turn < 4; turn++) {
            boolean wantClean = turn % 2 == 0;
            for (int n = 0; n < frames.length; n++) {
                if (!referenced[hand] && dirty[hand] != wantClean) {
                    return;
                }
                if (!wantClean) {
                    referenced[hand] = false;
                }
                hand = (hand + 1) % frames.length;
            }
        }
        throw new IllegalStateException("the enhanced clock found no victim in four turns");
    }
}
