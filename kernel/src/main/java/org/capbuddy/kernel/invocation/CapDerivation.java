package org.capbuddy.kernel.invocation;

import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.Sel4Error;
import org.capbuddy.kernel.api.VmRights;
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

    /**
     * Why {@code cap}, which sits in (or was rewritten from the cap in) {@code slot}, cannot be
     * derived (RevokeFirst, IllegalOperation), or null when it can: the checks of seL4's
     * {@code deriveCap}.
     */
    static InvocationResult deriveError(KernelState k, Slot slot, Cap cap) {
        if (cap instanceof Cap.Untyped) {
            return k.cdt().hasChildren(slot) ? InvocationResult.error(Sel4Error.REVOKE_FIRST) : null;
        }
        if (cap instanceof Cap.PageTableCap pt && !pt.mapped()) {
            return InvocationResult.error(Sel4Error.ILLEGAL_OPERATION);
        }
        if (cap instanceof Cap.VSpaceCap v && v.asid() == 0) {
            return InvocationResult.error(Sel4Error.ILLEGAL_OPERATION);
        }
        return null;
    }

    /** The cap derived from {@code cap}, which passed {@link #deriveError}: a null cap for IRQ control. */
    static Cap derive(Cap cap) {
        Cap.FrameCap f = Cap.FrameCap.from(cap);
        if (f != null) {
            return f.unmapped();
        }
        if (cap instanceof Cap.IrqControl) {
            return null;
        }
        return cap;
    }

    /** seL4's {@code maskCapRights}; a cap whose rights the mask leaves as they are is returned itself. */
    static Cap maskRights(CapRights rights, Cap cap) {
        if (cap instanceof Cap.EndpointCap ep) {
            CapRights masked = ep.rights().and(rights);
            return masked.equals(ep.rights()) ? ep : new Cap.EndpointCap(ep.endpoint(), ep.badge(), masked);
        }
        if (cap instanceof Cap.NotificationCap n) {
            CapRights masked = n.rights().and(rights);
            return masked.equals(n.rights()) ? n : new Cap.NotificationCap(n.notification(), n.badge(), masked);
        }
        Cap.FrameCap f = Cap.FrameCap.from(cap);
        if (f != null) {
            VmRights masked = f.rights().mask(rights);
            return masked == f.rights() ? f : f.withRights(masked);
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
