package org.capbuddy.kernel.boot;

/** A half-open range of root CNode slots [start, end) ({@code seL4_SlotRegion}). */
public record SlotRegion(long start, long end) {

    public long size() {
        return end - start;
    }
}
