package org.capbuddy.kernel.invocation;

import org.capbuddy.kernel.api.InvocationLabel;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.LookupFailure;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.api.Sel4Error;
import org.capbuddy.kernel.cap.Cap;
import org.capbuddy.kernel.cap.Slot;
import org.capbuddy.kernel.object.AsidPool;
import org.capbuddy.kernel.object.VSpace;
import org.capbuddy.kernel.vm.AsidTable;

/**
 * ASIDControl_MakePool and ASIDPool_Assign. A pool is made from a 4 KiB RAM untyped with no
 * children, which becomes full; it takes the lowest free of the 128 pool indices. Assign gives a
 * VSpace the lowest free ASID of the pool (never ASID 0).
 */
final class AsidInvocations {
    private AsidInvocations() {
    }

    static InvocationResult makePool(KernelState k, InvocationLabel label, IpcBuffer m, ExtraCaps extra) {
        if (label != InvocationLabel.ARM_ASID_CONTROL_MAKE_POOL) {
            return InvocationResult.error(Sel4Error.ILLEGAL_OPERATION);
        }
        if (m.length() < 2 || extra.count() < 2) {
            return InvocationResult.error(Sel4Error.TRUNCATED_MESSAGE);
        }
        int poolIndex = k.asids().firstFreePool();
        if (poolIndex < 0) {
            return InvocationResult.error(Sel4Error.DELETE_FIRST);
        }
        Slot untypedSlot = extra.slot(0);
        if (!(untypedSlot.cap() instanceof Cap.Untyped untyped)
                || untyped.sizeBits() != ObjectType.ASID_POOL_BITS || untyped.device()) {
            return InvocationResult.invalidCapability(1);
        }
        if (k.cdt().hasChildren(untypedSlot)) {
            return InvocationResult.error(Sel4Error.REVOKE_FIRST);
        }
        Cap destRoot = extra.slot(1).cap();
        Slot dest = SlotLookups.forCNodeOp(destRoot, m.word(0), m.word(1));
        if (dest == null) {
            return SlotLookups.failure(false, destRoot, m.word(0), m.word(1));
        }
        if (!dest.isEmpty()) {
            return InvocationResult.error(Sel4Error.DELETE_FIRST);
        }
        if (k.failures().shouldFail()) {
            return InvocationResult.error(Sel4Error.NOT_ENOUGH_MEMORY, 0);
        }
        untypedSlot.updateCap(untyped.withFreeIndex(untyped.maxFreeIndex()));
        k.memory().zero(untyped.paddr(), untyped.size());
        k.counters().bytesZeroed(untyped.size());
        AsidPool pool = new AsidPool(untyped.paddr(), poolIndex << AsidTable.POOL_BITS);
        k.cdt().insertDerived(untypedSlot, dest, new Cap.AsidPoolCap(pool));
        k.asids().setPool(poolIndex, pool);
        k.counters().asidPoolCreated();
        return InvocationResult.ok();
    }

    static InvocationResult assign(KernelState k, InvocationLabel label, Cap.AsidPoolCap poolCap, ExtraCaps extra) {
        if (label != InvocationLabel.ARM_ASID_POOL_ASSIGN) {
            return InvocationResult.error(Sel4Error.ILLEGAL_OPERATION);
        }
        if (extra.count() < 1) {
            return InvocationResult.error(Sel4Error.TRUNCATED_MESSAGE);
        }
        Slot vspaceSlot = extra.slot(0);
        if (!(vspaceSlot.cap() instanceof Cap.VSpaceCap vcap) || vcap.asid() != 0) {
            return InvocationResult.invalidCapability(1);
        }
        AsidPool pool = k.asids().pool(poolCap.pool().asidBase() >>> AsidTable.POOL_BITS);
        if (pool == null) {
            return InvocationResult.failedLookup(false, LookupFailure.invalidRoot());
        }
        if (pool != poolCap.pool()) {
            return InvocationResult.invalidCapability(0);
        }
        int first = pool.asidBase() == 0 ? 1 : 0;
        for (int i = first; i < AsidPool.ASIDS_PER_POOL; i++) {
            if (pool.vspace(i) == null) {
                VSpace vspace = vcap.vspace();
                int asid = pool.asidBase() + i;
                pool.setVSpace(i, vspace);
                vspace.setAsid(asid);
                vspaceSlot.updateCap(new Cap.VSpaceCap(vspace, asid));
                return InvocationResult.ok();
            }
        }
        return InvocationResult.error(Sel4Error.DELETE_FIRST);
    }
}
