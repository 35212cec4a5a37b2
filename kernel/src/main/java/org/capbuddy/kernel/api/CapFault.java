package org.capbuddy.kernel.api;

/**
 * A cap fault: the invoked cptr (or an extra cap's cptr) could not be resolved in the caller's
 * CSpace. Real seL4 sends this to the thread's fault handler instead of returning an error.
 */
public record CapFault(long cptr, boolean inReceivePhase, LookupFailure failure) {
}
