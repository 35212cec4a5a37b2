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
}
