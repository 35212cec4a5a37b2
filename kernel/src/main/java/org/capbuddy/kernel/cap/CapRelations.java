package org.capbuddy.kernel.cap;

import org.capbuddy.kernel.object.KernelObject;

/**
 * seL4's relations between caps ({@code sameRegionAs}, {@code sameObjectAs},
 * {@code isMDBParentOf}, {@code isCapRevocable}), which decide the shape of the CDT, what Revoke
 * destroys and when a cap is the last one to its object.
 */
public final class CapRelations {
    private CapRelations() {
    }

    /** The physical base of the memory a cap covers, or -1 for caps that cover no memory. */
    static long regionBase(Cap cap) {
        if (cap instanceof Cap.Untyped u) {
            return u.paddr();
        }
        KernelObject o = cap.object();
        return o == null ? -1 : o.paddr();
    }

    static long regionEnd(Cap cap) {
        if (cap instanceof Cap.Untyped u) {
            return u.end();
        }
        KernelObject o = cap.object();
        return o == null ? -1 : o.end();
    }

    /** True when {@code b} refers to the same thing as {@code a}, or to something inside it. */
    public static boolean sameRegionAs(Cap a, Cap b) {
        if (a instanceof Cap.Untyped u) {
            long base = regionBase(b);
            return base >= 0 && base >= u.paddr() && regionEnd(b) <= u.end();
        }
        Cap.FrameCap f = Cap.FrameCap.from(a);
        if (f != null) {
            Cap.FrameCap g = Cap.FrameCap.from(b);
            return g != null && g.frame().paddr() >= f.frame().paddr()
                    && g.frame().end() <= f.frame().end();
        }
        if (a instanceof Cap.CNodeCap c) {
            return b instanceof Cap.CNodeCap d && c.cnode() == d.cnode();
        }
        if (a instanceof Cap.AsidControl) {
            return b instanceof Cap.AsidControl;
        }
        if (a instanceof Cap.IrqControl) {
            return b instanceof Cap.IrqControl;
        }
        if (a instanceof Cap.DomainCap) {
            return b instanceof Cap.DomainCap;
        }
        return a.object() != null && a.object() == b.object() && a.getClass() == b.getClass();
    }

    /**
     * False for the caps {@link #sameObjectAs} is never true of, whatever the other cap: untyped
     * and IRQControl caps. For them finality needs no look at the neighbours' caps.
     */
    public static boolean mayShareObject(Cap a) {
        return !(a instanceof Cap.Untyped || a instanceof Cap.IrqControl);
    }

    /** Like {@link #sameRegionAs} but never true for untyped or IRQControl caps (seL4's sameObjectAs). */
    public static boolean sameObjectAs(Cap a, Cap b) {
        if (!mayShareObject(a)) {
            return false;
        }
        Cap.FrameCap f = Cap.FrameCap.from(a);
        if (f != null) {
            Cap.FrameCap g = Cap.FrameCap.from(b);
            return g != null && f.frame() == g.frame();
        }
        return sameRegionAs(a, b);
    }

    /** seL4's {@code isMDBParentOf}: would {@code child}, following {@code parent}, be its child? */
    public static boolean isParentOf(Slot parent, Slot child) {
        if (!parent.isRevocable() || parent.cap == null || child.cap == null) {
            return false;
        }
        if (!sameRegionAs(parent.cap, child.cap)) {
            return false;
        }
        if (parent.cap instanceof Cap.EndpointCap p && child.cap instanceof Cap.EndpointCap c) {
            return p.badge() == 0 || (p.badge() == c.badge() && !child.isFirstBadged());
        }
        if (parent.cap instanceof Cap.NotificationCap p && child.cap instanceof Cap.NotificationCap c) {
            return p.badge() == 0 || (p.badge() == c.badge() && !child.isFirstBadged());
        }
        return true;
    }

    /** seL4's {@code isCapRevocable}: is a cap derived from {@code source} an original? */
    public static boolean isRevocable(Cap derived, Cap source) {
        if (derived instanceof Cap.Untyped) {
            return true;
        }
        if (derived instanceof Cap.EndpointCap d && source instanceof Cap.EndpointCap s) {
            return d.badge() != s.badge();
        }
        if (derived instanceof Cap.NotificationCap d && source instanceof Cap.NotificationCap s) {
            return d.badge() != s.badge();
        }
        return false;
    }
}
