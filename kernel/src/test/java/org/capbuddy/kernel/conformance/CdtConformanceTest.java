package org.capbuddy.kernel.conformance;

import org.capbuddy.kernel.testing.RootTaskFx;

import org.capbuddy.kernel.cpu.Access;
import static org.assertj.core.api.Assertions.assertThat;
import static org.capbuddy.kernel.testing.RootTaskFx.D;
import static org.capbuddy.kernel.testing.RootTaskFx.FREE_VA;
import static org.capbuddy.kernel.testing.RootTaskFx.PAGE;
import static org.capbuddy.kernel.testing.RootTaskFx.ROOT;
import static org.capbuddy.kernel.testing.RootTaskFx.ROOT_VSPACE;
import static org.capbuddy.kernel.testing.RootTaskFx.err;
import static org.capbuddy.kernel.testing.RootTaskFx.ok;

import org.capbuddy.kernel.cpu.UserCpu;
import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.api.Sel4Error;
import org.capbuddy.kernel.cap.Cap;
import org.capbuddy.kernel.object.KernelObject;
import org.junit.jupiter.api.Test;

/** §3.1 and §3.5: the capability derivation tree, and what deleting and revoking destroy. */
class CdtConformanceTest {

    private final RootTaskFx fx = new RootTaskFx();

    private KernelObject objectAt(long cptr) {
        return fx.capAt(cptr).object();
    }

    @Test
    void copiesOfCopiesAreSiblingsUnderTheOriginal() {
        long orig = fx.object(ObjectType.ENDPOINT);
        long a = fx.copy(orig);
        long b = fx.copy(a); // a copy of a copy
        assertThat(fx.slotAt(a).isRevocable()).isFalse();
        assertThat(fx.slotAt(b).isRevocable()).isFalse();
        // b is not a child of a: revoking a leaves b
        ok(fx.sel4.cnodeRevoke(ROOT, a, D));
        assertThat(fx.isEmpty(b)).isFalse();
        // both are children of the original
        ok(fx.sel4.cnodeRevoke(ROOT, orig, D));
        assertThat(fx.isEmpty(a)).isTrue();
        assertThat(fx.isEmpty(b)).isTrue();
        assertThat(fx.isEmpty(orig)).isFalse();
    }

    @Test
    void copiesOfFramesCNodesAndTcbsAreNonRevocable() {
        assertThat(fx.slotAt(fx.copy(fx.object(ObjectType.SMALL_PAGE))).isRevocable()).isFalse();
        assertThat(fx.slotAt(fx.copy(fx.cnode(3))).isRevocable()).isFalse();
        assertThat(fx.slotAt(fx.copy(fx.object(ObjectType.TCB))).isRevocable()).isFalse();
        assertThat(fx.slotAt(fx.copy(fx.untyped(12))).isRevocable()).isTrue();
    }

    @Test
    void deletingACopyDoesNotDestroyTheObject() {
        long orig = fx.object(ObjectType.ENDPOINT);
        long copy = fx.copy(orig);
        KernelObject ep = objectAt(orig);
        ok(fx.sel4.cnodeDelete(ROOT, copy, D));
        assertThat(ep.isLive()).isTrue();
        // deleting the original while a copy remains does not destroy it either
        long copy2 = fx.copy(orig);
        ok(fx.sel4.cnodeDelete(ROOT, orig, D));
        assertThat(ep.isLive()).isTrue();
        assertThat(fx.isEmpty(copy2)).isFalse();
    }

    @Test
    void deletingTheLastCapDestroysTheObject() {
        long orig = fx.object(ObjectType.ENDPOINT);
        long copy = fx.copy(orig);
        KernelObject ep = objectAt(orig);
        ok(fx.sel4.cnodeDelete(ROOT, orig, D));
        ok(fx.sel4.cnodeDelete(ROOT, copy, D));
        assertThat(ep.isLive()).isFalse();
    }

    @Test
    void deletingACopyOfAMappedPageTableKeepsTheTranslationsTheLastCapRemovesThem() {
        long frame = fx.object(ObjectType.SMALL_PAGE);
        // build the three tables explicitly so that we hold the L3 table's cap
        long l1 = fx.object(ObjectType.PAGE_TABLE);
        long l2 = fx.object(ObjectType.PAGE_TABLE);
        long l3 = fx.object(ObjectType.PAGE_TABLE);
        ok(fx.sel4.pageTableMap(l1, ROOT_VSPACE, FREE_VA, 0));
        ok(fx.sel4.pageTableMap(l2, ROOT_VSPACE, FREE_VA, 0));
        ok(fx.sel4.pageTableMap(l3, ROOT_VSPACE, FREE_VA, 0));
        fx.mapRw(frame, ROOT_VSPACE, FREE_VA);
        UserCpu cpu = fx.rootCpu();
        assertThat(Access.store(cpu, FREE_VA, 8, 42).isOk()).isTrue();

        long copy = fx.copy(l3);
        ok(fx.sel4.cnodeDelete(ROOT, copy, D));
        assertThat(Access.load(cpu, FREE_VA, 8).isOk()).isTrue();
        assertThat(Access.load(cpu, FREE_VA, 8).value()).isEqualTo(42);

        ok(fx.sel4.cnodeDelete(ROOT, l3, D));
        // the table is detached: the page is no longer reachable (the root task has no handler,
        // so the failed access just reports the fault)
        Access after = Access.load(cpu, FREE_VA, 8);
        assertThat(after.isOk()).isFalse();
        assertThat(after.fault().isTranslationFault()).isTrue();
    }

    @Test
    void deletingAnUntypedCapKeepsItsChildrenAliveAndTheyBecomeChildrenOfTheGrandparent() {
        long grand = fx.untyped(20);
        long parent = fx.retype(grand, ObjectType.UNTYPED, 16, 1);
        long ep = fx.retype(parent, ObjectType.ENDPOINT);
        long frame = fx.retype(parent, ObjectType.SMALL_PAGE);
        KernelObject epObj = objectAt(ep);

        ok(fx.sel4.cnodeDelete(ROOT, parent, D));
        assertThat(fx.isEmpty(parent)).isTrue();
        assertThat(fx.isEmpty(ep)).isFalse();
        assertThat(epObj.isLive()).isTrue();

        // re-parented to the grandparent: revoking it destroys them
        ok(fx.sel4.cnodeRevoke(ROOT, grand, D));
        assertThat(fx.isEmpty(ep)).isTrue();
        assertThat(fx.isEmpty(frame)).isTrue();
        assertThat(epObj.isLive()).isFalse();
    }

    @Test
    void copyingAnUntypedWithTheSameRegionMarksTheSourceFull() {
        long ut = fx.untyped(16);
        long copy = fx.copy(ut);
        assertThat(((Cap.Untyped) fx.capAt(ut)).freeIndex()).isEqualTo((1L << 16) / 16);
        err(fx.retypeAt(ut, ObjectType.ENDPOINT, 0, fx.slot(), 1), Sel4Error.NOT_ENOUGH_MEMORY, 0);
        // the copy is a child of the source, so Copy of the source is now RevokeFirst
        err(fx.sel4.cnodeCopy(ROOT, fx.slot(), D, ROOT, ut, D, CapRights.ALL), Sel4Error.REVOKE_FIRST);
        // the copy itself can retype
        ok(fx.retypeAt(copy, ObjectType.ENDPOINT, 0, fx.slot(), 1));
        // once the copy (and everything under it) is gone the source works again
        ok(fx.sel4.cnodeRevoke(ROOT, ut, D));
        assertThat(fx.isEmpty(copy)).isTrue();
        ok(fx.retypeAt(ut, ObjectType.ENDPOINT, 0, fx.slot(), 1));
    }

    @Test
    void revokingAnUntypedDestroysEverythingRetypedFromItAndMakesItReusableFromOffset0() {
        long ut = fx.untyped(20);
        long base = ((Cap.Untyped) fx.capAt(ut)).paddr();
        long ep = fx.retype(ut, ObjectType.ENDPOINT);
        long tcb = fx.retype(ut, ObjectType.TCB);
        long cn = fx.retype(ut, ObjectType.CNODE, 2, 1);
        long frames = fx.retype(ut, ObjectType.SMALL_PAGE, 0, 3);
        long child = fx.retype(ut, ObjectType.UNTYPED, 12, 1);
        long grandchild = fx.retype(child, ObjectType.NOTIFICATION);
        long epCopy = fx.copy(ep);
        long badged = fx.mint(ep, CapRights.ALL, 3);
        KernelObject[] objects = {objectAt(ep), objectAt(tcb), objectAt(cn), objectAt(frames),
                objectAt(frames + 2), objectAt(grandchild)};

        ok(fx.sel4.cnodeRevoke(ROOT, ut, D));
        for (long s : new long[] {ep, tcb, cn, frames, frames + 1, frames + 2, child, grandchild, epCopy, badged}) {
            assertThat(fx.isEmpty(s)).as("slot %d", s).isTrue();
        }
        for (KernelObject o : objects) {
            assertThat(o.isLive()).as("%s", o).isFalse();
        }
        assertThat(fx.isEmpty(ut)).isFalse();
        long again = fx.retype(ut, ObjectType.SMALL_PAGE);
        assertThat(fx.paddr(again)).isEqualTo(base);
    }

    @Test
    void revokingAnUntypedRemovesTheMappingsOfItsFrames() {
        long ut = fx.untyped(16);
        long frame = fx.retype(ut, ObjectType.SMALL_PAGE);
        fx.mapRw(frame, ROOT_VSPACE, FREE_VA);
        long copy = fx.copy(frame);
        fx.mapRw(copy, ROOT_VSPACE, FREE_VA + PAGE);
        UserCpu cpu = fx.rootCpu();
        assertThat(Access.load(cpu, FREE_VA + PAGE, 8).isOk()).isTrue();
        ok(fx.sel4.cnodeRevoke(ROOT, ut, D));
        assertThat(Access.load(cpu, FREE_VA + PAGE, 8).isOk()).isFalse();
    }

    @Test
    void mintingABadgeMakesAnOriginalBadgedChildWhoseCopiesAreItsChildren() {
        long ep = fx.object(ObjectType.ENDPOINT);
        long badged = fx.mint(ep, CapRights.ALL, 7);
        long badgedCopy = fx.copy(badged);
        long otherBadge = fx.mint(ep, CapRights.ALL, 8);
        ok(fx.sel4.cnodeRevoke(ROOT, badged, D));
        assertThat(fx.isEmpty(badgedCopy)).isTrue();
        assertThat(fx.isEmpty(badged)).isFalse();
        assertThat(fx.isEmpty(otherBadge)).isFalse();
        // the original unbadged cap is the parent of every badged one
        long again = fx.copy(badged);
        ok(fx.sel4.cnodeRevoke(ROOT, ep, D));
        assertThat(fx.isEmpty(badged)).isTrue();
        assertThat(fx.isEmpty(again)).isTrue();
        assertThat(fx.isEmpty(otherBadge)).isTrue();
        assertThat(fx.isEmpty(ep)).isFalse();
    }

    @Test
    void moveCarriesTheCdtPositionAndChildren() {
        long ep = fx.object(ObjectType.ENDPOINT);
        long copy = fx.copy(ep);
        long moved = fx.slot();
        ok(fx.sel4.cnodeMove(ROOT, moved, D, ROOT, ep, D));
        assertThat(fx.slotAt(moved).isRevocable()).isTrue();
        ok(fx.sel4.cnodeRevoke(ROOT, moved, D));
        assertThat(fx.isEmpty(copy)).isTrue();
    }

    @Test
    void moveOfAnUntypedCarriesItsChildren() {
        long ut = fx.untyped(16);
        long ep = fx.retype(ut, ObjectType.ENDPOINT);
        long moved = fx.slot();
        ok(fx.sel4.cnodeMove(ROOT, moved, D, ROOT, ut, D));
        // still has children: the watermark continues, no reset
        long ep2 = fx.retype(moved, ObjectType.ENDPOINT);
        assertThat(objectAt(ep2).paddr()).isEqualTo(objectAt(ep).paddr() + 16);
        ok(fx.sel4.cnodeRevoke(ROOT, moved, D));
        assertThat(fx.isEmpty(ep)).isTrue();
        assertThat(fx.isEmpty(ep2)).isTrue();
    }

    @Test
    void deletingTheLastCNodeCapDeletesItsContents() {
        long cn = fx.cnode(4);
        long ep = fx.object(ObjectType.ENDPOINT);
        KernelObject epObj = objectAt(ep);
        KernelObject cnObj = objectAt(cn);
        ok(fx.sel4.cnodeMove(cn, 3, 4, ROOT, ep, D));
        ok(fx.sel4.cnodeDelete(ROOT, cn, D));
        assertThat(cnObj.isLive()).isFalse();
        assertThat(epObj.isLive()).isFalse();
    }

    @Test
    void frameCapDeletionRemovesItsOwnMappingEvenWhenNotFinal() {
        long frame = fx.object(ObjectType.SMALL_PAGE);
        long copy = fx.copy(frame);
        fx.mapRw(frame, ROOT_VSPACE, FREE_VA);
        fx.mapRw(copy, ROOT_VSPACE, FREE_VA + PAGE);
        UserCpu cpu = fx.rootCpu();
        ok(fx.sel4.cnodeDelete(ROOT, frame, D));
        assertThat(Access.load(cpu, FREE_VA + PAGE, 8).isOk()).isTrue();
        assertThat(objectAt(copy).isLive()).isTrue();
        assertThat(Access.load(cpu, FREE_VA, 8).isOk()).isFalse();
    }

    @Test
    void deletingTheLastVSpaceCapFreesItsAsid() {
        long v = fx.assignedVSpace();
        int asid = ((Cap.VSpaceCap) fx.capAt(v)).asid();
        ok(fx.sel4.cnodeDelete(ROOT, v, D));
        long v2 = fx.assignedVSpace();
        assertThat(((Cap.VSpaceCap) fx.capAt(v2)).asid()).isEqualTo(asid);
    }

    @Test
    void deletingAFirstBadgedCapPassesTheMarkToItsSuccessor() {
        long ep = fx.object(ObjectType.ENDPOINT);
        long b7 = fx.mint(ep, CapRights.ALL, 7);
        long c7 = fx.copy(b7);
        // delete the original badged cap: its copy inherits the first-badged mark
        ok(fx.sel4.cnodeDelete(ROOT, b7, D));
        assertThat(fx.slotAt(c7).isFirstBadged()).isTrue();
        // a new original with the same badge lands right after ep, before c7; c7 is not its child
        long b7again = fx.mint(ep, CapRights.ALL, 7);
        ok(fx.sel4.cnodeRevoke(ROOT, b7again, D));
        assertThat(fx.isEmpty(c7)).isFalse();
        // but c7 is still under the unbadged original
        ok(fx.sel4.cnodeRevoke(ROOT, ep, D));
        assertThat(fx.isEmpty(c7)).isTrue();
        assertThat(fx.isEmpty(b7again)).isTrue();
    }

    @Test
    void mintingFromANonOriginalCopyMakesABadgedOriginalUnderTheUnbadgedOriginal() {
        long ep = fx.object(ObjectType.ENDPOINT);
        long plainCopy = fx.copy(ep);
        long b9 = fx.mint(plainCopy, CapRights.ALL, 9);
        assertThat(fx.slotAt(b9).isRevocable()).isTrue();
        long b9copy = fx.copy(b9);
        // the plain copy is not revocable, so it has no children
        ok(fx.sel4.cnodeRevoke(ROOT, plainCopy, D));
        assertThat(fx.isEmpty(b9)).isFalse();
        ok(fx.sel4.cnodeRevoke(ROOT, b9, D));
        assertThat(fx.isEmpty(b9copy)).isTrue();
        ok(fx.sel4.cnodeRevoke(ROOT, ep, D));
        assertThat(fx.isEmpty(b9)).isTrue();
        assertThat(fx.isEmpty(plainCopy)).isTrue();
    }

    @Test
    void deletingTheLastTcbCapDeletesTheCapsInItsSlots() {
        long tcb = fx.object(ObjectType.TCB);
        long v = fx.assignedVSpace();
        ok(fx.sel4.tcbSetSpace(tcb, 0, ROOT, 0, v, 0));
        KernelObject vs = objectAt(v);
        // the TCB holds a copy of the VSpace cap: deleting ours does not free the VSpace
        ok(fx.sel4.cnodeDelete(ROOT, v, D));
        assertThat(vs.isLive()).isTrue();
        // deleting the TCB deletes its copy, the last one
        ok(fx.sel4.cnodeDelete(ROOT, tcb, D));
        assertThat(vs.isLive()).isFalse();
        // and the root CNode survives: the TCB only held a copy
        assertThat(fx.capAt(ROOT).object().isLive()).isTrue();
    }

    @Test
    void aCNodeHoldingACapToItselfSurvivesDeletionOfItsOtherCapAndRevokeOfItsUntypedCleansUp() {
        long ut = fx.untyped(16);
        long cn = fx.retype(ut, ObjectType.CNODE, 2, 1);
        KernelObject obj = objectAt(cn);
        ok(fx.sel4.cnodeCopy(cn, 0, 2, ROOT, cn, D, CapRights.ALL));
        ok(fx.sel4.cnodeDelete(ROOT, cn, D));
        // not final: the copy inside it still refers to it
        assertThat(obj.isLive()).isTrue();
        ok(fx.sel4.cnodeRevoke(ROOT, ut, D));
        assertThat(obj.isLive()).isFalse();
    }

    @Test
    void twoCNodesReferringToEachOtherAreDestroyedByRevokingTheirUntyped() {
        long ut = fx.untyped(16);
        long a = fx.retype(ut, ObjectType.CNODE, 2, 1);
        long b = fx.retype(ut, ObjectType.CNODE, 2, 1);
        long ep = fx.retype(ut, ObjectType.ENDPOINT);
        KernelObject aObj = objectAt(a);
        KernelObject bObj = objectAt(b);
        KernelObject epObj = objectAt(ep);
        ok(fx.sel4.cnodeCopy(a, 1, 2, ROOT, b, D, CapRights.ALL));
        ok(fx.sel4.cnodeCopy(b, 1, 2, ROOT, a, D, CapRights.ALL));
        ok(fx.sel4.cnodeMove(a, 2, 2, ROOT, ep, D));
        ok(fx.sel4.cnodeDelete(ROOT, a, D));
        ok(fx.sel4.cnodeDelete(ROOT, b, D));
        assertThat(aObj.isLive()).isTrue();
        assertThat(bObj.isLive()).isTrue();
        ok(fx.sel4.cnodeRevoke(ROOT, ut, D));
        assertThat(aObj.isLive()).isFalse();
        assertThat(bObj.isLive()).isFalse();
        assertThat(epObj.isLive()).isFalse();
        assertThat(fx.kernel.checkInvariants().violations()).isEmpty();
        // the untyped is reusable from its base
        long again = fx.retype(ut, ObjectType.SMALL_PAGE);
        assertThat(fx.paddr(again)).isEqualTo(((Cap.Untyped) fx.capAt(ut)).paddr());
    }
}
