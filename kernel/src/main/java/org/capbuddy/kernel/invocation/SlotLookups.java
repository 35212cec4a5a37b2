package org.capbuddy.kernel.invocation;

import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.LookupFailure;
import org.capbuddy.kernel.cap.Cap;
import org.capbuddy.kernel.cspace.CSpaceResolver;
import org.capbuddy.kernel.cspace.SlotLookup;

/**
 * Slot lookups for CNode operations, the Retype destination and MakePool: seL4's
 * {@code lookupSlotForCNodeOp}. Unlike a cap lookup, the cptr must be used up exactly.
 */
final class SlotLookups {
    private SlotLookups() {
    }

    static Target forCNodeOp(boolean isSource, Cap root, long cptr, long depth) {
        if (!(root instanceof Cap.CNodeCap)) {
            return Target.fail(InvocationResult.failedLookup(isSource, LookupFailure.invalidRoot()));
        }
        if (depth < 1 || depth > CSpaceResolver.WORD_BITS) {
            return Target.fail(InvocationResult.rangeError(1, CSpaceResolver.WORD_BITS));
        }
        SlotLookup found = CSpaceResolver.resolve(root, cptr, (int) depth);
        if (!found.ok()) {
            return Target.fail(InvocationResult.failedLookup(isSource, found.failure()));
        }
        if (found.bitsRemaining() != 0) {
            return Target.fail(InvocationResult.failedLookup(isSource,
                    LookupFailure.depthMismatch(found.bitsRemaining(), 0)));
        }
        return Target.of(found.slot());
    }
}
