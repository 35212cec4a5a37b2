package org.capbuddy.libos.allocman.cspace;

import static org.assertj.core.api.Assertions.assertThat;
import static org.capbuddy.libos.allocman.cspace.Probe.fails;
import static org.capbuddy.libos.allocman.cspace.Probe.ok;

import org.capbuddy.kernel.Kernel;
import org.capbuddy.kernel.KernelConfig;
import org.capbuddy.kernel.Sel4;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.boot.BootInfo;
import org.capbuddy.kernel.boot.UntypedDescriptor;
import org.capbuddy.kernel.invariant.InvariantReport;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link TwoLevelSetup}: the re-guarded root and its failure paths, on a 12-bit root CNode. */
class TwoLevelSetupTest {
    private static final int B = 8;

    private Kernel kernel;
    private Sel4 sel4;
    private BootInfo info;
    private long untyped;

    @BeforeEach
    void boot() {
        kernel = Kernel.boot(KernelConfig.capBuddy(256L << 20).withRootCNodeBits(12));
        sel4 = kernel.rootTask();
        info = kernel.bootInfo();
        untyped = info.untypedList().stream().filter(u -> !u.device())
                .max(java.util.Comparator.comparingInt(UntypedDescriptor::sizeBits)).orElseThrow().cptr();
    }

    @Test
    void afterTheSwitchCptrsAreL1ShiftedAndTheRootCapIsAtAShifted() {
        long a = info.empty().start();
        TwoLevelSetup.Switched sw = ok(TwoLevelSetup.switchRoot(sel4, info, B));
        assertThat(sw.rootHolderL1()).isEqualTo(a);
        assertThat(sw.rootCptr()).isEqualTo(a << B);
        assertThat(sw.rootRadix()).isEqualTo(12);
        assertThat(sw.translate(7)).isEqualTo(7L << B);
        long root = sw.rootCptr();
        int d = sw.l1Depth();
        // CNode ops through the re-guarded root with depth 64-B address root slots
        assertThat(Probe.slotEmpty(sel4, root, 2, d)).isFalse(); // the original root cap
        assertThat(Probe.slotEmpty(sel4, root, a, d)).isFalse(); // the L2 holding the new one
        long free = a + 1;
        assertThat(Probe.slotEmpty(sel4, root, free, d)).isTrue();
        // a boot untyped is invoked at its translated cptr; the old cptr now fails the guard
        InvocationResult old = sel4.untypedRetype(untyped, ObjectType.ENDPOINT, 0, root, 0, 0, free, 1);
        assertThat(old.isOk()).isFalse();
        Probe.ok(sel4.untypedRetype(sw.translate(untyped), ObjectType.ENDPOINT, 0, root, 0, 0, free, 1));
        assertThat(Probe.slotEmpty(sel4, root, free, d)).isFalse();
        // slot A's L2 holds the re-guarded root cap in slot 0 (cptr A<<B, depth 64)
        assertThat(Probe.slotEmpty(sel4, root, a << B, 64)).isFalse();
        assertThat(Probe.slotEmpty(sel4, root, (a << B) | 1, 64)).isTrue();
        InvariantReport report = kernel.checkInvariants();
        assertThat(report.ok()).as(report.toString()).isTrue();
    }

    @Test
    void badArgumentsChangeNothing() {
        InvariantReport before = kernel.checkInvariants();
        fails(TwoLevelSetup.switchRoot(sel4, info, 0), AllocErrorKind.BAD_ARGUMENT);
        fails(TwoLevelSetup.switchRoot(sel4, info, -3), AllocErrorKind.BAD_ARGUMENT);
        fails(TwoLevelSetup.switchRoot(sel4, info, 64 - 12), AllocErrorKind.BAD_ARGUMENT); // guard would be 0
        fails(TwoLevelSetup.switchRoot(sel4, info, 21), AllocErrorKind.BAD_ARGUMENT);
        fails(TwoLevelSetup.switchRoot(sel4, info, untyped, 2, B), AllocErrorKind.BAD_ARGUMENT); // not empty region
        fails(TwoLevelSetup.switchRoot(sel4, info, untyped, 1L << 12, B), AllocErrorKind.BAD_ARGUMENT);
        InvariantReport after = kernel.checkInvariants();
        assertThat(after.capsChecked()).isEqualTo(before.capsChecked());
        assertThat(after.objectsChecked()).isEqualTo(before.objectsChecked());
        // a foreign cptr as the untyped: the Retype fails and nothing changes
        fails(TwoLevelSetup.switchRoot(sel4, info, info.empty().end() - 1, info.empty().start(), B),
                AllocErrorKind.KERNEL);
        assertThat(kernel.checkInvariants().capsChecked()).isEqualTo(before.capsChecked());
    }

    @Test
    void aFailedRetypeLeavesTheOldCSpaceInPlace() {
        InvariantReport before = kernel.checkInvariants();
        kernel.failureInjector().failNth(1);
        fails(TwoLevelSetup.switchRoot(sel4, info, B), AllocErrorKind.KERNEL);
        InvariantReport after = kernel.checkInvariants();
        assertThat(after.ok()).isTrue();
        assertThat(after.capsChecked()).isEqualTo(before.capsChecked());
        assertThat(after.objectsChecked()).isEqualTo(before.objectsChecked());
        // still the boot layout: cptr = slot, depth 64
        assertThat(Probe.slotEmpty(sel4, 2, info.empty().start(), 64)).isTrue();
        // and the switch works on a second try
        TwoLevelSetup.Switched sw = ok(TwoLevelSetup.switchRoot(sel4, info, B));
        assertThat(Probe.slotEmpty(sel4, sw.rootCptr(), sw.rootHolderL1() + 1, sw.l1Depth())).isTrue();
    }
}
