package org.capbuddy.kernel.invocation;

import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.Sel4Error;
import org.capbuddy.kernel.cap.Cap;
import org.capbuddy.kernel.cap.Slot;
import org.capbuddy.kernel.cspace.CSpaceResolver;

/**
 * How a new cap is made from an existing one: seL4's {@code deriveCap}, {@code maskCapRights}
 * and {@code updateCapData}. A null result stands for seL4's null cap.
 */
final class CapDerivation {
    private CapDerivation() {
    }

    /** A derived cap, or the error deriving it gives (RevokeFirst, IllegalOperation). */
    record Derived(Cap cap, InvocationResult error) {
    }

    /** Derives from {@code cap}, which sits in (or was rewritten from the cap in) {@code slot}. */
    static Derived derive(KernelState k, Slot slot, Cap cap) {
        if (cap instanceof Cap.Untyped) {
            if (k.cdt().hasChildren(slot)) {
                return new Derived(null, InvocationResult.error(Sel4Error.REVOKE_FIRST));
            }
            return new Derived(cap, null);
        }
        if (cap instanceof Cap.PageTableCap pt && !pt.mapped()) {
            return new Derived(null, InvocationResult.error(Sel4Error.ILLEGAL_OPERATION));
        }
        if (cap instanceof Cap.VSpaceCap v && v.asid() == 0) {
            return new Derived(null, InvocationResult.error(Sel4Error.ILLEGAL_OPERATION));
        }
        if (cap instanceof Cap.FrameCap f) {
            return new Derived(f.unmapped(), null);
        }
        if (cap instanceof Cap.IrqControl) {
            return new Derived(null, null);
        }
        return new Derived(cap, null);
    }

    static Cap maskRights(CapRights rights, Cap cap) {
        if (cap instanceof Cap.EndpointCap ep) {
            return new Cap.EndpointCap(ep.endpoint(), ep.badge(), ep.rights().and(rights));
        }
        if (cap instanceof Cap.NotificationCap n) {
            return new Cap.NotificationCap(n.notification(), n.badge(), n.rights().and(rights));
        }
        if (cap instanceof Cap.FrameCap f) {
            return new Cap.FrameCap(f.frame(), f.rights().mask(rights), f.mappedAsid(), f.mappedVaddr());
        }
        return cap;
    }

    /**
     * Applies a Mint/Mutate data word. {@code preserve} is true for Mutate and Rotate, which may
     * not badge (so endpoint and notification caps give a null cap there).
     */
    static Cap updateData(boolean preserve, long data, Cap cap) {
        if (cap instanceof Cap.EndpointCap ep) {
            return !preserve && ep.badge() == 0 ? new Cap.EndpointCap(ep.endpoint(), data, ep.rights()) : null;
        }
        if (cap instanceof Cap.NotificationCap n) {
            return !preserve && n.badge() == 0 ? new Cap.NotificationCap(n.notification(), data, n.rights()) : null;
        }
        if (cap instanceof Cap.CNodeCap c) {
            int guardSize = (int) (data & 0x3F);
            long guard = (data >>> 6) & CSpaceResolver.mask(guardSize);
            if (guardSize + c.cnode().radix() > CSpaceResolver.WORD_BITS) {
                return null;
            }
            return new Cap.CNodeCap(c.cnode(), guard, guardSize);
        }
        return cap;
    }
}
