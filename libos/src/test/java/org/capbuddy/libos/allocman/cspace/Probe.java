package org.capbuddy.libos.allocman.cspace;

import static org.assertj.core.api.Assertions.assertThat;

import org.capbuddy.kernel.Kernel;
import org.capbuddy.kernel.Sel4;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.api.Sel4Error;
import org.capbuddy.kernel.invariant.InvariantReport;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.Result;

/** What the cspace tests observe: a comparable picture of kernel, manager and context, and small checks. */
final class Probe {
    private Probe() {
    }

    /**
     * Everything an operation could change: the kernel's caps and objects (counted by the
     * invariant checker, which must pass), CNodes ever created, the manager's counts and the
     * context's live objects and bytes.
     */
    record State(long caps, long objects, long inUse, long free, long bookkeeping, int ctxObjects, long ctxBytes) {
    }

    static State state(Kernel kernel, CSpaceManager cs, KernelTestContext ctx) {
        InvariantReport report = kernel.checkInvariants();
        assertThat(report.ok()).as(report.toString()).isTrue();
        return new State(report.capsChecked(), report.objectsChecked(), cs.slotsInUse(), cs.slotsFree(),
                cs.bookkeepingBytes(), ctx.liveObjects(), ctx.mspaceBytes());
    }

    static long cnodesCreated(Kernel kernel) {
        return kernel.costs().objectsCreated().getOrDefault(ObjectType.CNODE, 0L);
    }

    /** True when the slot is empty: SaveCaller succeeds only into an empty slot. */
    static boolean slotEmpty(Sel4 sel4, long root, long index, int depth) {
        InvocationResult r = sel4.cnodeSaveCaller(root, index, depth);
        assertThat(r.isOk() || r.error() == Sel4Error.DELETE_FIRST).as("SaveCaller probe: " + r).isTrue();
        return r.isOk();
    }

    static <T> T ok(Result<T> r) {
        assertThat(r.isOk()).as("expected success, got " + r).isTrue();
        return r.value();
    }

    static void ok(InvocationResult r) {
        assertThat(r.isOk()).as("expected success, got " + r).isTrue();
    }

    static void fails(Result<?> r, AllocErrorKind kind) {
        assertThat(r.isOk()).as("expected " + kind + ", got " + r).isFalse();
        assertThat(r.error().kind()).as(r.toString()).isEqualTo(kind);
        assertThat(r.error().detail()).isNotBlank();
    }
}
