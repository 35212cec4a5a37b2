package org.capbuddy.kernel.host;

/** A machine was called from a thread other than its owner; nothing was done. */
public final class WrongThreadException extends MachineStateException {
    private static final long serialVersionUID = 1L;

    WrongThreadException(Thread owner, Thread caller) {
        super("this machine is driven by thread '" + owner.getName() + "' (id " + owner.getId()
                + ") and was called from thread '" + caller.getName() + "' (id " + caller.getId()
                + "): one machine is driven by one thread, as seL4 runs on one core. Boot one machine per thread,"
                + " or hand a machine over with adoptCurrentThread() once its old thread has stopped using it",
                null);
    }
}
