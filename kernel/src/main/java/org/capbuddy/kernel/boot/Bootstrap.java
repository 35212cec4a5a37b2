package org.capbuddy.kernel.boot;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.capbuddy.kernel.KernelConfig;
import org.capbuddy.kernel.api.VmRights;
import org.capbuddy.kernel.cap.Cap;
import org.capbuddy.kernel.cap.Cdt;
import org.capbuddy.kernel.cap.Slot;
import org.capbuddy.kernel.invocation.KernelState;
import org.capbuddy.kernel.memory.MemoryRegion;
import org.capbuddy.kernel.object.AsidPool;
import org.capbuddy.kernel.object.CNode;
import org.capbuddy.kernel.object.Frame;
import org.capbuddy.kernel.object.PageTable;
import org.capbuddy.kernel.object.Tcb;
import org.capbuddy.kernel.object.ThreadState;
import org.capbuddy.kernel.object.VSpace;
import org.capbuddy.kernel.vm.PageTableWalker;
import org.capbuddy.kernel.vm.PtSlot;

/**
 * The kernel's boot: creates the root task (its CNode, VSpace with ASID 1 in pool 0, TCB, image
 * frames, IPC buffer and boot info frame, mapped with 4 KiB pages at {@link #IMAGE_VADDR}), fills
 * the root CNode's fixed slots, and turns all remaining memory into untyped caps: RAM after the
 * kernel image and the root task's objects, and every device gap, each split into maximal
 * aligned power-of-two blocks. Untyped caps start full, so the first Retype of each zeroes it.
 */
public final class Bootstrap {
    public static final long IMAGE_VADDR = 0x40_0000L;
    /** {@code CONFIG_MAX_NUM_BOOTINFO_UNTYPED_CAPS}. */
    public static final int MAX_UNTYPEDS = 230;
    private static final int PAGE = 4096;

    private final KernelConfig config;
    private final KernelState k;
    private long nextFree;

    private Bootstrap(KernelConfig config, KernelState k) {
        this.config = config;
        this.k = k;
    }

    /** The root task's thread and the boot info; the objects live in {@code k}. */
    public record Result(Tcb rootThread, BootInfo bootInfo) {
    }

    public static Result boot(KernelConfig config, KernelState k) {
        return new Bootstrap(config, k).run();
    }

    private Result run() {
        MemoryRegion firstRam = config.board().ram().get(0);
        nextFree = firstRam.base() + config.board().kernelImageBytes();
        Cdt cdt = k.cdt();
        int radix = config.rootCNodeBits();

        CNode root = new CNode(take(radix + 5), radix);
        VSpace vspace = new VSpace(take(12), k.memory().viewClock());
        AsidPool pool = new AsidPool(take(12), 0);
        Tcb tcb = new Tcb(take(11), 11, k.memory().viewClock());
        Frame ipcBuffer = new Frame(take(12), 12, false);
        Frame bootInfoFrame = new Frame(take(12), 12, false);

        Map<InitialCap, String> initial = new EnumMap<>(InitialCap.class);
        Cap.CNodeCap rootCap = new Cap.CNodeCap(root, 0, 64 - radix);
        put(root, InitialCap.INIT_THREAD_TCB, new Cap.TcbCap(tcb), initial);
        put(root, InitialCap.INIT_THREAD_CNODE, rootCap, initial);
        put(root, InitialCap.INIT_THREAD_VSPACE, new Cap.VSpaceCap(vspace, 1), initial);
        put(root, InitialCap.IRQ_CONTROL, new Cap.IrqControl(), initial);
        put(root, InitialCap.ASID_CONTROL, new Cap.AsidControl(), initial);
        put(root, InitialCap.INIT_THREAD_ASID_POOL, new Cap.AsidPoolCap(pool), initial);
        put(root, InitialCap.DOMAIN, new Cap.DomainCap(), initial);
        k.asids().setPool(0, pool);
        pool.setVSpace(1, vspace);
        vspace.setAsid(1);

        long imageEnd = IMAGE_VADDR + (long) config.userImagePages() * PAGE;
        long ipcVaddr = imageEnd;
        long bootInfoVaddr = imageEnd + PAGE;
        long next = 16;

        long pagingStart = next;
        for (Cap.PageTableCap pt : pagingFor(vspace, IMAGE_VADDR, bootInfoVaddr + PAGE)) {
            cdt.insertRoot(root.slot(next++), pt);
        }
        SlotRegion paging = new SlotRegion(pagingStart, next);

        long framesStart = next;
        for (int i = 0; i < config.userImagePages(); i++) {
            Frame f = new Frame(take(12), 12, false);
            long va = IMAGE_VADDR + (long) i * PAGE;
            map(vspace, f, va, false);
            cdt.insertRoot(root.slot(next++), Cap.FrameCap.of(f, VmRights.READ_WRITE, 1, va));
        }
        SlotRegion frames = new SlotRegion(framesStart, next);
        map(vspace, ipcBuffer, ipcVaddr, true);
        map(vspace, bootInfoFrame, bootInfoVaddr, true);
        put(root, InitialCap.BOOT_INFO_FRAME, Cap.FrameCap.of(bootInfoFrame, VmRights.READ_WRITE, 1, bootInfoVaddr), initial);
        put(root, InitialCap.INIT_THREAD_IPC_BUFFER, Cap.FrameCap.of(ipcBuffer, VmRights.READ_WRITE, 1, ipcVaddr), initial);

        for (InitialCap c : InitialCap.values()) {
            initial.putIfAbsent(c, "null");
        }

        Slot cnodeSlot = root.slot(InitialCap.INIT_THREAD_CNODE.cptr());
        Slot vspaceSlot = root.slot(InitialCap.INIT_THREAD_VSPACE.cptr());
        cdt.insertDerived(cnodeSlot, tcb.cspaceRootSlot(), cnodeSlot.cap());
        cdt.insertDerived(vspaceSlot, tcb.vspaceRootSlot(), vspaceSlot.cap());
        tcb.setState(ThreadState.RUNNING);

        List<MemoryRegion> free = new ArrayList<>();
        long firstEnd = firstRam.end();
        if (nextFree < firstEnd) {
            free.add(new MemoryRegion(nextFree, firstEnd - nextFree, false));
        }
        free.addAll(config.board().ram().subList(1, config.board().ram().size()));
        free.addAll(config.board().userDeviceRegions());

        long untypedStart = next;
        List<UntypedDescriptor> list = new ArrayList<>();
        int dropped = 0;
        for (MemoryRegion r : free) {
            for (long[] block : alignedBlocks(r.base(), r.end())) {
                if (list.size() >= MAX_UNTYPEDS || next >= root.slotCount()) {
                    dropped++;
                    continue;
                }
                int bits = (int) block[1];
                Cap.Untyped ut = new Cap.Untyped(block[0], bits, r.device(), 0);
                cdt.insertRoot(root.slot(next), ut.withFreeIndex(ut.maxFreeIndex()));
                list.add(new UntypedDescriptor(next, block[0], bits, r.device()));
                next++;
            }
        }
        SlotRegion untyped = new SlotRegion(untypedStart, next);
        SlotRegion empty = new SlotRegion(next, root.slotCount());
        BootInfo info = new BootInfo(radix, ipcVaddr, bootInfoVaddr, IMAGE_VADDR, empty, paging, frames, untyped,
                list, initial, dropped);
        return new Result(tcb, info);
    }

    /** Splits [base, end) into maximal naturally aligned power-of-two blocks of 2^4..2^47 bytes. */
    static List<long[]> alignedBlocks(long base, long end) {
        List<long[]> out = new ArrayList<>();
        long cursor = (base + 15) & ~15L;
        while (end - cursor >= 16) {
            int alignBits = cursor == 0 ? 63 : Long.numberOfTrailingZeros(cursor);
            int sizeBits = 63 - Long.numberOfLeadingZeros(end - cursor);
            int bits = Math.min(Math.min(alignBits, sizeBits), 47);
            out.add(new long[] {cursor, bits});
            cursor += 1L << bits;
        }
        return out;
    }

    private long take(int sizeBits) {
        long size = 1L << sizeBits;
        long addr = (nextFree + size - 1) & -size;
        nextFree = addr + size;
        return addr;
    }

    private void put(CNode root, InitialCap which, Cap cap, Map<InitialCap, String> initial) {
        k.cdt().insertRoot(root.slot(which.cptr()), cap);
        initial.put(which, Cap.typeName(cap));
    }

    /**
     * Creates and installs the page tables that [from, to) needs, each at the first missing level,
     * and returns their caps (mapped, with the base of the range each translates).
     */
    private List<Cap.PageTableCap> pagingFor(VSpace vspace, long from, long to) {
        List<Cap.PageTableCap> created = new ArrayList<>();
        for (long va = from; va < to; va += PAGE) {
            while (true) {
                PtSlot slot = PageTableWalker.lookup(vspace, va);
                if (slot.bitsLeft() == PageTableWalker.PAGE_BITS) {
                    break;
                }
                PageTable pt = new PageTable(take(12));
                slot.table().mapTable(slot.index(), pt);
                pt.installedIn(slot.table(), slot.index());
                created.add(new Cap.PageTableCap(pt, true, 1, va & ~((1L << slot.bitsLeft()) - 1)));
            }
        }
        return created;
    }

    private static void map(VSpace vspace, Frame frame, long vaddr, boolean executeNever) {
        PtSlot slot = PageTableWalker.lookup(vspace, vaddr);
        slot.table().mapPage(slot.index(), frame, VmRights.READ_WRITE, executeNever, true);
    }
}
