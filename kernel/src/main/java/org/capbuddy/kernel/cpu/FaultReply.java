package org.capbuddy.kernel.cpu;

/**
 * What a fault handler does with a faulting thread: reply, so that the thread re-executes the
 * faulting access, or not reply, leaving the thread blocked on the fault (the handler has killed
 * it, say). seL4's non-reply carries nothing; the model lets the handler say why, and that reason
 * reaches the code that made the access in its {@link AccessFailure}, so a refused access says
 * what became of the thread without asking the handler again.
 *
 * @param resume true to reply
 * @param reason why the handler did not reply (null for a reply)
 */
public record FaultReply(boolean resume, String reason) {
    /** Reply: the thread re-executes the faulting access. */
    public static final FaultReply RESUME = new FaultReply(true, null);

    /** No reply, for the given reason: the thread stays blocked on the fault. */
    public static FaultReply noReply(String reason) {
        return new FaultReply(false, reason == null ? "the fault handler did not reply" : reason);
    }
}
