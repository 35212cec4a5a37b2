package org.capbuddy.fuzz.sos;

import java.util.List;
import java.util.SplittableRandom;
import org.capbuddy.kernel.cpu.AccessKind;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.addrspace.Region;
import org.capbuddy.sos.addrspace.RegionKind;
import org.capbuddy.sos.frametable.FrameTable;

/**
 * Where the fuzzer's user accesses go. Most land inside the process's own regions, with the
 * rights the access needs; the rest are hostile: the guard page, SOS's frame window, other
 * processes' regions, the kernel half, the edges of user space, just past a region, memory the
 * process gave back, a write to code, an execute of data.
 *
 * <p>Memory stays bounded however long the run: inside a region only its first and last
 * {@link #WINDOW_PAGES} pages are touched (a region may be 64 GiB), and once a process has
 * {@link #MAX_MAPPED} pages mapped, allowed accesses go to pages it already has.
 */
final class AccessTargets {
    static final int WINDOW_PAGES = 8;
    static final int MAX_MAPPED = 160;
    private static final long PAGE = Layout.PAGE;

    private final SplittableRandom random;

    AccessTargets(SplittableRandom random) {
        this.random = random;
    }

    /** The start of a page in the first or last {@link #WINDOW_PAGES} pages of {@code r}. */
    long pageIn(Region r) {
        long pages = r.size() / PAGE;
        long page;
        if (pages <= 2L * WINDOW_PAGES) {
            page = random.nextLong(pages);
        } else {
            page = random.nextBoolean() ? random.nextInt(WINDOW_PAGES) : pages - 1 - random.nextInt(WINDOW_PAGES);
        }
        return r.base() + page * PAGE;
    }

    /** An offset in a page for an access of {@code size} bytes; sometimes unaligned, sometimes crossing the page end. */
    long offset(int size, boolean mayCross) {
        int pick = random.nextInt(40);
        if (pick == 0 && mayCross && size > 1) {
            return PAGE - 1 - random.nextInt(size - 1);
        }
        if (pick <= 4) {
            return random.nextInt((int) PAGE - size + 1);
        }
        return (long) random.nextInt((int) (PAGE / size)) * size;
    }

    /**
     * An address in {@code page} of {@code p}: an access crossing into the next page is rarer
     * when no region holds that page, as it kills (one-page regions like the IPC buffer would
     * otherwise lose their process on most crossings).
     */
    private long within(ModelProcess p, long page, int size, boolean mayCross) {
        boolean nextInRegion = p.space.find(page + PAGE) != null;
        return page + offset(size, mayCross && (nextInRegion || random.nextInt(4) == 0));
    }

    /** An address in {@code p} whose region allows an access of {@code kind} (barring a page-crossing access). */
    long allowed(ModelProcess p, AccessKind kind, int size) {
        ModelAddressSpace space = p.space;
        boolean full = p.memory.mappedCount() >= MAX_MAPPED;
        if (kind == AccessKind.EXECUTE) {
            // Code is at most 2 * WINDOW_PAGES touched pages, so it needs no cap of its own.
            return pageIn(space.find(Layout.CODE_BASE)) + random.nextInt((int) PAGE);
        }
        if (full || (p.memory.mappedCount() > 0 && random.nextInt(3) == 0)) {
            for (int tries = 0; tries < 4; tries++) {
                long page = p.memory.randomMapped(random);
                if (space.allows(page, kind)) {
                    return within(p, page, size, !full);
                }
            }
            if (full) {
                // A fixed page, so that a full process stays full rather than growing a page at a time.
                return Layout.STACK_TOP - PAGE + offset(size, false);
            }
        }
        List<Region> regions = space.regions();
        Region r = regions.get(random.nextInt(regions.size()));
        if (kind == AccessKind.WRITE ? !r.write() : !r.read()) {
            r = space.find(Layout.STACK_TOP - 1);
        }
        return within(p, pageIn(r), size, true);
    }

    /** An address chosen to be refused, though the model has the last word on whether it is. */
    long hostile(ModelProcess p, List<ModelProcess> everyone, AccessKind kind) {
        ModelAddressSpace space = p.space;
        return switch (random.nextInt(18)) {
            case 15, 16, 17 -> wrongRights(p, kind);
            case 0 -> Layout.GUARD_PAGE + random.nextInt((int) PAGE);
            case 1 -> FrameTable.WINDOW + random.nextLong(1L << FrameTable.SEED_REF_BITS) * PAGE + random.nextInt((int) PAGE);
            case 2 -> {
                ModelProcess other = everyone.get(random.nextInt(everyone.size()));
                List<Region> regions = other.space.regions();
                yield pageIn(regions.get(random.nextInt(regions.size()))) + random.nextInt((int) PAGE);
            }
            case 3 -> 0xFFFF_0000_0000_0000L | random.nextLong(1L << 40);
            case 4 -> random.nextBoolean() ? -1 - random.nextInt((int) PAGE) : Long.MIN_VALUE + random.nextInt(64);
            case 5 -> random.nextBoolean() ? ModelAddressSpace.USER_TOP - 1 - random.nextInt(16)
                    : ModelAddressSpace.USER_TOP + random.nextInt((int) PAGE);
            case 6 -> random.nextInt((int) PAGE);
            case 7 -> ModelAddressSpace.pageUp(space.brk()) + random.nextInt((int) PAGE);
            case 8 -> kind == AccessKind.EXECUTE ? pageIn(dataLike(space)) + random.nextInt((int) PAGE)
                    : pageIn(space.find(Layout.CODE_BASE)) + random.nextInt((int) PAGE);
            case 9 -> p.recentlyReleased(random);
            case 10 -> random.nextLong();
            case 11 -> random.nextLong(1L << 40);
            case 12 -> random.nextBoolean() ? Layout.STACK_TOP + random.nextInt((int) PAGE)
                    : Layout.IPC_BUFFER + PAGE + random.nextInt((int) PAGE);
            case 13 -> Long.MAX_VALUE - random.nextInt(16);
            default -> {
                List<Region> regions = space.regions();
                yield regions.get(random.nextInt(regions.size())).end() + random.nextInt((int) PAGE);
            }
        };
    }

    /**
     * A page whose region refuses {@code kind} (code for a write, anything else for an execute),
     * preferably one already mapped: then the access is a permission fault on a live mapping
     * rather than a translation fault, and only the mapping's own rights stop it.
     */
    private long wrongRights(ModelProcess p, AccessKind kind) {
        for (int tries = 0; tries < 8 && p.memory.mappedCount() > 0; tries++) {
            long page = p.memory.randomMapped(random);
            boolean code = p.space.find(page).execute();
            if (kind == AccessKind.WRITE ? code : !code) {
                return page + random.nextInt((int) PAGE);
            }
        }
        return kind == AccessKind.EXECUTE ? pageIn(dataLike(p.space)) + random.nextInt((int) PAGE)
                : pageIn(p.space.find(Layout.CODE_BASE)) + random.nextInt((int) PAGE);
    }

    private Region dataLike(ModelAddressSpace space) {
        List<Region> regions = space.regions();
        Region r = regions.get(random.nextInt(regions.size()));
        return r.kind() == RegionKind.CODE ? space.find(Layout.STACK_TOP - 1) : r;
    }
}
