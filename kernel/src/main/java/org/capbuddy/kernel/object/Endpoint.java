package org.capbuddy.kernel.object;

import org.capbuddy.kernel.cpu.FaultReceiver;

/**
 * An IPC endpoint. The model carries no message queues; it carries one thing: the receiver that
 * stands for a thread blocked in {@code seL4_Recv} on it, to which VM faults are delivered.
 */
public final class Endpoint extends KernelObject {
    private FaultReceiver receiver;

    public Endpoint(long paddr) {
        super(paddr, 4);
    }

    public FaultReceiver receiver() {
        return receiver;
    }

    public void setReceiver(FaultReceiver receiver) {
        this.receiver = receiver;
    }

    @Override
    public String kindName() {
        return "Endpoint";
    }
}
