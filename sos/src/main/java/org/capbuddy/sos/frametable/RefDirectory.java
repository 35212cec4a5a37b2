package org.capbuddy.sos.frametable;

/**
 * What the frame table knows of each frame reference: the frame's cap (its cptr in SOS's CSpace)
 * and the vka's cookie for it. The entries live in chunks of 4096 made when a reference in them
 * is first used, so a table whose references are 32 bits wide costs host memory only for the
 * frames it has held: 16 bytes a reference, where a {@code VkaObject} per frame cost 40 and a
 * flat array sized to the limit cost 8 MiB at 19 bits whatever was used.
 *
 * <pre>
 *   ref (31 bits used) = | chunk index (19) | index in chunk (12) |
 * </pre>
 *
 * <p>A cptr of 0 (seL4_CapNull) marks a reference that holds no frame: no frame cap is ever in
 * slot 0.
 */
final class RefDirectory {
    private static final int CHUNK_BITS = 12;
    private static final int CHUNK = 1 << CHUNK_BITS;
    private static final int MASK = CHUNK - 1;

    private long[][] caps = new long[1][];
    private long[][] cookies = new long[1][];

    /** The cptr of the frame {@code ref} holds, or 0 if it holds none. */
    long cap(int ref) {
        int chunk = ref >>> CHUNK_BITS;
        if (chunk >= caps.length || caps[chunk] == null) {
            return 0;
        }
        return caps[chunk][ref & MASK];
    }

    long cookie(int ref) {
        int chunk = ref >>> CHUNK_BITS;
        return chunk >= cookies.length || cookies[chunk] == null ? 0 : cookies[chunk][ref & MASK];
    }

    /**
     * Makes room for {@code ref} (the one host allocation the directory does, once per 4096
     * references); call before the operation that records it, so that recording cannot fail.
     */
    void ensure(int ref) {
        int chunk = ref >>> CHUNK_BITS;
        if (chunk >= caps.length) {
            int length = Math.max(chunk + 1, caps.length * 2);
            caps = java.util.Arrays.copyOf(caps, length);
            cookies = java.util.Arrays.copyOf(cookies, length);
        }
        if (caps[chunk] == null) {
            caps[chunk] = new long[CHUNK];
            cookies[chunk] = new long[CHUNK];
        }
    }

    /** Records a frame under {@code ref}; {@link #ensure} made room for it. */
    void put(int ref, long cptr, long cookie) {
        caps[ref >>> CHUNK_BITS][ref & MASK] = cptr;
        cookies[ref >>> CHUNK_BITS][ref & MASK] = cookie;
    }

    void clear(int ref) {
        put(ref, 0, 0);
    }

    /** Host bytes the directory holds for entries (chunks made so far). */
    long hostBytes() {
        long chunks = 0;
        for (long[] c : caps) {
            chunks += c == null ? 0 : 1;
        }
        return chunks * 2L * CHUNK * Long.BYTES;
    }
}
