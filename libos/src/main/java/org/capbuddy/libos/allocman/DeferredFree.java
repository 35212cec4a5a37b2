package org.capbuddy.libos.allocman;

import org.capbuddy.libos.vka.Result;

/**
 * A free that allocman could not perform when it was asked for, because the manager it goes to
 * was busy further up the stack (allocman's {@code freed_slots}, {@code freed_utspace_chunks} and
 * {@code freed_mspace_chunks} queues), or because a throwable interrupted it at its entry while
 * an operation was in progress. It is performed by {@link DeferredFrees#drain} when an outermost
 * operation ends.
 */
sealed interface DeferredFree
        permits DeferredFree.SlotFree, DeferredFree.SlotRunFree, DeferredFree.ObjectFree, DeferredFree.ChunkFree {

    /** Performs the free now, through allocman's guarded entry (so it may be deferred again). */
    Result<Void> perform(Allocman allocman);

    /** A slot for the cspace manager. */
    record SlotFree(long cptr) implements DeferredFree {
        @Override
        public Result<Void> perform(Allocman allocman) {
            return allocman.cspaceFree(cptr);
        }
    }

    /** A run of 2^numBits slots for the cspace manager (deferred only when interrupted). */
    record SlotRunFree(long firstCptr, int numBits) implements DeferredFree {
        @Override
        public Result<Void> perform(Allocman allocman) {
            return allocman.cspaceFreeContiguous(firstCptr, numBits);
        }
    }

    /** An object's memory for the utspace manager (its caps are already deleted). */
    record ObjectFree(long cookie, int objBits) implements DeferredFree {
        @Override
        public Result<Void> perform(Allocman allocman) {
            return allocman.utspaceFree(cookie, objBits);
        }
    }

    /** A bookkeeping chunk for the mspace. */
    record ChunkFree(long address, long bytes) implements DeferredFree {
        @Override
        public Result<Void> perform(Allocman allocman) {
            return allocman.mspaceFree(address, bytes);
        }
    }
}
