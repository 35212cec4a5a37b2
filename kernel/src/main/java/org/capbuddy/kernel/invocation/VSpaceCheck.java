package org.capbuddy.kernel.invocation;

import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.LookupFailure;
import org.capbuddy.kernel.cap.Cap;
import org.capbuddy.kernel.object.VSpace;

/**
 * The VSpace checks shared by Page_Map, PageTable_Map and the VSpace cache-maintenance methods: a
 * VSpace cap with an ASID (else InvalidCapability), an ASID that still names a VSpace (else
 * FailedLookup), and the very VSpace the cap names (else InvalidCapability). InvalidCapability
 * reports the cap's index: 1 for a VSpace passed as an extra cap, 0 for the invoked cap.
 *
 * <p>Each check gives its error, or null when the cap passes; a cap that passes them all is a
 * {@link Cap.VSpaceCap} whose ASID and VSpace the caller can use as they are.
 */
final class VSpaceCheck {
    /** The cap index of a VSpace passed as the first extra cap (Page_Map, PageTable_Map). */
    static final int ARGUMENT_CAP = 1;
    /** The cap index of the invoked VSpace cap itself (the VSpace cache-maintenance methods). */
    static final int INVOKED_CAP = 0;

    private VSpaceCheck() {
    }

    /** All the checks, for a VSpace passed as an extra cap. */
    static InvocationResult error(KernelState k, Cap cap) {
        InvocationResult invalid = rootError(cap, ARGUMENT_CAP);
        return invalid != null ? invalid : asidError(k, (Cap.VSpaceCap) cap, ARGUMENT_CAP);
    }

    /** The first check alone (seL4's {@code isValidNativeRoot}): is this a VSpace cap that has an ASID? */
    static InvocationResult rootError(Cap cap, int capIndex) {
        if (!(cap instanceof Cap.VSpaceCap v) || v.asid() == 0) {
            return InvocationResult.invalidCapability(capIndex);
        }
        return null;
    }

    /** The ASID checks on a valid root: stale ASID, then an ASID naming another VSpace. */
    static InvocationResult asidError(KernelState k, Cap.VSpaceCap cap, int capIndex) {
        VSpace found = k.asids().vspaceFor(cap.asid());
        if (found == null) {
            return InvocationResult.failedLookup(false, LookupFailure.invalidRoot());
        }
        if (found != cap.vspace()) {
            return InvocationResult.invalidCapability(capIndex);
        }
        return null;
    }
}
