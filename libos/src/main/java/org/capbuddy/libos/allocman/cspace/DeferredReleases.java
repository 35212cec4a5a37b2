package org.capbuddy.libos.allocman.cspace;

import java.util.ArrayList;
import java.util.List;
import org.capbuddy.libos.allocman.ManagerContext;

/**
 * Memory a cspace manager gave back but the utspace or mspace refused to take (as allocman does
 * for frees refused while an allocator is busy, its {@code freed_*} queues). The manager's own
 * operation has completed; the release is retried at the start of its next operation, so nothing
 * leaks for good and nothing is given back twice.
 */
final class DeferredReleases {
    private record Utspace(long cookie, int objBits) {
    }

    private record Mspace(long address, long bytes) {
    }

    private final List<Utspace> utspace = new ArrayList<>();
    private final List<Mspace> mspace = new ArrayList<>();

    /** Gives back an object's memory now, or queues it. */
    void releaseUtspace(ManagerContext ctx, long cookie, int objBits) {
        if (!ctx.utspaceFree(cookie, objBits).isOk()) {
            utspace.add(new Utspace(cookie, objBits));
        }
    }

    /** Gives back bookkeeping bytes now, or queues them. */
    void releaseMspace(ManagerContext ctx, long address, long bytes) {
        if (!ctx.mspaceFree(address, bytes).isOk()) {
            mspace.add(new Mspace(address, bytes));
        }
    }

    /** Retries every queued release once; those refused again stay queued. */
    void retry(ManagerContext ctx) {
        if (!utspace.isEmpty()) {
            List<Utspace> pending = List.copyOf(utspace);
            utspace.clear();
            pending.forEach(u -> releaseUtspace(ctx, u.cookie(), u.objBits()));
        }
        if (!mspace.isEmpty()) {
            List<Mspace> pending = List.copyOf(mspace);
            mspace.clear();
            pending.forEach(m -> releaseMspace(ctx, m.address(), m.bytes()));
        }
    }

    int pending() {
        return utspace.size() + mspace.size();
    }

    /** Bookkeeping bytes still held because their release was refused. */
    long mspaceBytes() {
        return mspace.stream().mapToLong(Mspace::bytes).sum();
    }
}
