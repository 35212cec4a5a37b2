package org.capbuddy.kernel.cpu;

import org.capbuddy.kernel.host.MachineGuard;
import org.capbuddy.kernel.memory.HostViewClock;
import org.capbuddy.kernel.memory.PageBytes;

/**
 * A one-page load copy and a one-page store copy in front of a {@link UserCpu}'s fast pages, for a
 * caller that reaches one thread's memory from Java (SOS's user context), as an Arm core keeps a
 * small micro-TLB beside its load/store unit in front of the main TLB.
 *
 * <p>Why a separate object: a hit here takes the page straight from fields, with no array to
 * index and no range to check, which is what a Java program driving one page at a time needs;
 * the interpreter, whose accesses jump between pages, would pay for refilling it on every change
 * of page, so it goes to the {@link UserCpu} directly and never sees this class.
 *
 * <p>Exactness: a copy is what the CPU's fast page for that page held when it was taken, and it
 * is used only while the host-view clock still reads the stamp the fast pages were made under
 * and no fast page has been dropped or replaced, nor any access failed, since
 * ({@link UserCpu#fastChanges()}): under both, the CPU would have hit that same fast page, so a
 * hit here is exactly a TLB hit and counts as one. A copy is taken only after an access that
 * happened, so while it holds the CPU's failure is null, as a hit leaves it. Everything else (a
 * miss, a refused access, an access across a page boundary, a bad size) is the CPU's own
 * {@link UserCpu#read} or {@link UserCpu#write}, after which the copy is taken again if the CPU
 * now holds a fast page.
 */
public final class MicroTlb {
    private static final int PAGE_BITS = 12;
    private static final long PAGE_SIZE = 1L << PAGE_BITS;
    private static final long PAGE_MASK = PAGE_SIZE - 1;
    /** No virtual page number: {@code vaddr >>> 12} is never -1. */
    private static final long NO_PAGE = -1L;

    private final UserCpu cpu;
    private final MachineGuard guard;
    private final HostViewClock clock;

    private long loadVpn = NO_PAGE;
    private byte[] loadSlab;
    private int loadOffset;
    private long loadStamp;
    private long loadChanges;

    private long storeVpn = NO_PAGE;
    private byte[] storeSlab;
    private int storeOffset;
    private long storeStamp;
    private long storeChanges;

    /** A micro-TLB, empty, in front of {@code cpu}. */
    public MicroTlb(UserCpu cpu) {
        this.cpu = cpu;
        this.guard = cpu.guard();
        this.clock = cpu.viewClock();
    }

    /** The CPU behind: its failure, counts and every other access. */
    public UserCpu cpu() {
        return cpu;
    }

    /** {@link UserCpu#read}, served from the load copy when it still holds. */
    public long read(long vaddr, int size) {
        guard.check();
        long offset = vaddr & PAGE_MASK;
        if ((vaddr >>> PAGE_BITS) == loadVpn && offset + size <= PAGE_SIZE && isAccessSize(size)
                && clock.now() == loadStamp && cpu.fastChanges() == loadChanges) {
            cpu.countFastLoadHit();
            return PageBytes.load(loadSlab, loadOffset + (int) offset, size);
        }
        long value = cpu.read(vaddr, size);
        if (!cpu.failed()) {
            copyForLoads(vaddr >>> PAGE_BITS);
        }
        return value;
    }

    /** {@link UserCpu#write}, served from the store copy when it still holds. */
    public boolean write(long vaddr, int size, long value) {
        guard.check();
        long offset = vaddr & PAGE_MASK;
        if ((vaddr >>> PAGE_BITS) == storeVpn && offset + size <= PAGE_SIZE && isAccessSize(size)
                && clock.now() == storeStamp && cpu.fastChanges() == storeChanges) {
            cpu.countFastStoreHit();
            PageBytes.store(storeSlab, storeOffset + (int) offset, size, value);
            return true;
        }
        boolean done = cpu.write(vaddr, size, value);
        if (done) {
            copyForStores(vaddr >>> PAGE_BITS);
        }
        return done;
    }

    private void copyForLoads(long vpn) {
        byte[] slab = cpu.fastSlab(vpn, false);
        if (slab == null) {
            loadVpn = NO_PAGE; // the CPU keeps no fast page for it (a page never written): nothing to copy
            loadSlab = null;
            return;
        }
        loadVpn = vpn;
        loadSlab = slab;
        loadOffset = cpu.fastOffset(vpn);
        loadStamp = cpu.fastStamp();
        loadChanges = cpu.fastChanges();
    }

    private void copyForStores(long vpn) {
        byte[] slab = cpu.fastSlab(vpn, true);
        if (slab == null) {
            storeVpn = NO_PAGE;
            storeSlab = null;
            return;
        }
        storeVpn = vpn;
        storeSlab = slab;
        storeOffset = cpu.fastOffset(vpn);
        storeStamp = cpu.fastStamp();
        storeChanges = cpu.fastChanges();
    }

    private static boolean isAccessSize(int size) {
        return size == 1 || size == 2 || size == 4 || size == 8;
    }
}
