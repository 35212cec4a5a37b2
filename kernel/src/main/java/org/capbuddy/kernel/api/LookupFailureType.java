package org.capbuddy.kernel.api;

/** The four ways a capability lookup can fail ({@code seL4_LookupFailureType}), with their values. */
public enum LookupFailureType {
    NO_FAILURE(0),
    INVALID_ROOT(1),
    MISSING_CAPABILITY(2),
    DEPTH_MISMATCH(3),
    GUARD_MISMATCH(4);

    private final int code;

    LookupFailureType(int code) {
        this.code = code;
    }

    public int code() {
        return code;
    }
}
