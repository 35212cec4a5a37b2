package org.capbuddy.kernel.cpu;

/**
 * The thread waiting on an endpoint for fault messages: in seL4, a handler thread blocked in
 * {@code seL4_Recv} on that endpoint. The model runs it as a call, on the faulting thread's Java
 * stack: {@link UserCpu} delivers a fault by calling {@link #onFault} and acts on the reply (see
 * {@code UserCpu}'s delivery contract). The badge is the one on the cap that the faulting thread's
 * fault handler cptr names, which is how a handler tells its clients apart.
 *
 * <p>A receiver is bound to an endpoint with {@code Sel4.bindFaultReceiver}, which stands for the
 * handler thread's {@code seL4_Recv}.
 */
@FunctionalInterface
public interface FaultReceiver {
    FaultReply onFault(long badge, VmFault fault);

    /**
     * The fault as its message words, as a handler thread reads them after {@code seL4_Recv} (IP,
     * Addr, PrefetchFault, FSR): what {@link UserCpu} calls. By default it builds the
     * {@link VmFault} record and calls {@link #onFault(long, VmFault)}; a handler on a hot path
     * (SOS's) overrides it to read the words as they are and build nothing per fault.
     */
    default FaultReply onFault(long badge, long ip, long address, boolean prefetch, int fsr) {
        return onFault(badge, new VmFault(ip, address, prefetch, fsr));
    }

    /**
     * seL4_Fault_UnknownSyscall: the thread executed {@code svc} with a number the kernel does not
     * know (any Linux system call). The message holds X0–X7, FaultIP (the {@code svc}), SP, LR (the
     * instruction after it), SPSR and the syscall word (X7, seL4's syscall register); a reply copies
     * the first {@link FaultMessage#replyLength()} words back and the thread restarts at FaultIP, so a
     * handler that emulates the call replies with FaultIP moved past the {@code svc}. By default
     * nobody handles system calls: no reply.
     */
    default FaultReply onUnknownSyscall(long badge, FaultMessage message) {
        return FaultReply.noReply("the fault handler does not handle system calls");
    }

    /**
     * seL4_Fault_UserException: an undefined instruction, a breakpoint or a misaligned PC. The
     * message holds FaultIP, SP, SPSR, Number (the exception syndrome, ESR) and Code (0). By
     * default: no reply.
     */
    default FaultReply onUserException(long badge, FaultMessage message) {
        return FaultReply.noReply("user exception: ESR 0x" + Long.toHexString(message.word(FaultMessage.EXCEPTION_NUMBER)));
    }
}
