package org.capbuddy.libos.vspace;

import java.util.ArrayList;
import java.util.List;
import org.capbuddy.kernel.Sel4;
import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.Sel4Error;
import org.capbuddy.libos.vka.AllocError;
import org.capbuddy.libos.vka.Result;

/**
 * Maps a frame into a VSpace the way sel4utils' {@code map_page} does: try Page_Map; on
 * FailedLookup, allocate a page table, map it at the same address (the kernel installs it at the
 * first missing level) and try again. On AArch64 a first page in an empty 512 GiB region takes
 * three tables.
 *
 * <p>Unlike sel4utils, every structure created is returned to the caller, who owns it and must
 * free it at teardown; and a failure part-way unmaps and frees the structures this call created,
 * so nothing is left behind.
 */
public final class PageMapper {
    /** More missing levels than AArch64 has means something else is wrong. */
    private static final int MAX_TABLES = 3;

    private PageMapper() {
    }

    /** Maps {@code frame} at {@code vaddr}; returns the paging structures it had to create. */
    public static Result<List<PagingStructure>> map(Sel4 sel4, StructureAllocator tables, long frame, long vspace,
                                                   long vaddr, CapRights rights, long attributes) {
        List<PagingStructure> created = new ArrayList<>();
        while (true) {
            InvocationResult mapped = sel4.pageMap(frame, vspace, vaddr, rights, attributes);
            if (mapped.isOk()) {
                return Result.ok(created);
            }
            if (mapped.error() != Sel4Error.FAILED_LOOKUP || mapped.capFault() != null || created.size() >= MAX_TABLES) {
                return undo(sel4, tables, created, AllocError.kernel("Page_Map at 0x" + Long.toHexString(vaddr), mapped));
            }
            Result<PagingStructure> table = tables.allocPageTable();
            if (!table.isOk()) {
                return undo(sel4, tables, created, table.error());
            }
            InvocationResult installed = sel4.pageTableMap(table.value().cptr(), vspace, vaddr, 0);
            if (installed.isOk()) {
                int bitsLeft = mapped.mappingFailedLookupLevel();
                long base = bitsLeft >= 64 ? 0 : vaddr & -(1L << bitsLeft);
                created.add(new PagingStructure(table.value().cptr(), table.value().cookie(), base, bitsLeft));
            } else {
                tables.freePageTable(table.value());
                if (installed.error() != Sel4Error.DELETE_FIRST) {
                    return undo(sel4, tables, created,
                            AllocError.kernel("PageTable_Map at 0x" + Long.toHexString(vaddr), installed));
                }
                // DeleteFirst: a table is already there (mapped meanwhile); retry the page.
            }
        }
    }

    /** Unmaps and frees, deepest first, the tables created by a call that then failed. */
    private static Result<List<PagingStructure>> undo(Sel4 sel4, StructureAllocator tables,
                                                     List<PagingStructure> created, AllocError error) {
        for (int i = created.size() - 1; i >= 0; i--) {
            sel4.pageTableUnmap(created.get(i).cptr());
            tables.freePageTable(created.get(i));
        }
        return Result.fail(error);
    }
}
