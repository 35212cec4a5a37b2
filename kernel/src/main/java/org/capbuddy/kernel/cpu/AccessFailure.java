package org.capbuddy.kernel.cpu;

/**
 * Why a user access did not happen: the one failure value every access of {@link UserCpu} reports
 * (through {@link UserCpu#failure()}).
 *
 * @param kind what stopped the access
 * @param fault the VM fault the access raised (null when it raised none: {@link Kind#REFUSED},
 *     {@link Kind#NOT_RUNNING})
 * @param detail the reason in words; for {@link Kind#NOT_RESUMED} the fault handler's own
 */
public record AccessFailure(Kind kind, VmFault fault, String detail) {

    /** What stopped an access. */
    public enum Kind {
        /** Bad arguments (a size other than 1, 2, 4 or 8; a null or short buffer; a negative length): nothing was accessed. */
        REFUSED,
        /** The thread is not running (blocked on an earlier fault, suspended, inactive): it makes no access. */
        NOT_RUNNING,
        /** The fault could not be sent: the fault handler cptr names no endpoint with the rights needed; the thread is now inactive. */
        NO_HANDLER,
        /** The fault was sent and the handler did not reply (or no thread waits on the endpoint); the thread stays blocked on it. */
        NOT_RESUMED,
        /** The handler replied {@link UserCpu#MAX_REFAULTS} times without fixing the fault; the thread is left blocked on it. */
        REFAULT_LIMIT,
        /**
         * The handler replied after moving the thread's program counter (TCB_WriteRegisters while
         * the thread waited): seL4 restarts a thread at its FaultIP, so the faulting instruction is
         * abandoned and the thread runs on from the new PC ({@link UserCpu#redirectedPc()}), as SOS
         * does to enter a signal handler.
         */
        REDIRECTED
    }

    static AccessFailure refused(String why) {
        return new AccessFailure(Kind.REFUSED, null, why);
    }

    /** True when the thread was killed or blocked by its handler's decision (the reason is the handler's). */
    public boolean handlerRefused() {
        return kind == Kind.NOT_RESUMED;
    }

    @Override
    public String toString() {
        return fault == null ? kind + ": " + detail : kind + ": " + detail + " (" + fault + ")";
    }
}
