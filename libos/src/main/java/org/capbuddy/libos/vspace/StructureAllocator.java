package org.capbuddy.libos.vspace;

import org.capbuddy.libos.vka.Result;

/**
 * Where the mapping helper gets page tables from and gives them back: a vka for ordinary
 * users, allocman's own guarded context when the virtual pool grows.
 */
public interface StructureAllocator {

    /** A new, unmapped PageTable object: its slot and cookie (vaddr unused, 0). */
    Result<PagingStructure> allocPageTable();

    /** Deletes the table's cap, frees its slot and its memory. */
    Result<Void> freePageTable(PagingStructure table);
}
