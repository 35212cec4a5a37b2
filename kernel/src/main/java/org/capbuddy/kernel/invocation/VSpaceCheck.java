package org.capbuddy.kernel.invocation;

import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.LookupFailure;
import org.capbuddy.kernel.cap.Cap;
import org.capbuddy.kernel.object.VSpace;

/**
 * The VSpace argument checks shared by Page_Map and PageTable_Map: a VSpace cap with an ASID
 * (else InvalidCapability 1), an ASID that still names a VSpace (else FailedLookup), and the
 * very VSpace the cap names (else InvalidCapability 1).
 */
record VSpaceCheck(VSpace vspace, int asid, InvocationResult error) {

    static VSpaceCheck of(KernelState k, Cap cap) {
        VSpaceCheck valid = validRoot(cap);
        if (valid.error() != null) {
            return valid;
        }
        return resolved(k, valid.vspace(), valid.asid());
    }

    /** The first check alone: is this a VSpace cap that has an ASID? */
    static VSpaceCheck validRoot(Cap cap) {
        if (!(cap instanceof Cap.VSpaceCap v) || v.asid() == 0) {
            return new VSpaceCheck(null, 0, InvocationResult.invalidCapability(1));
        }
        return new VSpaceCheck(v.vspace(), v.asid(), null);
    }

    /** The ASID checks: stale ASID, then an ASID naming another VSpace. */
    static VSpaceCheck resolved(KernelState k, VSpace expected, int asid) {
        VSpace found = k.asids().vspaceFor(asid);
        if (found == null) {
            return new VSpaceCheck(null, 0, InvocationResult.failedLookup(false, LookupFailure.invalidRoot()));
        }
        if (found != expected) {
            return new VSpaceCheck(null, 0, InvocationResult.invalidCapability(1));
        }
        return new VSpaceCheck(found, asid, null);
    }
}
