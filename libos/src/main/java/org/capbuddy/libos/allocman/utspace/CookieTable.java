package org.capbuddy.libos.allocman.utspace;

import java.util.Arrays;

/**
 * Live allocations by cookie, where the table hands the cookies out itself: 1, 2, 3, ..., never
 * one twice. So a cookie is its own index and a lookup is two array reads, with no hashing and
 * no boxing; a cookie not handed out yet, or already removed, finds nothing. What a cookie
 * stands for is an {@code int} of zero or more (the split allocator's node ids).
 *
 * <p>Entries sit in chunks of {@value #CHUNK} consecutive cookies. A chunk all of whose cookies
 * have been handed out and removed again is dropped, so the memory held follows the spread of
 * the live cookies, not the number of allocations ever made.
 */
final class CookieTable {
    /** What {@link #get} and {@link #remove} answer for a cookie that is not live. */
    static final int NONE = -1;

    private static final int CHUNK_BITS = 10;
    private static final int CHUNK = 1 << CHUNK_BITS;

    /**
     * {@code chunks[c]} holds cookies [c * CHUNK, (c + 1) * CHUNK), or is null if none of them is
     * live. An entry holds its value plus one, so that 0 (a new chunk's fill) is no entry.
     */
    private int[][] chunks = new int[16][];
    /** How many of each chunk's cookies are live. */
    private int[] live = new int[16];
    private long next = 1;

    /** Puts {@code value} (zero or more) in the table under a new cookie, and returns the cookie. */
    long add(int value) {
        if (value < 0) {
            throw new IllegalArgumentException("a cookie table holds values of zero or more: " + value);
        }
        long cookie = next++;
        int c = chunkOf(cookie);
        if (c >= chunks.length) {
            int capacity = Math.max(c + 1, chunks.length * 2);
            chunks = Arrays.copyOf(chunks, capacity);
            live = Arrays.copyOf(live, capacity);
        }
        if (chunks[c] == null) {
            chunks[c] = new int[CHUNK];
        }
        chunks[c][offsetOf(cookie)] = value + 1;
        live[c]++;
        return cookie;
    }

    /** What the live cookie stands for, or {@link #NONE} if it is not live (never handed out, or removed). */
    int get(long cookie) {
        if (cookie <= 0 || cookie >= next) {
            return NONE;
        }
        int[] chunk = chunks[chunkOf(cookie)];
        return chunk == null ? NONE : chunk[offsetOf(cookie)] - 1;
    }

    /** Removes a live cookie and returns what it stood for; {@link #NONE}, changing nothing, if it is not live. */
    int remove(long cookie) {
        int value = get(cookie);
        if (value == NONE) {
            return NONE;
        }
        int c = chunkOf(cookie);
        chunks[c][offsetOf(cookie)] = 0;
        live[c]--;
        boolean allHandedOut = next >= ((long) c + 1) * CHUNK;
        if (live[c] == 0 && allHandedOut) {
            chunks[c] = null;
        }
        return value;
    }

    private static int chunkOf(long cookie) {
        return (int) (cookie >>> CHUNK_BITS);
    }

    private static int offsetOf(long cookie) {
        return (int) (cookie & (CHUNK - 1));
    }
}
