package org.capbuddy.libos.vspace;

import java.util.ArrayList;
import java.util.List;
import org.capbuddy.kernel.Sel4;
import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.Sel4Error;
import org.capbuddy.libos.vka.AllocError;
import org.capbuddy.libos.vka.CapOps;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.libos.vka.Undo;

/**
 * Maps a frame into a VSpace the way sel4utils' {@code map_page} does: try Page_Map; on
 * FailedLookup, allocate a page table, map it at the same address (the kernel installs it at the
 * first missing level) and try again. On AArch64 a first page in an empty 512 GiB region takes
 * three tables.
 *
 * <p>Unlike sel4utils, every structure created is returned to the caller, who owns it and must
 * free it at teardown; and a failure or a throwable part-way unmaps and frees the structures this
 * call created, so nothing is left behind.
 */
public final class PageMapper {
    /** More missing levels than AArch64 has means something else is wrong. */
    private static final int MAX_TABLES = 3;
    /** What a mapping that created no structure returns. */
    private static final Result<List<PagingStructure>> NONE_CREATED = Result.ok(List.of());

    private PageMapper() {
    }

    /**
     * Maps {@code frame} at {@code vaddr}; returns the paging structures it had to create (an
     * unmodifiable empty list, shared, when it created none). A failure or a throwable part-way
     * unmaps and frees the tables this call created.
     */
    public static Result<List<PagingStructure>> map(Sel4 sel4, StructureAllocator tables, long frame, long vspace,
                                                   long vaddr, CapRights rights, long attributes) {
        // Almost every mapping finds its tables in place: one Page_Map, nothing to undo, nothing built.
        InvocationResult mapped = sel4.pageMap(frame, vspace, vaddr, rights, attributes);
        if (mapped.isOk()) {
            return NONE_CREATED;
        }
        return mapMakingTables(sel4, tables, frame, vspace, vaddr, rights, attributes, mapped);
    }

    /** The rest of {@link #map} after a first Page_Map that failed with {@code mapped}. */
    private static Result<List<PagingStructure>> mapMakingTables(Sel4 sel4, StructureAllocator tables, long frame,
                                                                long vspace, long vaddr, CapRights rights,
                                                                long attributes, InvocationResult firstAttempt) {
        List<PagingStructure> created = new ArrayList<>();
        try (Undo undo = Undo.begin(sel4.guard(), "mapping a page at", vaddr)) {
            InvocationResult mapped = firstAttempt;
            while (!mapped.isOk()) {
                if (mapped.error() != Sel4Error.FAILED_LOOKUP || mapped.capFault() != null
                        || created.size() >= MAX_TABLES) {
                    return Result.fail(AllocError.kernel("Page_Map at 0x" + Long.toHexString(vaddr), mapped));
                }
                Result<PagingStructure> table = tables.allocPageTable();
                if (!table.isOk()) {
                    return table.asFailure();
                }
                PagingStructure made = table.value();
                undo.push(() -> tables.freePageTable(made));
                InvocationResult installed = sel4.pageTableMap(made.cptr(), vspace, vaddr, 0);
                if (installed.isOk()) {
                    undo.push(() -> CapOps.check("PageTable_Unmap", sel4.pageTableUnmap(made.cptr())));
                    int bitsLeft = mapped.mappingFailedLookupLevel();
                    long base = bitsLeft >= 64 ? 0 : vaddr & -(1L << bitsLeft);
                    created.add(new PagingStructure(made.cptr(), made.cookie(), base, bitsLeft));
                } else if (installed.error() == Sel4Error.DELETE_FIRST) {
                    // A table is already there (mapped meanwhile): this one is not needed; retry the page.
                    Result<?> freed = undo.undoLast();
                    if (!freed.isOk()) {
                        return Result.fail(freed.error());
                    }
                } else {
                    return Result.fail(AllocError.kernel("PageTable_Map at 0x" + Long.toHexString(vaddr), installed));
                }
                mapped = sel4.pageMap(frame, vspace, vaddr, rights, attributes);
            }
            undo.commit();
            return Result.ok(created);
        }
    }
}
