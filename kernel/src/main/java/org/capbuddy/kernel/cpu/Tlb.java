package org.capbuddy.kernel.cpu;

import java.util.Arrays;
import org.capbuddy.kernel.memory.PhysicalMemory;
import org.capbuddy.kernel.object.VSpace;

/**
 * A software model of the hardware TLB one processor uses for user accesses: a small
 * direct-mapped cache from virtual page number (4 KiB granule) to the physical base of that 4 KiB
 * page and the permissions the MMU is known to grant on it.
 *
 * <p><b>Granule.</b> Every entry covers exactly one 4 KiB virtual page, also when the translation
 * came from a 2 MiB or 1 GiB block: the entry then holds the physical base of the 4 KiB piece of
 * the block that the access touched. Blocks therefore take one entry per 4 KiB page touched, which
 * keeps lookup a single compare and invalidation trivially exact.
 *
 * <p><b>Tag and invalidation.</b> The whole TLB is tagged with one {@link VSpace} object and the
 * value of its {@link VSpace#translationEpoch()} at the time the entries were filled. The kernel
 * bumps that epoch whenever a translation of the address space is removed or changed (Page_Unmap,
 * over-mapping, remap, page table unmap or destruction, loss of the ASID), so an entry is only
 * ever used while the VSpace it was filled from is still the one asked about and its epoch is
 * unchanged; otherwise {@link #lookup} misses and the next {@link #insert} flushes everything.
 * Adding a translation where there was none does not bump the epoch, and needs no flush: the TLB
 * caches successful translations only, never the absence of one.
 *
 * <p><b>Permissions.</b> An entry records only permissions a walk has proved: {@link #READ} is
 * implied by any successful translation (the MMU refuses every access to a kernel-only page),
 * {@link #WRITE} when the page is read-write, {@link #EXECUTE} only after a successful
 * instruction-fetch translation (a data walk does not learn the execute-never bit). An access
 * whose permission is not recorded misses and must go through the MMU, which decides the fault.
 *
 * <p><b>Host pages.</b> Like the TLB of QEMU's software MMU, which keeps the host address of each
 * guest page, an entry also keeps where the host bytes of its physical page are: the slab array
 * and the offset of the page's chunk in it ({@link PhysicalMemory#hostChunk}), so a hit reads and
 * writes the array directly. This is the model's own shortcut, not state of the modelled TLB, and
 * it never changes what an access sees: an entry's chunk is looked up on its first use after a
 * refill that changed the entry; it is only kept once the page has backing (a page without any
 * is looked up on every use, since anyone may back it meanwhile); and every kept chunk is dropped
 * when {@link PhysicalMemory#releaseEpoch()} shows that zeroing took some page's chunk away (it
 * may already back another page: using it would show that page's data, or write into it).
 * Dropping chunks is not a flush: the entries, their tag and the hit and miss counts are
 * unaffected.
 */
public final class Tlb {
    public static final int READ = 1;
    public static final int WRITE = 2;
    public static final int EXECUTE = 4;

    private static final int GRANULE_BITS = 12;
    private static final long INVALID = -1L;

    private final PhysicalMemory memory;
    private final int mask;
    private final long[] vpns;
    private final long[] pageBases;
    private final byte[] perms;
    /** Per entry, the slab array holding its page's chunk, or null when not looked up or unbacked. */
    private final byte[][] hostSlabs;
    /** Per entry, where the page's chunk starts in its slab; meaningful while the slab is kept. */
    private final int[] hostOffsets;
    /** Per entry, whether its page was fetched from when its slab was looked up (writes must then tell memory). */
    private final boolean[] hostCode;
    private VSpace owner;
    private long epoch;
    private long hostSlabsEpoch;
    private long flushes;

    /** A TLB of {@code entries} entries, a power of two, in front of {@code memory}. */
    public Tlb(int entries, PhysicalMemory memory) {
        if (entries <= 0 || Integer.bitCount(entries) != 1) {
            throw new IllegalArgumentException("TLB entries must be a power of two: " + entries);
        }
        this.memory = memory;
        mask = entries - 1;
        vpns = new long[entries];
        pageBases = new long[entries];
        perms = new byte[entries];
        hostSlabs = new byte[entries][];
        hostOffsets = new int[entries];
        hostCode = new boolean[entries];
        hostSlabsEpoch = memory.releaseEpoch();
        Arrays.fill(vpns, INVALID);
    }

    public int entries() {
        return vpns.length;
    }

    /**
     * The physical base of the 4 KiB page holding {@code vaddr} when the TLB holds a valid entry
     * for it in {@code vspace} that grants every bit of {@code perm}; otherwise -1.
     */
    public long lookup(VSpace vspace, long vaddr, int perm) {
        int entry = find(vspace, vaddr, perm);
        return entry < 0 ? -1 : pageBases[entry];
    }

    /**
     * The entry {@link #lookup} would use for the same arguments, for {@link #pageBase} and
     * {@link #hostSlab}; -1 when the lookup misses.
     */
    int find(VSpace vspace, long vaddr, int perm) {
        if (vspace == null || vspace != owner || vspace.translationEpoch() != epoch) {
            return -1;
        }
        long vpn = vaddr >>> GRANULE_BITS;
        int i = (int) vpn & mask;
        if (vpns[i] != vpn || (perms[i] & perm) != perm) {
            return -1;
        }
        return i;
    }

    /** The permissions ({@link #READ}, {@link #WRITE}, {@link #EXECUTE}) recorded in {@code entry}. */
    int permissions(int entry) {
        return perms[entry];
    }

    /** The physical base of the 4 KiB page of {@code entry}, an entry {@link #find} returned. */
    long pageBase(int entry) {
        return pageBases[entry];
    }

    /**
     * The slab array holding the bytes of the physical page of {@code entry} (an entry
     * {@link #find} has just returned), from {@link #hostOffset}{@code (entry)} on; or null while
     * that page has no backing and reads as zero.
     */
    byte[] hostSlab(int entry) {
        long released = memory.releaseEpoch();
        if (released != hostSlabsEpoch) {
            // Some page lost its chunk since these were looked up: none of them can be trusted.
            Arrays.fill(hostSlabs, null);
            hostSlabsEpoch = released;
        }
        byte[] slab = hostSlabs[entry];
        if (slab == null) {
            int chunk = memory.hostChunk(pageBases[entry] >>> GRANULE_BITS);
            if (chunk == 0) {
                return null;
            }
            slab = memory.hostSlab(chunk);
            hostOffsets[entry] = PhysicalMemory.hostOffset(chunk);
            hostCode[entry] = memory.isCode(pageBases[entry] >>> GRANULE_BITS);
            hostSlabs[entry] = slab;
        }
        return slab;
    }

    /**
     * Whether the page of {@code entry} (whose slab {@link #hostSlab} has just returned) was
     * fetched from: a store must then go through physical memory, which notes writes to code.
     * Exact, because a page becoming code moves the release epoch and so drops every kept slab.
     */
    boolean isCodePage(int entry) {
        return hostCode[entry];
    }

    /**
     * Where the page of {@code entry} starts in the array {@link #hostSlab}{@code (entry)} has
     * just returned (non-null, with no zeroing since).
     */
    int hostOffset(int entry) {
        return hostOffsets[entry];
    }

    /**
     * Records that {@code vaddr}'s 4 KiB page in {@code vspace} translates to {@code pageBase} with
     * at least {@code perm}, as a walk just done under the VSpace's current epoch showed. Flushes
     * first when the tag (VSpace or epoch) differs. Permissions learnt earlier for the same page
     * under the same tag are kept: the translation cannot have changed without an epoch bump.
     */
    public void insert(VSpace vspace, long vaddr, long pageBase, int perm) {
        long currentEpoch = vspace.translationEpoch();
        if (vspace != owner || currentEpoch != epoch) {
            if (owner != null) {
                flush();
            }
            owner = vspace;
            epoch = currentEpoch;
        }
        long vpn = vaddr >>> GRANULE_BITS;
        int i = (int) vpn & mask;
        if (vpns[i] == vpn && pageBases[i] == pageBase) {
            perm |= perms[i];
        } else {
            hostSlabs[i] = null;
        }
        vpns[i] = vpn;
        pageBases[i] = pageBase;
        perms[i] = (byte) perm;
    }

    /** Invalidates every entry and drops the tag. */
    public void flush() {
        Arrays.fill(vpns, INVALID);
        Arrays.fill(hostSlabs, null);
        owner = null;
        flushes++;
    }

    /** How many times the TLB was flushed (tag change or explicit). */
    public long flushes() {
        return flushes;
    }

    /** The number of entries a lookup could use now (for tests and diagnostics). */
    public int validEntries() {
        if (owner == null || owner.translationEpoch() != epoch) {
            return 0;
        }
        int n = 0;
        for (long v : vpns) {
            if (v != INVALID) {
                n++;
            }
        }
        return n;
    }
}
