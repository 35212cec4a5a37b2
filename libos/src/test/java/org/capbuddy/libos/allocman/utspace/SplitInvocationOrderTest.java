package org.capbuddy.libos.allocman.utspace;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.trace.TraceEvent;
import org.capbuddy.kernel.trace.TraceKind;
import org.capbuddy.libos.allocman.ManagerContext;
import org.capbuddy.libos.vka.CSpacePath;
import org.capbuddy.libos.vka.Result;
import org.junit.jupiter.api.Test;

/**
 * The kernel invocations the split allocator makes, in split.c's order and with its arguments,
 * read from the kernel's invocation trace.
 */
class SplitInvocationOrderTest {
    private final Fixture fx = new Fixture();
    private final SplitUtspace split = new SplitUtspace();
    private final List<TraceEvent> events = new ArrayList<>();

    private void trace() {
        events.clear();
        fx.sel4.tracer().start(EnumSet.of(TraceKind.INVOCATIONS), -1, events::add);
    }

    private List<TraceEvent> stop(String label) {
        fx.sel4.tracer().stop();
        return events.stream().filter(e -> e.name().equals(label)).toList();
    }

    @SuppressWarnings("unchecked")
    private static long arg(TraceEvent e, int i) {
        return ((List<Long>) e.fields().get("args")).get(i);
    }

    private long cookie;

    private long alloc(CSpacePath dest, ObjectType type, int objBits) {
        Result<Long> r = split.alloc(fx.ctx, dest, type, objBits, ManagerContext.NO_PADDR, false);
        assertThat(r.isOk()).as("alloc %s: %s", type, r).isTrue();
        cookie = r.value();
        return cookie;
    }

    /** The untyped cap the last object Retype was made from (the allocated buddy's own cap). */
    private long allocFrameRecordingItsBuddy(CSpacePath dest) {
        trace();
        alloc(dest, ObjectType.SMALL_PAGE, 12);
        List<TraceEvent> retypes = stop("UNTYPED_RETYPE");
        return (Long) retypes.get(retypes.size() - 1).fields().get("cptr");
    }

    @Test
    void coalescingDeletesTheSiblingOfTheFreedBuddyFirstThenTheFreedBuddy() {
        fx.add(split, 20, false, UntypedKind.RAM);
        CSpacePath destLower = fx.dest();
        CSpacePath destUpper = fx.dest();
        long lower = allocFrameRecordingItsBuddy(destLower);
        long lowerCookie = cookie;
        long upper = allocFrameRecordingItsBuddy(destUpper);
        long upperCookie = cookie;
        assertThat(upper).as("the second frame is the first one's buddy, made by the same split").isNotEqualTo(lower);

        fx.deleteObject(destLower);
        assertThat(split.free(fx.ctx, lowerCookie, 12).isOk()).isTrue();
        fx.deleteObject(destUpper);
        trace();
        assertThat(split.free(fx.ctx, upperCookie, 12).isOk()).isTrue();
        List<TraceEvent> deletes = stop("CNODE_DELETE");

        // _utspace_split_free: the sibling (the lower buddy, freed before) is deleted first, then
        // the buddy being freed; then the same one level up, all the way to the root.
        assertThat(deletes).hasSize(2 * (20 - 12));
        assertThat(arg(deletes.get(0), 0)).isEqualTo(lower);
        assertThat(arg(deletes.get(1), 0)).isEqualTo(upper);
        assertThat(fx.ctx.misuse()).isEmpty();
    }

    @Test
    void anObjectOfFixedSizeIsRetypedWithItsSizeInBitsAsSplitDoes() {
        fx.add(split, 20, false, UntypedKind.RAM);
        Object[][] kinds = {
            {ObjectType.SMALL_PAGE, 12}, {ObjectType.TCB, (int) ObjectType.TCB.objectSizeBits(0)},
            {ObjectType.ENDPOINT, (int) ObjectType.ENDPOINT.objectSizeBits(0)},
            {ObjectType.CNODE, 4 + ObjectType.SLOT_BITS}, {ObjectType.UNTYPED, 9},
        };
        for (Object[] kind : kinds) {
            ObjectType type = (ObjectType) kind[0];
            int objBits = (Integer) kind[1];
            trace();
            alloc(fx.dest(), type, objBits);
            List<TraceEvent> retypes = stop("UNTYPED_RETYPE");
            TraceEvent last = retypes.get(retypes.size() - 1);
            // get_sel4_object_size: a CNode's radix, else vka_get_object_size, the object's size in bits
            long expected = type == ObjectType.CNODE ? objBits - ObjectType.SLOT_BITS : objBits;
            assertThat(arg(last, 0)).isEqualTo((long) type.id());
            assertThat(arg(last, 1)).as("Retype's size_bits for %s", type).isEqualTo(expected);
        }
    }
}
