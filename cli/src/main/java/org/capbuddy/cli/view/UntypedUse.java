package org.capbuddy.cli.view;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.capbuddy.kernel.boot.UntypedDescriptor;
import org.capbuddy.kernel.cap.Cap;
import org.capbuddy.kernel.cap.CapRelations;
import org.capbuddy.kernel.cap.Cdt;
import org.capbuddy.kernel.cap.Slot;
import org.capbuddy.kernel.object.KernelObject;

/**
 * What each boot untyped's memory holds now, read from its subtree of the CDT. A watermark alone
 * does not say: boot leaves it at the top, and a retype of an untyped without children resets it,
 * so a cap's free bytes count neither what lives in it nor what is free to retype. Instead:
 * the bytes of the live objects in the subtree (frames, tables, CNodes, TCBs, ...: each object
 * once, however many caps name it; an untyped split from it is a container, not an object), and
 * the bytes free to retype: in each untyped of the subtree, what lies above its watermark, or the
 * whole of it when nothing was retyped from it (its next retype resets it). The rest is neither:
 * objects deleted below a watermark that stays until the untyped is reset, and alignment.
 */
final class UntypedUse {
    private UntypedUse() {
    }

    /** A region of untyped memory, to count each once though several caps may name it. */
    private record Region(long paddr, int sizeBits) {
    }

    /** One boot untyped's figures as they are summed. */
    private static final class Tally {
        final Set<KernelObject> objects = Collections.newSetFromMap(new IdentityHashMap<>());
        final Set<Region> regions = new HashSet<>();
        long liveBytes;
        long freeBytes;
        int childUntypeds;
        boolean retyped;
    }

    /** One line for each of {@code boot}'s untypeds, in its order. */
    static List<ViewState.UntypedLine> of(Cdt cdt, List<UntypedDescriptor> boot) {
        Tally[] tallies = new Tally[boot.size()];
        Deque<Slot> ancestors = new ArrayDeque<>();
        Tally current = null;
        for (Slot slot : cdt.slots()) {
            while (!ancestors.isEmpty() && !CapRelations.isParentOf(ancestors.peek(), slot)) {
                ancestors.pop();
            }
            if (ancestors.isEmpty()) {
                current = rootTally(cdt, slot, boot, tallies);
            } else if (current != null) {
                count(cdt, slot, current);
            }
            ancestors.push(slot);
        }
        List<ViewState.UntypedLine> lines = new ArrayList<>();
        for (int i = 0; i < tallies.length; i++) {
            UntypedDescriptor u = boot.get(i);
            Tally t = tallies[i];
            lines.add(new ViewState.UntypedLine(String.format("0x%x", u.cptr()), String.format("0x%x", u.paddr()),
                    u.sizeBits(), u.size(), u.device(), t != null, t != null && t.retyped,
                    t == null ? null : t.liveBytes, t == null ? null : t.freeBytes,
                    t == null ? 0 : t.childUntypeds));
        }
        return lines;
    }

    /** The tally of the boot untyped whose cap is {@code root}, started; null when it is no boot untyped. */
    private static Tally rootTally(Cdt cdt, Slot root, List<UntypedDescriptor> boot, Tally[] tallies) {
        if (!(root.cap() instanceof Cap.Untyped u)) {
            return null;
        }
        for (int i = 0; i < tallies.length; i++) {
            UntypedDescriptor d = boot.get(i);
            if (tallies[i] == null && d.paddr() == u.paddr() && d.sizeBits() == u.sizeBits() && d.device() == u.device()) {
                Tally t = new Tally();
                t.regions.add(new Region(u.paddr(), u.sizeBits()));
                t.retyped = cdt.hasChildren(root);
                t.freeBytes = t.retyped ? u.freeBytes() : u.size();
                tallies[i] = t;
                return t;
            }
        }
        return null;
    }

    private static void count(Cdt cdt, Slot slot, Tally t) {
        Cap cap = slot.cap();
        if (cap instanceof Cap.Untyped u) {
            if (t.regions.add(new Region(u.paddr(), u.sizeBits()))) {
                t.childUntypeds++;
                t.freeBytes += cdt.hasChildren(slot) ? u.freeBytes() : u.size();
            }
            return;
        }
        KernelObject object = cap.object();
        if (object != null && t.objects.add(object)) {
            t.liveBytes += object.size();
        }
    }
}
