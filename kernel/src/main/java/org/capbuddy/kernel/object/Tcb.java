package org.capbuddy.kernel.object;

import org.capbuddy.kernel.cap.Slot;

/**
 * A thread control block. Like seL4's, it holds two capability slots of its own, the CSpace root
 * (CTable) and the VSpace root (VTable), set by TCB_SetSpace, and the cptr of its fault handler,
 * which is looked up in the thread's own CSpace when a fault happens.
 */
public final class Tcb extends KernelObject {
    private final Slot cspaceRoot = new Slot(this, 0);
    private final Slot vspaceRoot = new Slot(this, 1);
    private long faultEndpoint;
    private ThreadState state = ThreadState.INACTIVE;

    public Tcb(long paddr, int sizeBits) {
        super(paddr, sizeBits);
    }

    public Slot cspaceRootSlot() {
        return cspaceRoot;
    }

    public Slot vspaceRootSlot() {
        return vspaceRoot;
    }

    public long faultEndpoint() {
        return faultEndpoint;
    }

    public void setFaultEndpoint(long cptr) {
        this.faultEndpoint = cptr;
    }

    public ThreadState state() {
        return state;
    }

    public void setState(ThreadState state) {
        this.state = state;
    }

    @Override
    public String kindName() {
        return "TCB";
    }
}
