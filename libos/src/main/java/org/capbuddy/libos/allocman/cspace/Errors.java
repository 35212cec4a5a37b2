package org.capbuddy.libos.allocman.cspace;

import org.capbuddy.libos.vka.AllocError;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.Result;

/** Error values of the cspace managers: one place that words them the same way. */
final class Errors {
    private Errors() {
    }

    /** The same kind of error (and kernel result) as {@code cause}, saying what we were doing. */
    static <T> Result<T> during(String what, AllocError cause) {
        return Result.fail(new AllocError(cause.kind(), what + ": " + cause.detail(), cause.kernelResult()));
    }

    static <T> Result<T> badArgument(String detail) {
        return Result.fail(AllocErrorKind.BAD_ARGUMENT, detail);
    }

    static <T> Result<T> notAllocated(String detail) {
        return Result.fail(AllocErrorKind.NOT_ALLOCATED, detail);
    }

    static <T> Result<T> outOfSlots(String detail) {
        return Result.fail(AllocErrorKind.OUT_OF_SLOTS, detail);
    }

    /** A run size a manager can take at all: 0..{@link SlotBitmap#MAX_RUN_BITS}. */
    static String runBitsProblem(int numBits) {
        return numBits < 0 || numBits > SlotBitmap.MAX_RUN_BITS
                ? "run size must be 2^0..2^" + SlotBitmap.MAX_RUN_BITS + " slots, got 2^" + numBits
                : null;
    }
}
