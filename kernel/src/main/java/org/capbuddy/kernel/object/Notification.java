package org.capbuddy.kernel.object;

/** A notification object; the model keeps it only as memory that caps refer to. */
public final class Notification extends KernelObject {
    public Notification(long paddr) {
        super(paddr, 5);
    }

    @Override
    public String kindName() {
        return "Notification";
    }
}
