package org.capbuddy.kernel.vm;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import org.capbuddy.kernel.api.PagingDump;
import org.capbuddy.kernel.api.PagingWalk;
import org.capbuddy.kernel.cap.Cap;
import org.capbuddy.kernel.cap.Cdt;
import org.capbuddy.kernel.cap.Slot;
import org.capbuddy.kernel.object.Frame;
import org.capbuddy.kernel.object.KernelObject;
import org.capbuddy.kernel.object.PageTable;
import org.capbuddy.kernel.object.TranslationTable;
import org.capbuddy.kernel.object.VSpace;

/**
 * Reads a VSpace's translation tables into a {@link PagingDump}: the tables themselves, not any
 * record a user-level manager keeps of them, with each structure's and each page's cap found in
 * the capability derivation tree (a frame cap mapped in this VSpace's ASID at the page's address,
 * a page table cap mapped over the table's range, the VSpace cap holding the ASID).
 */
public final class PagingDumper {
    private PagingDumper() {
    }

    public static PagingDump dump(VSpace vspace, Cdt cdt) {
        Caps caps = new Caps(vspace, cdt);
        List<PagingDump.Entry> entries = new ArrayList<>();
        long[] pages = {0};
        int[] tables = {0};
        walk(vspace, 0, -1, 0, PageTableWalker.ROOT_BITS_LEFT, caps, entries, pages, tables);
        return new PagingDump(vspace.asid(), entries, pages[0], tables[0]);
    }

    /** The walk the MMU would make for {@code vaddr} in {@code vspace}, entry by entry. */
    public static PagingWalk walk(VSpace vspace, long vaddr) {
        List<PagingWalk.Step> steps = new ArrayList<>();
        if (vspace.asid() != 0 && vaddr >= 0 && vaddr <= PageTableWalker.USER_TOP) {
            TranslationTable table = vspace;
            int bitsLeft = PageTableWalker.ROOT_BITS_LEFT;
            while (true) {
                int index = PageTableWalker.index(vaddr, bitsLeft);
                int level = PageTableWalker.level(bitsLeft);
                Object target = table.target(index);
                if (target instanceof PageTable next && bitsLeft > PageTableWalker.PAGE_BITS) {
                    steps.add(new PagingWalk.Step(level, index, table.paddr(), PagingWalk.EntryKind.TABLE, next.paddr(),
                            null, false));
                    table = next;
                    bitsLeft -= TranslationTable.INDEX_BITS;
                    continue;
                }
                if (target instanceof Frame frame) {
                    int attrs = table.attributes(index);
                    steps.add(new PagingWalk.Step(level, index, table.paddr(), PagingWalk.EntryKind.PAGE, frame.paddr(),
                            rightsName(attrs), TranslationTable.executeNever(attrs)));
                } else {
                    steps.add(new PagingWalk.Step(level, index, table.paddr(), PagingWalk.EntryKind.INVALID, 0, null,
                            false));
                }
                break;
            }
        }
        return new PagingWalk(vaddr, vspace.asid(), steps);
    }

    private static String rightsName(int attrs) {
        return switch (TranslationTable.rights(attrs)) {
            case READ_WRITE -> "rw";
            case READ_ONLY -> "r";
            default -> "kernel-only";
        };
    }

    /** Adds {@code table} (translating from {@code base}, entries of 2^bitsLeft bytes) and what it holds. */
    private static void walk(TranslationTable table, int level, int index, long base, int bitsLeft, Caps caps,
            List<PagingDump.Entry> out, long[] pages, int[] tables) {
        long span = (1L << bitsLeft) * TranslationTable.ENTRIES;
        tables[0]++;
        out.add(new PagingDump.Table(level, index, base, base + span - 1, table.paddr(), caps.of(table)));
        long entryBytes = 1L << bitsLeft;
        PagingDump.PageRun run = null;
        for (int i = 0; i < TranslationTable.ENTRIES; i++) {
            long vaddr = base + i * entryBytes;
            Object target = table.target(i);
            if (target instanceof PageTable next) {
                run = flush(run, out);
                walk(next, level + 1, i, vaddr, bitsLeft - TranslationTable.INDEX_BITS, caps, out, pages, tables);
            } else if (target instanceof Frame frame) {
                pages[0]++;
                int attrs = table.attributes(i);
                String rights = rightsName(attrs);
                boolean xn = TranslationTable.executeNever(attrs);
                String cap = caps.frame(vaddr);
                if (run != null && run.firstIndex() + run.count() == i && run.rights().equals(rights)
                        && run.executeNever() == xn && run.paddr() + run.count() * entryBytes == frame.paddr()) {
                    run = new PagingDump.PageRun(level, run.firstIndex(), run.count() + 1, run.vaddr(),
                            vaddr + entryBytes - 1, entryBytes, run.paddr(), rights, xn, run.firstCap(), cap);
                } else {
                    flush(run, out);
                    run = new PagingDump.PageRun(level, i, 1, vaddr, vaddr + entryBytes - 1, entryBytes, frame.paddr(),
                            rights, xn, cap, cap);
                }
            } else {
                run = flush(run, out);
            }
        }
        flush(run, out);
    }

    private static PagingDump.PageRun flush(PagingDump.PageRun run, List<PagingDump.Entry> out) {
        if (run != null) {
            out.add(run);
        }
        return null;
    }

    /** The caps that map this VSpace's structures and pages, found once per dump. */
    private static final class Caps {
        private final Map<KernelObject, String> structures = new IdentityHashMap<>();
        private final Map<Long, String> frames = new HashMap<>();

        Caps(VSpace vspace, Cdt cdt) {
            int asid = vspace.asid();
            for (Slot slot : cdt.slots()) {
                Cap cap = slot.cap();
                if (cap instanceof Cap.FrameCap f && asid != 0 && f.mappedAsid() == asid) {
                    frames.putIfAbsent(f.mappedVaddr(), where(slot));
                } else if (cap instanceof Cap.PageTableCap t && t.mapped() && t.mappedAsid() == asid) {
                    structures.putIfAbsent(t.table(), where(slot));
                } else if (cap instanceof Cap.VSpaceCap v && v.vspace() == vspace) {
                    structures.putIfAbsent(vspace, where(slot));
                }
            }
        }

        String of(TranslationTable table) {
            return structures.get(table);
        }

        String frame(long vaddr) {
            return frames.get(vaddr);
        }

        private static String where(Slot slot) {
            return slot.owner() + "[" + slot.index() + "]";
        }
    }
}
