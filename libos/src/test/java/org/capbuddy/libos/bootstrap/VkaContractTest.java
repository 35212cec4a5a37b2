package org.capbuddy.libos.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.api.VmAttributes;
import org.capbuddy.libos.allocman.ContextObjects;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.CSpacePath;
import org.capbuddy.libos.vka.CapOps;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.libos.vka.VkaObject;
import org.capbuddy.libos.vka.VkaObjects;
import org.capbuddy.libos.vspace.PageMapper;
import org.capbuddy.libos.vspace.PagingStructure;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/** The vka's promises: physical placement, errors instead of exceptions, and the mapping helper. */
class VkaContractTest {

    @ParameterizedTest
    @EnumSource(CSpaceLayout.class)
    void allocationAtAPhysicalAddressLandsExactlyThereOrFailsClearly(CSpaceLayout layout) {
        LibosFixture fx = LibosFixture.boot(layout, 64L << 20);
        long paddr = 0x4300_0000L;
        VkaObject frame = VkaObjects.allocAt(fx.vka, ObjectType.SMALL_PAGE, 12, paddr).value();
        assertThat(fx.vka.sel4().pageGetAddress(frame.cptr()).mr(0)).isEqualTo(paddr);
        assertThat(VkaObjects.paddr(fx.vka, frame).value()).isEqualTo(paddr);
        VkaObject large = VkaObjects.allocAt(fx.vka, ObjectType.LARGE_PAGE, 21, 0x4400_0000L).value();
        assertThat(fx.vka.sel4().pageGetAddress(large.cptr()).mr(0)).isEqualTo(0x4400_0000L);

        var before = fx.settledBalance();
        assertThat(VkaObjects.allocAt(fx.vka, ObjectType.SMALL_PAGE, 12, paddr).error().kind())
                .as("already allocated").isNotNull();
        assertThat(VkaObjects.allocAt(fx.vka, ObjectType.SMALL_PAGE, 12, paddr + 8).error().kind())
                .isEqualTo(AllocErrorKind.BAD_ARGUMENT);
        assertThat(VkaObjects.allocAt(fx.vka, ObjectType.SMALL_PAGE, 12, 0x7000_0000_0000L).isOk())
                .as("beyond the physical address space").isFalse();
        assertThat(VkaObjects.allocAt(fx.vka, ObjectType.SMALL_PAGE, 12, -4096).error().kind())
                .isEqualTo(AllocErrorKind.BAD_ARGUMENT);
        assertThat(fx.settledBalance()).isEqualTo(before);

        // Device memory at a device address: allowed for frames asked for by address.
        VkaObject uart = VkaObjects.allocAt(fx.vka, ObjectType.SMALL_PAGE, 12, 0x0A00_0000L).value();
        assertThat(fx.vka.sel4().pageGetAddress(uart.cptr()).mr(0)).isEqualTo(0x0A00_0000L);
        fx.assertInvariants();
    }

    @ParameterizedTest
    @EnumSource(CSpaceLayout.class)
    void badInputIsAnErrorAndChangesNothing(CSpaceLayout layout) {
        LibosFixture fx = LibosFixture.boot(layout, 64L << 20);
        VkaObject live = VkaObjects.allocFrame(fx.vka, 12).value();
        var before = fx.settledBalance();

        assertThat(fx.vka.cspaceFree(3).error().kind()).as("a boot cap's slot").isEqualTo(AllocErrorKind.NOT_ALLOCATED);
        assertThat(fx.vka.cspaceFree(-1).isOk()).isFalse();
        assertThat(fx.vka.cspaceFree(Long.MAX_VALUE).isOk()).isFalse();
        assertThat(fx.vka.utspaceFree(ObjectType.SMALL_PAGE, 0, 987654321L).error().kind())
                .isEqualTo(AllocErrorKind.NOT_ALLOCATED);
        assertThat(VkaObjects.alloc(fx.vka, ObjectType.UNTYPED, 3).error().kind()).isEqualTo(AllocErrorKind.BAD_ARGUMENT);
        assertThat(VkaObjects.alloc(fx.vka, ObjectType.UNTYPED, 48).error().kind()).isEqualTo(AllocErrorKind.BAD_ARGUMENT);
        assertThat(VkaObjects.alloc(fx.vka, ObjectType.CNODE, 0).error().kind()).isEqualTo(AllocErrorKind.BAD_ARGUMENT);
        assertThat(VkaObjects.alloc(fx.vka, ObjectType.SMALL_PAGE, -1).error().kind()).isEqualTo(AllocErrorKind.BAD_ARGUMENT);
        assertThat(VkaObjects.alloc(fx.vka, null, 12).error().kind()).isEqualTo(AllocErrorKind.BAD_ARGUMENT);
        assertThat(VkaObjects.allocFrame(fx.vka, 13).error().kind()).isEqualTo(AllocErrorKind.BAD_ARGUMENT);
        assertThat(VkaObjects.alloc(fx.vka, ObjectType.UNTYPED, 40).isOk()).as("more than the machine has").isFalse();
        assertThat(VkaObjects.free(fx.vka, null).isOk()).isFalse();
        assertThat(fx.vka.utspaceTryAllocFromPool(12, -1, false).isOk()).as("no pool in plain allocman").isFalse();
        assertThat(fx.settledBalance()).isEqualTo(before);

        assertThat(VkaObjects.free(fx.vka, live).isOk()).isTrue();
        var freed = fx.settledBalance();
        Result<Void> again = VkaObjects.free(fx.vka, live);
        assertThat(again.isOk()).as("double free").isFalse();
        assertThat(fx.settledBalance()).isEqualTo(freed);
        fx.assertInvariants();
    }

    @ParameterizedTest
    @EnumSource(CSpaceLayout.class)
    void mappingInAnEmptyRegionCreatesAndReportsThreeTables(CSpaceLayout layout) {
        LibosFixture fx = LibosFixture.boot(layout, 64L << 20);
        VkaObject frame = VkaObjects.allocFrame(fx.vka, 12).value();
        ContextObjects tables = new ContextObjects(fx.allocman);
        long vaddr = 0x100_0000_0000L + 0x1234_5000L; // L0 entry 2: nothing mapped there yet
        Result<List<PagingStructure>> mapped = PageMapper.map(fx.vka.sel4(), tables, frame.cptr(), fx.booted.vspace(),
                vaddr, CapRights.READ_WRITE, VmAttributes.DEFAULT);
        assertThat(mapped.isOk()).as("%s", mapped).isTrue();
        assertThat(mapped.value()).hasSize(3);
        assertThat(mapped.value()).extracting(PagingStructure::vaddr)
                .containsExactly(vaddr & -(1L << 39), vaddr & -(1L << 30), vaddr & -(1L << 21));
        fx.assertInvariants();

        // A second page in the same 2 MiB needs no table.
        VkaObject next = VkaObjects.allocFrame(fx.vka, 12).value();
        assertThat(PageMapper.map(fx.vka.sel4(), tables, next.cptr(), fx.booted.vspace(), vaddr + 4096,
                CapRights.READ_WRITE, VmAttributes.DEFAULT).value()).isEmpty();
    }

    @ParameterizedTest
    @EnumSource(CSpaceLayout.class)
    void aMappingThatFailsPartWayGivesBackTheTablesItMade(CSpaceLayout layout) {
        LibosFixture fx = LibosFixture.boot(layout, 64L << 20);
        VkaObject frame = VkaObjects.allocFrame(fx.vka, 12).value();
        var before = fx.settledBalance();
        ContextObjects tables = new ContextObjects(fx.allocman);
        int failures = 0;
        for (int step = 1; ; step++) {
            fx.kernel.failureInjector().failNth(step);
            Result<List<PagingStructure>> mapped = PageMapper.map(fx.vka.sel4(), tables, frame.cptr(),
                    fx.booted.vspace(), 0x180_0000_0000L, CapRights.READ_WRITE, VmAttributes.DEFAULT);
            boolean injected = !fx.kernel.failureInjector().armed();
            fx.kernel.failureInjector().disarm();
            if (mapped.isOk() && !injected) {
                assertThat(failures).isPositive();
                assertThat(mapped.value()).hasSize(3);
                break;
            }
            if (mapped.isOk()) {
                // The injected failure hit a refill after the mapping; undo the mapping by hand.
                CapOps.delete(fx.vka.sel4(), fx.vka.cspaceMakePath(frame.cptr()));
                throw new AssertionError("unexpected: mapping succeeded despite an injected failure at step " + step);
            }
            failures++;
            assertThat(fx.settledBalance()).as("step %d: %s", step, mapped).isEqualTo(before);
            fx.assertInvariants();
        }
        CSpacePath framePath = fx.vka.cspaceMakePath(frame.cptr());
        assertThat(framePath.capPtr()).isEqualTo(frame.cptr());
    }

    @ParameterizedTest
    @EnumSource(CSpaceLayout.class)
    void everySlotIsAddressedByTheVkasRootAndDepthAsItsPathAddressesIt(CSpaceLayout layout) {
        LibosFixture fx = LibosFixture.boot(layout, 64L << 20);
        var before = fx.settledBalance();
        List<Long> slots = new java.util.ArrayList<>();
        for (int i = 0; i < 600; i++) { // beyond one L2 CNode of 2^8 in the two-level layout
            slots.add(fx.vka.cspaceAlloc().value());
        }
        for (long slot : slots) {
            CSpacePath path = fx.vka.cspaceMakePath(slot);
            assertThat(path.root()).as("slot %d", slot).isEqualTo(fx.vka.cspaceRoot());
            assertThat(path.capPtr()).as("slot %d", slot).isEqualTo(slot);
            assertThat(path.capDepth()).as("slot %d", slot).isEqualTo(fx.vka.cspaceDepth());
        }
        // A copy and a delete by cptr do what they do on paths.
        VkaObject frame = VkaObjects.allocFrame(fx.vka, 12).value();
        long copy = slots.get(slots.size() - 1);
        assertThat(CapOps.copy(fx.vka, copy, frame.cptr(), CapRights.READ_ONLY).isOk()).isTrue();
        assertThat(fx.vka.sel4().pageGetAddress(copy).mr(0)).isEqualTo(VkaObjects.paddr(fx.vka, frame).value());
        assertThat(CapOps.copy(fx.vka, copy, frame.cptr(), CapRights.READ_ONLY).isOk()).as("slot taken").isFalse();
        assertThat(CapOps.delete(fx.vka, copy).isOk()).isTrue();
        assertThat(fx.vka.sel4().pageGetAddress(copy).isOk()).as("the copy is gone").isFalse();
        assertThat(VkaObjects.free(fx.vka, frame).isOk()).isTrue();
        for (long slot : slots) {
            assertThat(fx.vka.cspaceFree(slot).isOk()).as("slot %d is empty again", slot).isTrue();
        }
        assertThat(fx.settledBalance()).isEqualTo(before);
        fx.assertInvariants();
    }
}
