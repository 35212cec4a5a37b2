package org.capbuddy.libos.allocman;

/**
 * What allocman holds at one moment, per manager: slots, untyped bytes, frames and bookkeeping
 * bytes in use and free, and what sits in its reserves and deferred-free queues (which count as
 * in use in the managers).
 */
public record AllocmanAccounting(
        long slotsInUse,
        long slotsFree,
        long untypedBytesInUse,
        long untypedBytesFree,
        long framesInUse,
        long mspaceBytesInUse,
        long mspaceBytesAvailable,
        long cspaceBookkeepingBytes,
        long utspaceBookkeepingBytes,
        long virtualPoolPages,
        long virtualPoolTables,
        long reservedSlots,
        long reservedObjects,
        long reservedChunks,
        long deferredFrees) {
}
