package org.capbuddy.kernel.api;

import java.util.Arrays;

/**
 * What an seL4 invocation returns to its caller: the error code (the reply label) and the message
 * registers that carry the error details or the results.
 *
 * <p>Detail words follow seL4: RangeError puts min and max in MR0 and MR1; InvalidArgument and
 * InvalidCapability the index of the argument or cap; NotEnoughMemory the bytes left; FailedLookup
 * MR0 = 1 for the source side, MR1 the failure type, MR2 bits left, MR3 bits or guard found, MR4
 * the guard size. On success the words are the invocation's results (Page_GetAddress: MR0 paddr).
 *
 * <p>A cptr naming the invoked cap or an extra cap that cannot be resolved gives no error in real
 * seL4: the caller takes a cap fault. The model returns that to the caller as a result whose
 * {@link #capFault()} is set and whose error is {@link Sel4Error#INVALID_CAPABILITY}, so that a
 * caller testing {@link #isOk()} can never mistake it for success.
 */
public record InvocationResult(Sel4Error error, long[] words, CapFault capFault) {

    private static final long[] NONE = new long[0];
    private static final InvocationResult OK = new InvocationResult(Sel4Error.NO_ERROR, NONE, null);

    public InvocationResult {
        words = words.clone();
    }

    public static InvocationResult ok() {
        return OK;
    }

    public static InvocationResult ok(long... results) {
        return new InvocationResult(Sel4Error.NO_ERROR, results, null);
    }

    public static InvocationResult error(Sel4Error error, long... details) {
        return new InvocationResult(error, details, null);
    }

    public static InvocationResult rangeError(long min, long max) {
        return error(Sel4Error.RANGE_ERROR, min, max);
    }

    public static InvocationResult invalidArgument(int argument) {
        return error(Sel4Error.INVALID_ARGUMENT, argument);
    }

    public static InvocationResult invalidCapability(int capIndex) {
        return error(Sel4Error.INVALID_CAPABILITY, capIndex);
    }

    public static InvocationResult failedLookup(boolean sourceSide, LookupFailure failure) {
        long source = sourceSide ? 1 : 0;
        if (failure.type() == LookupFailureType.GUARD_MISMATCH) {
            return error(Sel4Error.FAILED_LOOKUP, source, failure.type().code(), failure.bitsLeft(),
                    failure.bitsFound(), failure.guardSize());
        }
        if (failure.type() == LookupFailureType.DEPTH_MISMATCH) {
            return error(Sel4Error.FAILED_LOOKUP, source, failure.type().code(), failure.bitsLeft(),
                    failure.bitsFound());
        }
        if (failure.type() == LookupFailureType.MISSING_CAPABILITY) {
            return error(Sel4Error.FAILED_LOOKUP, source, failure.type().code(), failure.bitsLeft());
        }
        return error(Sel4Error.FAILED_LOOKUP, source, failure.type().code());
    }

    public static InvocationResult capFault(CapFault fault) {
        return new InvocationResult(Sel4Error.INVALID_CAPABILITY, NONE, fault);
    }

    /** True when the invocation ran and succeeded. */
    public boolean isOk() {
        return error == Sel4Error.NO_ERROR && capFault == null;
    }

    /** Message register {@code i}, or 0 when the reply carried fewer words (as a stale MR would read). */
    public long mr(int i) {
        return i >= 0 && i < words.length ? words[i] : 0;
    }

    @Override
    public long[] words() {
        return words.clone();
    }

    /**
     * For a Page_Map that failed with FailedLookup: the number of address bits the walk could not
     * resolve, as {@code seL4_MappingFailedLookupLevel()} reads it (39, 30 or 21; or 12).
     */
    public int mappingFailedLookupLevel() {
        return (int) mr(2);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InvocationResult r && r.error == error && Arrays.equals(r.words, words)
                && java.util.Objects.equals(r.capFault, capFault);
    }

    @Override
    public int hashCode() {
        return error.hashCode() * 31 + Arrays.hashCode(words);
    }

    @Override
    public String toString() {
        if (capFault != null) {
            return "CapFault[" + capFault + "]";
        }
        return words.length == 0 ? error.name() : error.name() + Arrays.toString(words);
    }
}
