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
 */
record VSpaceCheck(VSpace vspace, int asid, InvocationResult error) {

    /** The cap index of a VSpace passed as the first extra cap (Page_Map, PageTable_Map). */
    static final int ARGUMENT_CAP = 1;
    /** The cap index of the invoked VSpace cap itself (the VSpace cache-maintenance methods). */
    static final int INVOKED_CAP = 0;

    /** All the checks, for a VSpace passed as an extra cap. */
    static VSpaceCheck of(KernelState k, Cap cap) {
        VSpaceCheck valid = validRoot(cap, ARGUMENT_CAP);
        if (valid.error() != null) {
            return valid;
        }
        return resolved(k, valid.vspace(), valid.asid(), ARGUMENT_CAP);
    }

    /** The first check alone (seL4's {@code isValidNativeRoot}): is this a VSpace cap that has an ASID? */
    static VSpaceCheck validRoot(Cap cap, int capIndex) {
        if (!(cap instanceof Cap.VSpaceCap v) || v.asid() == 0) {
            return new VSpaceCheck(null, 0, InvocationResult.invalidCapability(capIndex));
        }
        return new VSpaceCheck(v.vspace(), v.asid(), null);
    }

    /** The ASID checks: stale ASID, then an ASID naming another VSpace. */
    static VSpaceCheck resolved(KernelState k, VSpace expected, int asid, int capIndex) {
        VSpace found = k.asids().vspaceFor(asid);
        if (found == null) {
            return new VSpaceCheck(null, 0, InvocationResult.failedLookup(false, LookupFailure.invalidRoot()));
        }
        if (found != expected) {
            return new VSpaceCheck(null, 0, InvocationResult.invalidCapability(capIndex));
        }
        return new VSpaceCheck(found, asid, null);
    }
}
