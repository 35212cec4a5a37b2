package org.capbuddy.kernel.vm;

/**
 * The thread waiting on an endpoint for fault messages (in seL4, a handler blocked in
 * {@code seL4_Recv}). The badge is the one on the cap the faulting thread's fault handler cptr
 * names, which is how a handler tells its clients apart.
 */
@FunctionalInterface
public interface FaultReceiver {
    FaultReply onFault(long badge, VmFault fault);
}
