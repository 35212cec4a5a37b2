package org.capbuddy.sos.process;

import java.util.ArrayList;
import java.util.List;
import org.capbuddy.kernel.Sel4;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.Sel4Error;
import org.capbuddy.kernel.object.AsidPool;
import org.capbuddy.kernel.vm.AsidTable;
import org.capbuddy.libos.vka.AllocError;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.CSpacePath;
import org.capbuddy.libos.vka.CapOps;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.libos.vka.Undo;
import org.capbuddy.libos.vka.Vka;
import org.capbuddy.libos.vka.VkaObject;
import org.capbuddy.libos.vka.VkaObjects;

/**
 * The ASID pools SOS assigns its processes' VSpaces from: the root task's initial pool, then, when
 * every ASID in the pools so far is taken, a new pool made with ASIDControl_MakePool from a 4 KiB
 * untyped, as a real SOS does. seL4 has 128 pools of 512 ASIDs; ASID 0 is never used and the root
 * task has ASID 1, so SOS can run up to 65,534 processes at once. The pools SOS made stay until
 * {@link #release} (an ASID comes back when its VSpace is deleted, and a later process reuses it).
 */
public final class AsidPools {
    /** Processes SOS can run at once: every ASID but 0 and the root task's. */
    public static final int MAX_PROCESSES = AsidTable.POOLS * AsidPool.ASIDS_PER_POOL - 2;

    /** One pool: its cap, and for pools SOS made, the untyped and slot behind it. */
    private static final class Pool {
        final long cptr;
        final VkaObject untyped;
        boolean full;

        Pool(long cptr, VkaObject untyped) {
            this.cptr = cptr;
            this.untyped = untyped;
        }
    }

    private final Vka vka;
    private final Sel4 sel4;
    private final long asidControl;
    private final List<Pool> pools = new ArrayList<>();

    /**
     * @param vka where new pools' untypeds and slots come from
     * @param asidControl cptr of the ASID control cap
     * @param initialPool cptr of the root task's initial ASID pool
     */
    public AsidPools(Vka vka, long asidControl, long initialPool) {
        this.vka = vka;
        this.sel4 = vka.sel4();
        this.asidControl = asidControl;
        pools.add(new Pool(initialPool, null));
    }

    /**
     * Assigns the VSpace an ASID from the first pool with one free, making a new pool when all are
     * taken. Nothing changes when it fails.
     */
    public Result<Void> assign(long vspace) {
        for (Pool pool : pools) {
            if (pool.full) {
                continue;
            }
            InvocationResult r = sel4.asidPoolAssign(pool.cptr, vspace);
            if (r.isOk()) {
                return Result.done();
            }
            if (r.error() != Sel4Error.DELETE_FIRST) {
                return Result.fail(AllocError.kernel("ASIDPool_Assign", r));
            }
            pool.full = true;
        }
        Result<Pool> made = makePool();
        if (!made.isOk()) {
            return made.asFailure();
        }
        InvocationResult r = sel4.asidPoolAssign(made.value().cptr, vspace);
        return r.isOk() ? Result.done() : Result.fail(AllocError.kernel("ASIDPool_Assign on a new pool", r));
    }

    /** An ASID came back (its VSpace was deleted): every pool may have room again. */
    public void released() {
        for (Pool pool : pools) {
            pool.full = false;
        }
    }

    /** The pools SOS made (the initial one not counted). */
    public int made() {
        return pools.size() - 1;
    }

    private Result<Pool> makePool() {
        try (Undo undo = Undo.begin(sel4.guard(), "making an ASID pool")) {
            Result<VkaObject> untyped = VkaObjects.allocUntyped(vka, 12);
            if (!untyped.isOk()) {
                return untyped.asFailure();
            }
            undo.push(() -> VkaObjects.free(vka, untyped.value()));
            Result<Long> slot = vka.cspaceAlloc();
            if (!slot.isOk()) {
                return slot.asFailure();
            }
            undo.push(() -> vka.cspaceFree(slot.value()));
            CSpacePath dest = vka.cspaceMakePath(slot.value());
            InvocationResult r = sel4.asidControlMakePool(asidControl, untyped.value().cptr(), dest.root(),
                    dest.capPtr(), dest.capDepth());
            if (!r.isOk()) {
                return r.error() == Sel4Error.DELETE_FIRST
                        ? Result.fail(AllocErrorKind.OUT_OF_MEMORY, "every ASID is in use: SOS runs at most "
                                + MAX_PROCESSES + " processes at once (128 ASID pools of 512)")
                        : Result.fail(AllocError.kernel("ASIDControl_MakePool", r));
            }
            Pool pool = new Pool(slot.value(), untyped.value());
            pools.add(pool);
            undo.commit();
            return Result.ok(pool);
        }
    }

    /**
     * Gives back the pools SOS made: deleting a pool's cap invalidates it and every ASID in it, so
     * only call this when no process of SOS's is left.
     */
    public Result<Void> release() {
        Result<Void> outcome = Result.done();
        while (pools.size() > 1) {
            Pool pool = pools.remove(pools.size() - 1);
            Result<Void> deleted = CapOps.delete(sel4, vka.cspaceMakePath(pool.cptr));
            Result<Void> slot = deleted.isOk() ? vka.cspaceFree(pool.cptr) : deleted;
            Result<Void> untyped = deleted.isOk() ? VkaObjects.free(vka, pool.untyped) : deleted;
            outcome = !outcome.isOk() ? outcome : !slot.isOk() ? slot : untyped;
        }
        return outcome;
    }
}
