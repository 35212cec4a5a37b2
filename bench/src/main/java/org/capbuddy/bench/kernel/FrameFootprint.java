package org.capbuddy.bench.kernel;

import static org.capbuddy.bench.kernel.Checks.check;

import java.lang.ref.Reference;
import java.util.List;
import org.capbuddy.kernel.Kernel;
import org.capbuddy.kernel.KernelConfig;
import org.capbuddy.kernel.Sel4;
import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.api.Sel4Error;
import org.capbuddy.kernel.api.VmAttributes;
import org.capbuddy.kernel.boot.BootInfo;
import org.capbuddy.kernel.boot.InitialCap;
import org.capbuddy.kernel.boot.UntypedDescriptor;

/**
 * Host heap the kernel model spends per mapped 4 KiB frame, in the shape an SOS-style system uses
 * each frame: one frame retyped into a root-CNode slot, a copy of its cap in a second slot, the
 * original mapped in one region (SOS's window) and the copy in another (the process). That is two
 * slots, two frame caps, two page entries and one frame, plus the page tables and CNode storage
 * they fill, amortised.
 *
 * <p>Not a JMH benchmark: it measures live heap, not time. Run it alone in its own JVM, e.g.
 * {@code java -cp benchmarks.jar org.capbuddy.bench.kernel.FrameFootprint 100000}; it prints the
 * used heap after {@link System#gc()} before and after mapping, and the difference per frame. With
 * a second argument {@code hold} it then waits for a minute, so that a class histogram
 * ({@code jmap -histo:live PID}) can be taken of the mapped state.
 */
public final class FrameFootprint {
    static final long RAM_BYTES = 1L << 30;
    static final long PAGE = 1L << 12;
    /** The window and the process region: 64 GiB and 128 GiB, far from the root task's image. */
    static final long WINDOW = 0x10_0000_0000L;
    static final long PROCESS = 0x20_0000_0000L;
    static final long ROOT = InitialCap.INIT_THREAD_CNODE.cptr();
    static final long VSPACE = InitialCap.INIT_THREAD_VSPACE.cptr();
    static final int DEPTH = 64;

    private final Kernel kernel;
    private final Sel4 sel4;
    private final List<UntypedDescriptor> untypeds;
    private long nextSlot;
    private int untypedIndex;

    private FrameFootprint() {
        kernel = Kernel.boot(KernelConfig.capBuddy(RAM_BYTES));
        sel4 = kernel.rootTask();
        BootInfo info = kernel.bootInfo();
        untypeds = info.untypedList().stream().filter(u -> !u.device() && u.sizeBits() >= 12).toList();
        nextSlot = info.empty().start();
    }

    public static void main(String[] args) throws InterruptedException {
        int frames = args.length > 0 ? Integer.parseInt(args[0]) : 100_000;
        boolean hold = args.length > 1 && args[1].equals("hold");
        FrameFootprint f = new FrameFootprint();
        long before = usedHeap();
        f.mapFrames(frames);
        long after = usedHeap();
        System.out.printf("frames %d, heap before %d B, after %d B, %.1f B per mapped frame%n",
                frames, before, after, (after - before) / (double) frames);
        if (!f.kernel.checkInvariants().ok()) {
            throw new IllegalStateException("invariants broken: " + f.kernel.checkInvariants());
        }
        if (hold) {
            System.out.println("pid " + ProcessHandle.current().pid() + ": holding for 60 s");
            Thread.sleep(60_000);
        }
        Reference.reachabilityFence(f);
    }

    private void mapFrames(int frames) {
        long firstFrame = nextSlot;
        for (int i = 0; i < frames; i++) {
            retype(ObjectType.SMALL_PAGE, nextSlot++);
        }
        long firstCopy = nextSlot;
        nextSlot += frames;
        for (int i = 0; i < frames; i++) {
            check("CNode_Copy", sel4.cnodeCopy(ROOT, firstCopy + i, DEPTH, ROOT, firstFrame + i, DEPTH,
                    CapRights.READ_WRITE));
            map(firstFrame + i, WINDOW + i * PAGE);
            map(firstCopy + i, PROCESS + i * PAGE);
        }
    }

    /** Page_Map, adding page tables until the walk finds the level of a 4 KiB page. */
    private void map(long frame, long vaddr) {
        while (true) {
            InvocationResult r = sel4.pageMap(frame, VSPACE, vaddr, CapRights.READ_WRITE, VmAttributes.DEFAULT);
            if (r.error() != Sel4Error.FAILED_LOOKUP) {
                check("Page_Map", r);
                return;
            }
            long table = nextSlot++;
            retype(ObjectType.PAGE_TABLE, table);
            check("PageTable_Map", sel4.pageTableMap(table, VSPACE, vaddr, VmAttributes.DEFAULT));
        }
    }

    /** One object into {@code slot}, from the first RAM untyped that still has room. */
    private void retype(ObjectType type, long slot) {
        while (untypedIndex < untypeds.size()) {
            InvocationResult r = sel4.untypedRetype(untypeds.get(untypedIndex).cptr(), type, 0, ROOT, 0, 0, slot, 1);
            if (r.isOk()) {
                return;
            }
            if (r.error() != Sel4Error.NOT_ENOUGH_MEMORY) {
                check("Retype " + type, r);
            }
            untypedIndex++;
        }
        throw new IllegalStateException("out of RAM untypeds");
    }

    /** Used heap once collections stop freeing anything: live data, for footprint probes. */
    public static long usedHeap() {
        Runtime rt = Runtime.getRuntime();
        long used = Long.MAX_VALUE;
        // Several collections: the figure settles once nothing more is freed.
        for (int i = 0; i < 5; i++) {
            System.gc();
            used = Math.min(used, rt.totalMemory() - rt.freeMemory());
        }
        return used;
    }
}
