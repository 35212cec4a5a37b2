package org.capbuddy.libos.policy;

/**
 * A block a {@link FramePolicy} handed out: 2^order frame caps at cptrs {@code firstCptr} to
 * {@code firstCptr + 2^order - 1} of the vka's CSpace, and whatever the policy needs to take it
 * back ({@code handle}: a cookie, an index, a cptr of its own; the caller never reads it).
 */
public record FrameBlock(long firstCptr, int order, long handle) {
    /** Frames in the block. */
    public int frames() {
        return 1 << order;
    }
}
