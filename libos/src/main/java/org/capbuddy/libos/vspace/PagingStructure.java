package org.capbuddy.libos.vspace;

/**
 * A paging structure the mapping helper created: the cap's slot, the allocator's cookie for its
 * memory, and the base of the address range it translates.
 */
public record PagingStructure(long cptr, long cookie, long vaddr) {
}
