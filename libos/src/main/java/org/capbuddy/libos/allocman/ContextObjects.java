package org.capbuddy.libos.allocman;

import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.libos.vka.AllocError;
import org.capbuddy.libos.vka.CSpacePath;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.libos.vka.Undo;
import org.capbuddy.libos.vspace.PagingStructure;
import org.capbuddy.libos.vspace.StructureAllocator;

/**
 * Whole objects (slot + memory) allocated through a {@link ManagerContext}: what allocman's own
 * parts need when they make objects for themselves (virtual pool pages, page tables, reserves).
 */
public final class ContextObjects implements StructureAllocator {
    private final ManagerContext ctx;

    public ContextObjects(ManagerContext ctx) {
        this.ctx = ctx;
    }

    /** An object in a fresh slot: its cptr and its cookie. */
    public record Owned(long cptr, long cookie) {
    }

    /** A slot, then the object retyped into it; the undo log frees the slot if the Retype fails or anything throws. */
    public Result<Owned> alloc(ObjectType type, int objBits) {
        Result<Long> slot = ctx.cspaceAlloc();
        if (!slot.isOk()) {
            return slot.asFailure();
        }
        long cptr = slot.value();
        try (Undo undo = Undo.begin(ctx.sel4().guard(), "allocating an object for allocman's own use")) {
            undo.push(() -> ctx.cspaceFree(cptr));
            Result<Long> cookie = ctx.utspaceAlloc(ctx.cspaceMakePath(cptr), type, objBits,
                    ManagerContext.NO_PADDR, false);
            if (!cookie.isOk()) {
                return cookie.asFailure();
            }
            undo.commit();
            return Result.ok(new Owned(cptr, cookie.value()));
        }
    }

    /**
     * Deletes the object's cap (destroying it), then frees its slot and its memory. Deleting
     * cannot be undone, so there is no undo log: a throwable after the delete may leave the slot
     * or the memory held by nobody and marks the machine broken before it propagates.
     */
    public Result<Void> free(long cptr, long cookie, int objBits) {
        CSpacePath path = ctx.cspaceMakePath(cptr);
        InvocationResult deleted = ctx.sel4().cnodeDelete(path.root(), path.capPtr(), path.capDepth());
        if (!deleted.isOk()) {
            return Result.fail(AllocError.kernel("CNode_Delete of slot " + cptr, deleted));
        }
        Result<Void> slot;
        Result<Void> memory;
        try {
            slot = ctx.cspaceFree(cptr);
            memory = ctx.utspaceFree(cookie, objBits);
        } catch (Throwable t) {
            ctx.sel4().guard().markBroken("freeing allocman's object in slot " + cptr
                    + " after its cap was deleted (its slot or memory may not have been given back)", t);
            throw t;
        }
        return !slot.isOk() ? slot : memory;
    }

    @Override
    public Result<PagingStructure> allocPageTable() {
        return alloc(ObjectType.PAGE_TABLE, 12).map(o -> PagingStructure.unmapped(o.cptr(), o.cookie()));
    }

    @Override
    public Result<Void> freePageTable(PagingStructure table) {
        return free(table.cptr(), table.cookie(), 12);
    }
}
