package org.capbuddy.kernel.api;

/**
 * The error codes an seL4 invocation returns ({@code seL4_Error} in libsel4's {@code errors.h}),
 * with their numeric values.
 */
public enum Sel4Error {
    NO_ERROR(0),
    INVALID_ARGUMENT(1),
    INVALID_CAPABILITY(2),
    ILLEGAL_OPERATION(3),
    RANGE_ERROR(4),
    ALIGNMENT_ERROR(5),
    FAILED_LOOKUP(6),
    TRUNCATED_MESSAGE(7),
    DELETE_FIRST(8),
    REVOKE_FIRST(9),
    NOT_ENOUGH_MEMORY(10);

    private final int code;

    Sel4Error(int code) {
        this.code = code;
    }

    /** The value seL4 puts in the reply label. */
    public int code() {
        return code;
    }
}
