package org.capbuddy.libos.allocman.utspace;

import java.util.Arrays;

/**
 * Live allocations by cookie, where the table hands the cookies out itself: 1, 2, 3, ..., never
 * one twice. So a cookie is its own index and a lookup is two array reads, with no hashing and
 * no boxing; a cookie not handed out yet, or already removed, finds nothing.
 *
 * <p>Entries sit in chunks of {@value #CHUNK} consecutive cookies. A chunk all of whose cookies
 * have been handed out and removed again is dropped, so the memory held follows the spread of
 * the live cookies, not the number of allocations ever made.
 *
 * @param <T> what an allocation's cookie stands for
 */
final class CookieTable<T> {
    private static final int CHUNK_BITS = 10;
    private static final int CHUNK = 1 << CHUNK_BITS;

    /** {@code chunks[c]} holds cookies [c * CHUNK, (c + 1) * CHUNK), or is null if none of them is live. */
    private Object[][] chunks = new Object[16][];
    /** How many of each chunk's cookies are live. */
    private int[] live = new int[16];
    private long next = 1;

    /** Puts {@code value} (not null) in the table under a new cookie, and returns the cookie. */
    long add(T value) {
        long cookie = next++;
        int c = chunkOf(cookie);
        if (c >= chunks.length) {
            int capacity = Math.max(c + 1, chunks.length * 2);
            chunks = Arrays.copyOf(chunks, capacity);
            live = Arrays.copyOf(live, capacity);
        }
        if (chunks[c] == null) {
            chunks[c] = new Object[CHUNK];
        }
        chunks[c][offsetOf(cookie)] = value;
        live[c]++;
        return cookie;
    }

    /** What the live cookie stands for, or null if it is not live (never handed out, or removed). */
    T get(long cookie) {
        if (cookie <= 0 || cookie >= next) {
            return null;
        }
        Object[] chunk = chunks[chunkOf(cookie)];
        return chunk == null ? null : cast(chunk[offsetOf(cookie)]);
    }

    /** Removes a live cookie and returns what it stood for; null, changing nothing, if it is not live. */
    T remove(long cookie) {
        T value = get(cookie);
        if (value == null) {
            return null;
        }
        int c = chunkOf(cookie);
        chunks[c][offsetOf(cookie)] = null;
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

    @SuppressWarnings("unchecked") // only add() stores into the chunks, and it stores Ts
    private static <T> T cast(Object o) {
        return (T) o;
    }
}
