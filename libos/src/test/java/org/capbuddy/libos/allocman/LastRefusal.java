package org.capbuddy.libos.allocman;

import org.capbuddy.libos.vka.AllocError;
import org.capbuddy.libos.vka.Result;

/**
 * How a test's {@link ManagerContext} offers the primitive requests ({@code cspaceAllocSlot},
 * {@code mspaceAllocChunk}) on top of its Result-based ones: the value of a granted request, or
 * the refusal value with the refusal kept for the context's {@code slotRefusal}/{@code chunkRefusal}.
 */
public final class LastRefusal {
    private AllocError error;

    /** The granted value of {@code request}, or {@code refused} with its error kept. */
    public long valueOr(Result<Long> request, long refused) {
        error = request.error();
        return request.isOk() ? request.longValue() : refused;
    }

    /** The last refusal's error (null after a granted request). */
    public AllocError get() {
        return error;
    }
}
