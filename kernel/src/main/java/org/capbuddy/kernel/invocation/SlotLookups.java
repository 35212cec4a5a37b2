package org.capbuddy.kernel.invocation;

import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.LookupFailure;
import org.capbuddy.kernel.cap.Cap;
import org.capbuddy.kernel.cap.Slot;
import org.capbuddy.kernel.cspace.CSpaceResolver;
import org.capbuddy.kernel.cspace.SlotLookup;

/**
 * Slot lookups for CNode operations, the Retype destination and MakePool: seL4's
 * {@code lookupSlotForCNodeOp}. Unlike a cap lookup, the cptr must be used up exactly.
 *
 * <p>The lookup comes in two halves so that a successful one builds nothing: {@link #forCNodeOp}
 * finds the slot or gives null, and only then does {@link #failure} work out the error, by the
 * same checks in the same order. Both are pure (a lookup only ever adds empty slots to CNodes'
 * host storage), so asking twice gives the same answer.
 */
final class SlotLookups {
    private SlotLookups() {
    }

    /** The slot named by {@code cptr} at {@code depth} from {@code root}, or null when the lookup fails. */
    static Slot forCNodeOp(Cap root, long cptr, long depth) {
        if (!(root instanceof Cap.CNodeCap) || depth < 1 || depth > CSpaceResolver.WORD_BITS) {
            return null;
        }
        return CSpaceResolver.findExact(root, cptr, (int) depth);
    }

    /** The error of a lookup for which {@link #forCNodeOp} gave null. */
    static InvocationResult failure(boolean isSource, Cap root, long cptr, long depth) {
        if (!(root instanceof Cap.CNodeCap)) {
            return InvocationResult.failedLookup(isSource, LookupFailure.invalidRoot());
        }
        if (depth < 1 || depth > CSpaceResolver.WORD_BITS) {
            return InvocationResult.rangeError(1, CSpaceResolver.WORD_BITS);
        }
        SlotLookup found = CSpaceResolver.resolve(root, cptr, (int) depth);
        if (!found.ok()) {
            return InvocationResult.failedLookup(isSource, found.failure());
        }
        if (found.bitsRemaining() != 0) {
            return InvocationResult.failedLookup(isSource, LookupFailure.depthMismatch(found.bitsRemaining(), 0));
        }
        throw new IllegalStateException("the lookup of cptr " + cptr + " at depth " + depth + " did not fail");
    }
}
