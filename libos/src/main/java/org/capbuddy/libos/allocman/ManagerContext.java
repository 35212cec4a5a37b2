package org.capbuddy.libos.allocman;

import org.capbuddy.kernel.Sel4;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.libos.vka.AllocError;
import org.capbuddy.libos.vka.CSpacePath;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.libos.vka.SlotNaming;

/**
 * What a manager may ask of the rest of allocman while it works: slots, objects and bookkeeping
 * bytes, plus the invocation stubs. Allocman implements it with its re-entrancy guard, so a
 * manager that needs its own kind of resource (the untyped manager growing the mspace, which
 * needs a frame) is served from the reserves instead of re-entering itself.
 *
 * <p>Sizes here are allocman's: {@code objBits} is log2 of the object's memory size (a CNode of
 * 2^r slots has objBits r + 5), not Retype's argument.
 */
public interface ManagerContext {
    /** No physical address asked for ({@code ALLOCMAN_NO_PADDR}). */
    long NO_PADDR = -1;
    /** {@link #cspaceAllocSlot()}'s refusal: no cptr is negative. */
    long NO_SLOT = -1;
    /** {@link #mspaceAllocChunk}'s refusal: no bookkeeping address is negative. */
    long NO_CHUNK = -1;

    Sel4 sel4();

    Result<Long> cspaceAlloc();

    /**
     * {@link #cspaceAlloc()} for a hot path: the slot's cptr, or {@link #NO_SLOT} with
     * {@link #slotRefusal()} saying why. A granted slot builds no {@link Result}.
     */
    long cspaceAllocSlot();

    /** Why the last {@link #cspaceAllocSlot()} was refused. */
    AllocError slotRefusal();

    Result<Void> cspaceFree(long cptr);

    /** The path to the slot {@code cptr} names; its {@code capPtr} is {@code cptr} itself. */
    CSpacePath cspaceMakePath(long cptr);

    /**
     * How the cspace addresses its slots, for a hot path that must build no path per slot: its
     * {@code path(cptr)} is {@link #cspaceMakePath cspaceMakePath(cptr)}.
     */
    SlotNaming cspaceNaming();

    /** Retypes one object of {@code type} and memory size 2^objBits into {@code dest}; returns its cookie. */
    Result<Long> utspaceAlloc(CSpacePath dest, ObjectType type, int objBits, long paddr, boolean canBeDevice);

    Result<Void> utspaceFree(long cookie, int objBits);

    /** {@code bytes} of bookkeeping memory; returns its address. */
    Result<Long> mspaceAlloc(long bytes);

    /**
     * {@link #mspaceAlloc} for a hot path: the address, or {@link #NO_CHUNK} with
     * {@link #chunkRefusal()} saying why. A granted chunk builds no {@link Result}.
     */
    long mspaceAllocChunk(long bytes);

    /** Why the last {@link #mspaceAllocChunk} was refused. */
    AllocError chunkRefusal();

    Result<Void> mspaceFree(long address, long bytes);
}
