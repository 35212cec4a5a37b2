package org.capbuddy.libos.vspace;

/**
 * A paging structure the mapping helper created: the cap's slot, the allocator's cookie for its
 * memory, the base of the address range it translates and that range's size in bits (39 for a
 * table under the VSpace root, 30 and 21 below). An unmapped table has coverBits 0.
 */
public record PagingStructure(long cptr, long cookie, long vaddr, int coverBits) {

    /** A freshly allocated, not yet mapped table. */
    public static PagingStructure unmapped(long cptr, long cookie) {
        return new PagingStructure(cptr, cookie, 0, 0);
    }
}
