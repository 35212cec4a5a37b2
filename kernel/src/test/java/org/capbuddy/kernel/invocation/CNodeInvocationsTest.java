package org.capbuddy.kernel.invocation;

import org.capbuddy.kernel.testing.RootTaskFx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.capbuddy.kernel.testing.RootTaskFx.ALL;
import static org.capbuddy.kernel.testing.RootTaskFx.ASID_CONTROL;
import static org.capbuddy.kernel.testing.RootTaskFx.D;
import static org.capbuddy.kernel.testing.RootTaskFx.DOMAIN;
import static org.capbuddy.kernel.testing.RootTaskFx.FREE_VA;
import static org.capbuddy.kernel.testing.RootTaskFx.INIT_POOL;
import static org.capbuddy.kernel.testing.RootTaskFx.PAGE;
import static org.capbuddy.kernel.testing.RootTaskFx.ROOT;
import static org.capbuddy.kernel.testing.RootTaskFx.ROOT_VSPACE;
import static org.capbuddy.kernel.testing.RootTaskFx.err;
import static org.capbuddy.kernel.testing.RootTaskFx.ok;

import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.api.InvocationLabel;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.api.Sel4Error;
import org.capbuddy.kernel.cap.Cap;
import org.capbuddy.kernel.cpu.Access;
import org.capbuddy.kernel.cpu.UserCpu;
import org.junit.jupiter.api.Test;

/**
 * CNode invocations and derivation against seL4's {@code src/object/cnode.c}
 * (decodeCNodeInvocation, cteInsert, cteMove, cteRevoke), {@code src/object/objecttype.c}
 * (deriveCap, maskCapRights, updateCapData, isCapRevocable, hasCancelSendRights) and
 * {@code src/arch/arm/64/object/objecttype.c} (Arch_deriveCap, Arch_finaliseCap).
 */
class CNodeInvocationsTest {

    private final RootTaskFx fx = new RootTaskFx();

    @Test
    void aCopyOfAsidControlMakesPoolsToo() {
        long ctl = fx.copy(ASID_CONTROL);
        assertThat(fx.capAt(ctl)).isInstanceOf(Cap.AsidControl.class);
        assertThat(fx.slotAt(ctl).isRevocable()).isFalse();
        long pool = fx.slot();
        ok(fx.sel4.asidControlMakePool(ctl, fx.untyped(12), ROOT, pool, D));
        assertThat(fx.capAt(pool)).isInstanceOf(Cap.AsidPoolCap.class);
    }

    @Test
    void aCopyOfAnAsidPoolAssignsFromThatPoolAndOnlyTheLastCapsDeletionInvalidatesIt() {
        long pool = fx.slot();
        ok(fx.sel4.asidControlMakePool(ASID_CONTROL, fx.untyped(12), ROOT, pool, D));
        long poolCopy = fx.copy(pool);
        long v = fx.object(ObjectType.VSPACE);
        ok(fx.sel4.asidPoolAssign(poolCopy, v));
        assertThat(((Cap.VSpaceCap) fx.capAt(v)).asid()).isEqualTo(512);
        // not final: the pool and its ASIDs stay
        ok(fx.sel4.cnodeDelete(ROOT, pool, D));
        long frame = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(frame, v, FREE_VA);
        // final: every ASID of the pool goes, and the VSpace cap's ASID is stale
        ok(fx.sel4.cnodeDelete(ROOT, poolCopy, D));
        err(fx.sel4.pageMap(fx.object(ObjectType.SMALL_PAGE), v, FREE_VA + PAGE, RootTaskFx.RW, RootTaskFx.DEF),
                Sel4Error.FAILED_LOOKUP, 0, 1);
    }

    @Test
    void theDomainCapCanBeCopiedAndTheCopyIsNotAnOriginal() {
        long copy = fx.copy(DOMAIN);
        assertThat(fx.capAt(copy)).isInstanceOf(Cap.DomainCap.class);
        assertThat(fx.slotAt(copy).isRevocable()).isFalse();
        // it is a child of the boot cap
        ok(fx.sel4.cnodeRevoke(ROOT, DOMAIN, D));
        assertThat(fx.isEmptySlot(copy)).isTrue();
    }

    @Test
    void capsWithoutRightsIgnoreTheRightsWordOfCopyAndMint() {
        long cn = fx.cnode(4);
        long cnNone = fx.copy(cn, CapRights.NONE);
        // the copy still addresses the CNode: a CNode cap carries no rights
        ok(fx.sel4.cnodeCopy(cnNone, 3, 4, ROOT, fx.object(ObjectType.ENDPOINT), D, ALL));
        long ut = fx.untyped(12);
        long utNone = fx.mint(ut, CapRights.NONE, 0);
        ok(fx.sel4.untypedRetype(utNone, ObjectType.ENDPOINT, 0, ROOT, 0, 0, fx.slot(), 1));
        long tcb = fx.object(ObjectType.TCB);
        long tcbNone = fx.copy(tcb, CapRights.NONE);
        ok(fx.sel4.tcbSuspend(tcbNone));
    }

    @Test
    void mintWithData0RewritesACNodeGuardToNothingUnlikeCopy() {
        Cap.CNodeCap root = (Cap.CNodeCap) fx.capAt(ROOT);
        long copied = fx.copy(ROOT);
        assertThat(((Cap.CNodeCap) fx.capAt(copied)).guardSize()).isEqualTo(root.guardSize());
        long minted = fx.mint(ROOT, ALL, 0);
        Cap.CNodeCap m = (Cap.CNodeCap) fx.capAt(minted);
        assertThat(m.guardSize()).isZero();
        assertThat(m.guard()).isZero();
        // with no guard the minted cap resolves radix bits: depth 12 now names a slot
        int radix = root.cnode().radix();
        long ep = fx.object(ObjectType.ENDPOINT);
        ok(fx.sel4.cnodeCopy(minted, fx.slot(), radix, ROOT, ep, D, ALL));
        err(fx.sel4.cnodeDelete(ROOT, fx.slot(), radix), Sel4Error.FAILED_LOOKUP, 0, 4);
    }

    @Test
    void moveAndMutateCarryAFrameCapsMappingWithIt() {
        long frame = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(frame, ROOT_VSPACE, FREE_VA);
        long moved = fx.slot();
        ok(fx.sel4.cnodeMove(ROOT, moved, D, ROOT, frame, D));
        assertThat(((Cap.FrameCap) fx.capAt(moved)).mappedVaddr()).isEqualTo(FREE_VA);
        long mutated = fx.slot();
        ok(fx.sel4.cnodeMutate(ROOT, mutated, D, ROOT, moved, D, 0x55));
        assertThat(((Cap.FrameCap) fx.capAt(mutated)).isMapped()).isTrue();
        UserCpu cpu = fx.sel4.cpu(RootTaskFx.ROOT_TCB).orElseThrow();
        assertThat(Access.load(cpu, FREE_VA, 8).isOk()).isTrue();
        // the moved cap still owns the mapping: it can remove it
        ok(fx.sel4.pageUnmap(mutated));
        assertThat(Access.load(cpu, FREE_VA, 8).isOk()).isFalse();
    }

    @Test
    void revokingAnOriginalFrameCapUnmapsItsCopiesButKeepsItsOwnMapping() {
        long frame = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(frame, ROOT_VSPACE, FREE_VA);
        long copy = fx.copy(frame);
        fx.mapRw(copy, ROOT_VSPACE, FREE_VA + PAGE);
        long copyOfCopy = fx.copy(copy, CapRights.READ_ONLY);
        fx.mapRw(copyOfCopy, ROOT_VSPACE, FREE_VA + 2 * PAGE);
        ok(fx.sel4.cnodeRevoke(ROOT, frame, D));
        assertThat(fx.isEmptySlot(copy)).isTrue();
        assertThat(fx.isEmptySlot(copyOfCopy)).isTrue();
        assertThat(fx.sel4.pageWalk(ROOT_VSPACE, FREE_VA + PAGE).orElseThrow().translated()).isFalse();
        assertThat(fx.sel4.pageWalk(ROOT_VSPACE, FREE_VA + 2 * PAGE).orElseThrow().translated()).isFalse();
        assertThat(fx.sel4.pageWalk(ROOT_VSPACE, FREE_VA).orElseThrow().translated()).isTrue();
        assertThat(((Cap.FrameCap) fx.capAt(frame)).isMapped()).isTrue();
        assertThat(fx.capAt(frame).object().isLive()).isTrue();
    }

    @Test
    void cancelBadgedSendsRefusesNotificationsAndEmptySlotsWithIllegalOperation() {
        long ntfn = fx.object(ObjectType.NOTIFICATION);
        err(fx.raw(ROOT, InvocationLabel.CNODE_CANCEL_BADGED_SENDS, new long[] {ntfn, D}),
                Sel4Error.ILLEGAL_OPERATION);
        err(fx.raw(ROOT, InvocationLabel.CNODE_CANCEL_BADGED_SENDS, new long[] {fx.slot(), D}),
                Sel4Error.ILLEGAL_OPERATION);
        // a badged endpoint with all four rights is accepted
        long ep = fx.object(ObjectType.ENDPOINT);
        ok(fx.raw(ROOT, InvocationLabel.CNODE_CANCEL_BADGED_SENDS, new long[] {fx.mint(ep, ALL, 3), D}));
    }

    @Test
    void copyOfAMappedPageTableKeepsItsMappingSoTheCopyCannotBeMappedAgain() {
        long pt = fx.object(ObjectType.PAGE_TABLE);
        ok(fx.sel4.pageTableMap(pt, ROOT_VSPACE, FREE_VA, 0));
        long copy = fx.copy(pt);
        Cap.PageTableCap c = (Cap.PageTableCap) fx.capAt(copy);
        assertThat(c.mapped()).isTrue();
        assertThat(c.mappedVaddr()).isEqualTo(FREE_VA);
        err(fx.sel4.pageTableMap(copy, ROOT_VSPACE, 2 * FREE_VA, 0), Sel4Error.INVALID_CAPABILITY, 0);
        // and a copy of an assigned VSpace carries its ASID: it can be mapped into
        long v = fx.assignedVSpace();
        long vcopy = fx.copy(v);
        assertThat(((Cap.VSpaceCap) fx.capAt(vcopy)).asid()).isEqualTo(((Cap.VSpaceCap) fx.capAt(v)).asid());
        fx.mapRw(fx.object(ObjectType.SMALL_PAGE), vcopy, FREE_VA);
        err(fx.sel4.asidPoolAssign(INIT_POOL, vcopy), Sel4Error.INVALID_CAPABILITY, 1);
    }
}
