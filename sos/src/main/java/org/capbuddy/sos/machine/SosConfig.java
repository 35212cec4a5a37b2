package org.capbuddy.sos.machine;

import org.capbuddy.libos.vka.Result;
import org.capbuddy.sos.frametable.FrameTable;

/**
 * How SOS itself is set up on a machine.
 *
 * @param frameRefBits the width of the frame table's references: 1 .. {@link FrameTable#MAX_REF_BITS};
 *     the seed's is {@link FrameTable#SEED_REF_BITS} (2^19 − 1 frames, just under 2 GiB)
 * @param frameLimit the most frames SOS's frame table hands out at once: 1 ..
 *     {@link FrameTable#maxFrames}(frameRefBits)
 */
public record SosConfig(int frameRefBits, int frameLimit) {

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

    /** Done when SOS can start with this configuration, else why not. */
    public Result<Void> check() {
        return FrameTable.check(frameRefBits, frameLimit);
    }
}
