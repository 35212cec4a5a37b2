package org.capbuddy.kernel.object;

import org.capbuddy.kernel.cap.Slot;

/**
 * A thread control block. Like seL4's, it holds two capability slots of its own, the CSpace root
 * (CTable) and the VSpace root (VTable), set by TCB_SetSpace, and the cptr of its fault handler,
 * which is looked up in the thread's own CSpace when a fault happens, its state and its program
 * counter.
 */
public final class Tcb extends KernelObject {
    private final Slot cspaceRoot = new Slot(this, 0);
    private final Slot vspaceRoot = new Slot(this, 1);
    private long faultEndpoint;
    private ThreadState state = ThreadState.INACTIVE;
    private long pc;

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

    /**
     * The program counter of the thread's saved user context: the instruction it executes, and so
     * the fault IP of every access it makes. A thread driven by Java code rather than instructions
     * leaves it where it was (0 for a new thread).
     */
    public long pc() {
        return pc;
    }

    public void setPc(long pc) {
        this.pc = pc;
    }

    @Override
    public String kindName() {
        return "TCB";
    }
}
