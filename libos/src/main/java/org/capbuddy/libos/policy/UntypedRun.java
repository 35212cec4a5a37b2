package org.capbuddy.libos.policy;

import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.CSpacePath;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.libos.vka.Vka;
import org.capbuddy.libos.vka.VkaObject;
import org.capbuddy.libos.vka.VkaObjects;

/**
 * What a block policy that retypes its own frames starts from: an untyped of exactly the block's
 * size (2^order frames) from the vka, and a run of 2^order consecutive slots for the frames' caps.
 * Taking both is all or nothing; giving them back is the caller's last step, once the frames
 * retyped from the untyped are gone.
 */
public record UntypedRun(VkaObject untyped, CSpacePath slots, int order) {
    private static final int FRAME_BITS = 12;

    /** The untyped and the slots for a block of 2^order frames, or why not (then nothing is taken). */
    public static Result<UntypedRun> take(Vka vka, int order) {
        Result<VkaObject> untyped = VkaObjects.allocUntyped(vka, FRAME_BITS + order);
        if (!untyped.isOk()) {
            return untyped.asFailure();
        }
        Result<CSpacePath> slots = vka.cspaceAllocContiguous(order);
        if (!slots.isOk()) {
            VkaObjects.free(vka, untyped.value());
            return slots.asFailure();
        }
        return Result.ok(new UntypedRun(untyped.value(), slots.value(), order));
    }

    /** The first frame's cptr: the run's first slot. */
    public long firstCptr() {
        return slots.capPtr();
    }

    /** Gives the slots and then the untyped back; the first refusal, if any. */
    public Result<Void> giveBack(Vka vka) {
        if (vka == null) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "no vka to give the block's untyped and slots back to");
        }
        Result<Void> freedSlots = vka.cspaceFreeContiguous(slots.capPtr(), order);
        Result<Void> freedUntyped = VkaObjects.free(vka, untyped);
        return !freedSlots.isOk() ? freedSlots : freedUntyped;
    }
}
