package org.capbuddy.kernel.api;

/**
 * Why a CSpace or VSpace lookup failed, with seL4's details.
 *
 * <p>{@code bitsFound} is the depth found for {@link LookupFailureType#DEPTH_MISMATCH} and the
 * guard found for {@link LookupFailureType#GUARD_MISMATCH}; {@code guardSize} is only meaningful
 * for a guard mismatch. A Page_Map that finds a paging structure missing reports
 * {@link LookupFailureType#MISSING_CAPABILITY} with the walk's remaining bits as {@code bitsLeft}.
 */
public record LookupFailure(LookupFailureType type, int bitsLeft, long bitsFound, int guardSize) {

    public static LookupFailure invalidRoot() {
        return new LookupFailure(LookupFailureType.INVALID_ROOT, 0, 0, 0);
    }

    public static LookupFailure missingCapability(int bitsLeft) {
        return new LookupFailure(LookupFailureType.MISSING_CAPABILITY, bitsLeft, 0, 0);
    }

    public static LookupFailure depthMismatch(int bitsLeft, int bitsFound) {
        return new LookupFailure(LookupFailureType.DEPTH_MISMATCH, bitsLeft, bitsFound, 0);
    }

    public static LookupFailure guardMismatch(int bitsLeft, long guardFound, int guardSize) {
        return new LookupFailure(LookupFailureType.GUARD_MISMATCH, bitsLeft, guardFound, guardSize);
    }
}
