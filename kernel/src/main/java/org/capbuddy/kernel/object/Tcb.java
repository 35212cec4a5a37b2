package org.capbuddy.kernel.object;

import java.util.Objects;
import org.capbuddy.aarch64.cpu.CpuState;
import org.capbuddy.kernel.cap.Slot;
import org.capbuddy.kernel.cap.SlotGroup;
import org.capbuddy.kernel.memory.HostViewClock;

/**
 * A thread control block. Like seL4's, it holds two capability slots of its own, the CSpace root
 * (CTable) and the VSpace root (VTable), set by TCB_SetSpace, and the cptr of its fault handler,
 * which is looked up in the thread's own CSpace when a fault happens, its state and its saved
 * user context (seL4's {@code tcbArch.tcbContext}: the registers TCB_ReadRegisters and
 * TCB_WriteRegisters reach, and the interpreter runs on). A change of state ticks the machine's
 * {@link HostViewClock}: a CPU's cached views hold only while its thread keeps running.
 */
public final class Tcb extends KernelObject {
    private final Slot cspaceRoot;
    private final Slot vspaceRoot;
    private long faultEndpoint;
    private ThreadState state = ThreadState.INACTIVE;
    private final CpuState context = new CpuState();
    private final HostViewClock viewClock;

    public Tcb(long paddr, int sizeBits, HostViewClock viewClock) {
        super(paddr, sizeBits);
        this.viewClock = Objects.requireNonNull(viewClock, "a thread needs its machine's host-view clock");
        // One group for both slots: its owner is this TCB, they are slots 0 and 1, and the clock
        // hears of every cap written to them.
        SlotGroup slots = new SlotGroup(this, 0, viewClock);
        cspaceRoot = new Slot(slots, 0);
        vspaceRoot = new Slot(slots, 1);
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

    /** Whether this thread ticks {@code clock}: whether it belongs to the machine that owns it. */
    public boolean ticks(HostViewClock clock) {
        return viewClock == clock;
    }

    public ThreadState state() {
        return state;
    }

    public void setState(ThreadState state) {
        if (state != this.state) {
            this.state = state;
            viewClock.tick();
        }
    }

    /**
     * The program counter of the thread's saved user context: the instruction it executes, and so
     * the fault IP of every access it makes. A thread driven by Java code rather than instructions
     * leaves it where it was (0 for a new thread).
     */
    public long pc() {
        return context.pc();
    }

    public void setPc(long pc) {
        context.setPc(pc);
    }

    /** The saved user context: every register of the thread at EL0. */
    public CpuState context() {
        return context;
    }

    @Override
    public String kindName() {
        return "TCB";
    }
}
