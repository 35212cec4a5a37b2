package org.capbuddy.sos.machine;

import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.sos.frametable.FrameTable;

/**
 * How SOS itself is set up on a machine.
 *
 * @param frameLimit the most frames SOS's frame table hands out at once: 1 ..
 *     {@link FrameTable#MAX_FRAMES} (the seed's 19-bit frame references, just under 2 GiB)
 */
public record SosConfig(int frameLimit) {

    /** A frame table as large as 19-bit references allow. */
    public static SosConfig defaults() {
        return new SosConfig(FrameTable.MAX_FRAMES);
    }

    /** Done when SOS can start with this configuration, else why not. */
    public Result<Void> check() {
        if (frameLimit < 1 || frameLimit > FrameTable.MAX_FRAMES) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "the frame table limit must be 1.." + FrameTable.MAX_FRAMES
                    + " frames (19-bit frame references), got " + frameLimit);
        }
        return Result.done();
    }
}
