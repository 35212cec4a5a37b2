package org.capbuddy.libos.allocman.cspace;

import static org.capbuddy.libos.allocman.cspace.Probe.ok;

import org.capbuddy.kernel.Kernel;
import org.capbuddy.kernel.KernelConfig;
import org.capbuddy.kernel.Sel4;

/**
 * A kernel with a 12-bit root CNode, re-guarded by {@link TwoLevelSetup} (root holder in the
 * first empty slot A), a {@link KernelTestContext} and a {@link TwoLevelCSpace} over root slots
 * [A+1, A+1+l1Count) (or [A, ...) to include the reserved index).
 */
final class TwoLevelFixture {
    final Kernel kernel;
    final Sel4 sel4;
    final TwoLevelSetup.Switched sw;
    final KernelTestContext ctx;
    final TwoLevelCSpace cs;
    final long l1First;
    final long l1End;

    TwoLevelFixture(int l2Bits, int l1Count, boolean includeReserved) {
        kernel = Kernel.boot(KernelConfig.capBuddy(256L << 20).withRootCNodeBits(12));
        sel4 = kernel.rootTask();
        sw = ok(TwoLevelSetup.switchRoot(sel4, kernel.bootInfo(), l2Bits));
        long a = sw.rootHolderL1();
        l1First = includeReserved ? a : a + 1;
        l1End = a + 1 + l1Count;
        ctx = new KernelTestContext(kernel, KernelTestContext.Addressing.of(sw), l1End, l1End + l1Count + 8);
        cs = ok(TwoLevelCSpace.create(ctx, sw.config(l1First, l1End)));
    }

    Probe.State state() {
        return Probe.state(kernel, cs, ctx);
    }

    boolean l1SlotEmpty(long l1) {
        return Probe.slotEmpty(sel4, sw.rootCptr(), l1, sw.l1Depth());
    }
}
