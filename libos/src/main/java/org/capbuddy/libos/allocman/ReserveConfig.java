package org.capbuddy.libos.allocman;

import java.util.List;

/**
 * How much allocman keeps in reserve (its "watermark") so that a manager that re-enters allocman
 * while busy can still be served: free slots, pre-retyped objects of given kinds, and
 * bookkeeping chunks of given sizes.
 *
 * @param slots free slots kept
 * @param objects pre-retyped objects kept, by type and size
 * @param chunks bookkeeping chunks kept, by exact size
 */
public record ReserveConfig(int slots, List<ObjectReserve> objects, List<ChunkReserve> chunks) {

    public ReserveConfig {
        objects = List.copyOf(objects);
        chunks = List.copyOf(chunks);
    }

    /** {@code count} objects of {@code type} and memory size 2^objBits. */
    public record ObjectReserve(org.capbuddy.kernel.api.ObjectType type, int objBits, int count) {
    }

    /** {@code count} bookkeeping chunks of exactly {@code bytes}. */
    public record ChunkReserve(long bytes, int count) {
    }

    public static ReserveConfig none() {
        return new ReserveConfig(0, List.of(), List.of());
    }
}
