package org.capbuddy.sos.paging;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A tiny reference pager for differential tests: {@code frames} page frames in an array, filled in
 * order, replaced by plain FIFO (a pointer round the array) or by the clock (a hand round the
 * array over reference bits, cleared as it passes, a cleared page's next touch being a soft
 * fault). Written from the textbook definitions, apart from SOS's policies, and records the
 * victims and the counts SOS reports.
 */
final class ReferencePager {
    final List<Integer> victims = new ArrayList<>();
    int faults;
    int pageOuts;
    int pageIns;
    int softFaults;

    private final boolean clock;
    private final int[] frames;
    private final boolean[] referenced;
    private final boolean[] everOut = new boolean[1 << 16];
    private int used;
    private int hand;

    ReferencePager(String policy, int frames) {
        this.clock = policy.equals(SecondChancePolicy.NAME);
        this.frames = new int[frames];
        this.referenced = new boolean[frames];
        Arrays.fill(this.frames, -1);
    }

    /** Touches page {@code page} (0 .. 65535). */
    void touch(int page) {
        for (int i = 0; i < used; i++) {
            if (frames[i] == page) {
                if (clock && !referenced[i]) {
                    softFaults++;
                    referenced[i] = true;
                }
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
            used++;
            return;
        }
        while (clock && referenced[hand]) {
            referenced[hand] = false;
            hand = (hand + 1) % frames.length;
        }
        victims.add(frames[hand]);
        everOut[frames[hand]] = true;
        pageOuts++;
        frames[hand] = page;
        referenced[hand] = true;
        hand = (hand + 1) % frames.length;
    }
}
