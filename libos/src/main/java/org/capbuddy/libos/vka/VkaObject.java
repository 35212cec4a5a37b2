package org.capbuddy.libos.vka;

import org.capbuddy.kernel.api.ObjectType;

/**
 * An object allocated through a vka ({@code vka_object_t}): its cap's slot, the untyped
 * allocator's cookie, its type and Retype's size argument.
 */
public record VkaObject(long cptr, long cookie, ObjectType type, int sizeBits) {
    /**
     * The cookie of a frame that is the frame pool's own cap (no slot or untyped of its own). The
     * cookie kinds and how they are told apart are drawn in {@code CapBuddyVka}.
     */
    public static final long POOL_COOKIE = -2;

    public boolean isPoolFrame() {
        return cookie == POOL_COOKIE;
    }
}
