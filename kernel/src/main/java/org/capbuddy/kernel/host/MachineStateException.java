package org.capbuddy.kernel.host;

/**
 * A call the machine refuses for a reason of the host, not of seL4: it came from a thread that does
 * not own the machine, or an earlier host error left the machine in a state nobody can vouch for.
 * seL4 has no error code for either, so they are exceptions rather than invocation results; they
 * are thrown before the call changes anything.
 */
public class MachineStateException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    public MachineStateException(String message, Throwable cause) {
        super(message, cause);
    }
}
