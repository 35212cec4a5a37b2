package org.capbuddy.fuzz.sos;

import java.util.List;
import java.util.SplittableRandom;
import org.capbuddy.kernel.cpu.AccessKind;
import org.capbuddy.sos.Syscalls;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.addrspace.Region;

/**
 * Arguments for the fuzzer's system calls and process creations: mostly sensible ones (a break
 * a few pages from the heap base, an mmap of a few pages, a munmap of a whole region or part of
 * one, a write from a region), the rest hostile (negative, zero, huge, unaligned, overflowing,
 * below the heap base, in other regions, not mapped at all).
 */
final class SyscallArguments {
    /** How far above its base the heap's break mostly goes, so that the heap stays small. */
    static final long HEAP_SPAN = 40 * Layout.PAGE;
    private static final long PAGE = Layout.PAGE;

    private final SplittableRandom random;

    SyscallArguments(SplittableRandom random) {
        this.random = random;
    }

    /** A size for a process's code or data image. */
    long imageBytes() {
        return switch (random.nextInt(24)) {
            case 0 -> -1 - random.nextInt(1 << 20);
            case 1 -> ModelAddressSpace.MAX_IMAGE + 1 + random.nextInt(1 << 20);
            case 2 -> ModelAddressSpace.MAX_IMAGE - random.nextInt(2) * random.nextInt(1 << 20);
            case 3 -> random.nextBoolean() ? Long.MAX_VALUE : Long.MIN_VALUE;
            case 4 -> 0;
            default -> random.nextInt(8 * (int) PAGE);
        };
    }

    /** A new break for brk. */
    long brk(ModelAddressSpace space) {
        long base = space.heapBase();
        int pick = random.nextInt(100);
        if (pick < 20) {
            return 0;
        }
        if (pick < 65) {
            return base + random.nextLong(HEAP_SPAN);
        }
        if (pick < 80) {
            long step = random.nextLong(4 * PAGE) - 2 * PAGE;
            return Math.max(base, space.brk() + step);
        }
        return switch (random.nextInt(16)) {
            case 0 -> -1 - random.nextLong(1L << 40);
            case 1 -> Long.MIN_VALUE;
            case 2 -> Long.MAX_VALUE - random.nextInt(2 * (int) PAGE);
            case 3 -> base - 1 - random.nextLong(4 * PAGE);
            case 4 -> ModelAddressSpace.USER_TOP - random.nextInt(2) * random.nextInt((int) PAGE);
            case 5 -> ModelAddressSpace.USER_TOP + 1 + random.nextInt((int) PAGE);
            case 6 -> Layout.MMAP_BASE + random.nextLong(1L << 36);
            case 7 -> Layout.STACK_TOP - Layout.STACK_SIZE - random.nextInt(2) * PAGE;
            case 8 -> random.nextLong();
            case 9 -> base + (1L << 36) + random.nextInt((int) PAGE);
            case 10 -> Long.MAX_VALUE & -PAGE;
            case 11 -> -PAGE;
            case 12 -> base;
            case 13 -> Layout.IPC_BUFFER + random.nextInt(2) * PAGE;
            case 14 -> 1L << (40 + random.nextInt(24));
            default -> base + random.nextLong(HEAP_SPAN) | 1;
        };
    }

    /** A length for mmap. */
    long mmapLength() {
        if (random.nextInt(100) < 75) {
            return 1 + random.nextLong(12 * PAGE);
        }
        return switch (random.nextInt(12)) {
            case 0 -> 0;
            case 1 -> -1 - random.nextLong(1L << 40);
            case 2 -> Long.MIN_VALUE;
            case 3 -> Long.MAX_VALUE - random.nextInt(4);
            case 4 -> ModelAddressSpace.MAX_MMAP;
            case 5 -> ModelAddressSpace.MAX_MMAP + 1 + random.nextInt((int) PAGE);
            case 6 -> 1L << (37 + random.nextInt(26));
            case 7 -> random.nextLong();
            case 8 -> Integer.MAX_VALUE;
            case 9 -> 1;
            case 10 -> -PAGE;
            default -> (1L << 20) + random.nextInt((int) PAGE);
        };
    }

    /** An address and a length for munmap. */
    long[] munmap(ModelProcess p) {
        List<Region> mmaps = p.space.mmapRegions();
        int pick = random.nextInt(100);
        if (!mmaps.isEmpty() && pick < 75) {
            Region r = mmaps.get(random.nextInt(mmaps.size()));
            long pages = r.size() / PAGE;
            if (pick < 35) {
                return new long[] {r.base(), r.size() - random.nextInt((int) PAGE)};
            }
            if (pick < 65) {
                long first = random.nextLong(pages);
                long count = 1 + random.nextLong(Math.min(pages - first, 64));
                if (random.nextBoolean()) {
                    first = pages - count;
                }
                return new long[] {r.base() + first * PAGE, count * PAGE - random.nextInt((int) PAGE)};
            }
            // From inside a region to beyond its end: into a gap, another region or the stack.
            long first = random.nextLong(pages);
            return new long[] {r.base() + first * PAGE, (pages - first) * PAGE + 1 + random.nextLong(1L << 33)};
        }
        return switch (random.nextInt(14)) {
            case 0 -> new long[] {Layout.MMAP_BASE + 1 + random.nextInt((int) PAGE - 1), PAGE};
            case 1 -> new long[] {Layout.MMAP_BASE, 0};
            case 2 -> new long[] {Layout.MMAP_BASE, -1 - random.nextLong(1L << 40)};
            case 3 -> new long[] {Layout.MMAP_BASE, Long.MAX_VALUE - random.nextInt(4)};
            case 4 -> new long[] {Layout.MMAP_BASE + random.nextLong(1L << 30) * PAGE, Long.MAX_VALUE & -PAGE};
            case 5 -> new long[] {-PAGE * (1 + random.nextInt(16)), PAGE * (1 + random.nextInt(32))};
            case 6 -> new long[] {Long.MIN_VALUE, PAGE};
            case 7 -> new long[] {Long.MAX_VALUE & -PAGE, PAGE};
            case 8 -> new long[] {ModelAddressSpace.USER_TOP - PAGE, 2 * PAGE};
            case 9 -> new long[] {p.space.heapBase(), PAGE};
            case 10 -> new long[] {Layout.STACK_TOP - Layout.STACK_SIZE, PAGE};
            case 11 -> new long[] {Layout.CODE_BASE, PAGE};
            case 12 -> new long[] {p.recentlyReleased(random) & -PAGE, PAGE * (1 + random.nextInt(4))};
            default -> new long[] {random.nextLong() & -PAGE, random.nextLong()};
        };
    }

    /**
     * An address, a length and protection bits for mprotect: mostly pages of an mmap region,
     * sometimes running past its end (into a neighbour or a hole); now and then a bad address,
     * length or protection. Rights are mostly read-write, so that processes live on.
     */
    long[] mprotect(ModelProcess p) {
        List<Region> mmaps = p.space.mmapRegions();
        int pick = random.nextInt(100);
        long prot = switch (random.nextInt(12)) {
            case 0, 1, 2 -> 0;
            case 3, 4 -> Syscalls.PROT_READ;
            case 5 -> Syscalls.PROT_WRITE;
            case 6 -> Syscalls.PROT_READ | Syscalls.PROT_EXEC;
            case 7 -> Syscalls.PROT_READ | Syscalls.PROT_WRITE | Syscalls.PROT_SEM;
            default -> Syscalls.PROT_READ | Syscalls.PROT_WRITE;
        };
        if (!mmaps.isEmpty() && pick < 85) {
            Region r = mmaps.get(random.nextInt(mmaps.size()));
            long pages = r.size() / PAGE;
            long first = random.nextLong(pages);
            long count = pick < 70 ? 1 + random.nextLong(Math.min(pages - first, 64)) : pages - first + 1 + random.nextInt(4);
            return new long[] {r.base() + first * PAGE, count * PAGE - random.nextInt((int) PAGE), prot};
        }
        return switch (random.nextInt(9)) {
            case 0 -> new long[] {Layout.MMAP_BASE + 1 + random.nextInt((int) PAGE - 1), PAGE, prot};
            case 1 -> new long[] {Layout.MMAP_BASE + random.nextLong(1L << 20) * PAGE, 0, random.nextInt(1 << 8)};
            case 2 -> new long[] {Layout.MMAP_BASE, -1 - random.nextLong(1L << 40), prot};
            case 3 -> new long[] {-PAGE * (1 + random.nextInt(16)), PAGE, prot};
            case 4 -> new long[] {ModelAddressSpace.USER_TOP - PAGE, 2 * PAGE, prot};
            case 5 -> new long[] {p.recentlyReleased(random) & -PAGE, PAGE * (1 + random.nextInt(4)), prot};
            case 6 -> new long[] {mmaps.isEmpty() ? Layout.MMAP_BASE : mmaps.get(0).base(), PAGE, 0x10 << random.nextInt(8)};
            case 7 -> new long[] {Long.MAX_VALUE & -PAGE, PAGE, prot};
            default -> new long[] {random.nextLong() & -PAGE, random.nextLong(), prot};
        };
    }

    /** A buffer and a length for write. */
    long[] write(ModelProcess p, AccessTargets targets) {
        int pick = random.nextInt(100);
        if (pick < 75) {
            boolean full = p.memory.mappedCount() >= AccessTargets.MAX_MAPPED;
            if (full || pick < 30) {
                // Within one page the process already has, so that a write maps nothing new.
                long page = p.memory.mappedCount() > 0 ? p.memory.randomMapped(random) : Layout.STACK_TOP - PAGE;
                long offset = random.nextInt((int) PAGE);
                return new long[] {page + offset, random.nextInt((int) (PAGE - offset) + 1)};
            }
            List<Region> regions = p.space.regions();
            long at = targets.pageIn(regions.get(random.nextInt(regions.size()))) + random.nextInt((int) PAGE);
            int length = random.nextInt(50) == 0 ? random.nextInt(Syscalls.MAX_WRITE + 1) : random.nextInt(3 * (int) PAGE);
            return new long[] {at, length};
        }
        long at = targets.allowed(p, AccessKind.READ, 1);
        return switch (random.nextInt(10)) {
            case 0 -> new long[] {at, -1 - random.nextInt(1 << 20)};
            case 1 -> new long[] {at, Syscalls.MAX_WRITE + 1 + random.nextInt(1 << 20)};
            case 2 -> new long[] {at, random.nextBoolean() ? Integer.MIN_VALUE : Integer.MAX_VALUE};
            case 3 -> new long[] {Layout.GUARD_PAGE + random.nextInt((int) PAGE), random.nextInt(64)};
            case 4 -> new long[] {Long.MAX_VALUE - random.nextInt(64), 1 + random.nextInt(4096)};
            case 5 -> new long[] {-1 - random.nextInt(64), random.nextInt(128)};
            case 6 -> new long[] {p.recentlyReleased(random), random.nextInt(64)};
            case 7 -> new long[] {ModelAddressSpace.pageUp(p.space.brk()) - random.nextInt(64), random.nextInt(256)};
            case 8 -> new long[] {ModelAddressSpace.USER_TOP - random.nextInt(64), random.nextInt(256)};
            default -> new long[] {random.nextLong(), random.nextInt(64)};
        };
    }
}
