package org.capbuddy.fuzz.kernel;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.capbuddy.kernel.Kernel;
import org.capbuddy.kernel.KernelConfig;
import org.capbuddy.kernel.Sel4;
import org.capbuddy.kernel.cpu.UserCpu;
import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.Message;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.boot.Board;
import org.capbuddy.kernel.boot.InitialCap;
import org.capbuddy.kernel.boot.UntypedDescriptor;
import org.capbuddy.kernel.cap.Cap;
import org.capbuddy.kernel.cap.Slot;
import org.capbuddy.kernel.object.CNode;
import org.capbuddy.kernel.object.ThreadState;
import org.capbuddy.kernel.cpu.FaultReply;
import org.capbuddy.kernel.invariant.InvariantReport;

/**
 * A seeded stateful fuzzer of the kernel model: random invocations through the root task's
 * stubs, about half of them with plausible arguments (caps it made, slots in a small window,
 * depth 64, aligned addresses) so that deep paths run, and the rest hostile (random cptrs,
 * depths, types, sizes, labels, lengths). The oracle is that no invocation throws and the
 * invariant checker stays green. Used by the tests (a bounded number of operations in CI) and by
 * {@code capbuddy fuzz --layer kernel} for long soaks.
 *
 * <p>It reads the kernel's state (to aim at caps of the right type), which only test tooling
 * may do.
 */
public final class KernelFuzzer {
    private static final long ROOT = InitialCap.INIT_THREAD_CNODE.cptr();
    private static final long VSPACE = InitialCap.INIT_THREAD_VSPACE.cptr();
    private static final int WINDOW = 384;

    private final SplittableRandom random;
    private final Kernel kernel;
    private final Sel4 sel4;
    private final UserCpu cpu;
    private long userTcb;
    private final List<Long> untypeds = new ArrayList<>();
    private final long windowStart;
    private final CNode rootCNode;
    private long operations;
    private long invariantChecks;

    public KernelFuzzer(long seed) {
        this.random = new SplittableRandom(seed);
        this.kernel = Kernel.boot(KernelConfig.defaults().withBoard(Board.virt(256L << 20)).withRetypeFanOutLimit(64));
        this.sel4 = kernel.rootTask();
        for (UntypedDescriptor u : kernel.bootInfo().untypedList()) {
            if (!u.device() || random.nextInt(8) == 0) {
                untypeds.add(u.cptr());
            }
        }
        this.rootCNode = ((Cap.CNodeCap) kernel.state().cdt().slots().stream()
                .filter(s -> s.cap() instanceof Cap.CNodeCap).findFirst().orElseThrow().cap()).cnode();
        this.windowStart = kernel.bootInfo().empty().start();
        this.cpu = startUserThread();
    }

    /**
     * A second thread in the root task's CSpace and VSpace whose faults go, badged, to a handler
     * that sometimes maps a frame from the window at the faulting page and resumes, and sometimes
     * leaves the thread blocked.
     */
    private UserCpu startUserThread() {
        long tcb = windowStart + WINDOW;
        long endpoint = tcb + 1;
        long badged = tcb + 2;
        long ram = kernel.bootInfo().untypedList().stream().filter(u -> !u.device() && u.sizeBits() >= 16)
                .findFirst().orElseThrow().cptr();
        require(sel4.untypedRetype(ram, ObjectType.TCB, 0, ROOT, 0, 0, tcb, 1));
        require(sel4.untypedRetype(ram, ObjectType.ENDPOINT, 0, ROOT, 0, 0, endpoint, 1));
        require(sel4.cnodeMint(ROOT, badged, 64, ROOT, endpoint, 64, CapRights.ALL, 0xB0B));
        require(sel4.tcbSetSpace(tcb, badged, ROOT, 0, VSPACE, 0));
        require(sel4.bindFaultReceiver(endpoint, (badge, fault) -> {
            if (badge != 0xB0B) {
                throw new IllegalStateException("fault delivered with badge " + badge);
            }
            if (random.nextBoolean()) {
                sel4.pageMap(holding(Cap.FrameCap.class), VSPACE, fault.address() & ~0xFFFL, CapRights.ALL, 3);
                return FaultReply.RESUME;
            }
            return FaultReply.noReply("the fuzzer's handler leaves the thread blocked");
        }));
        require(sel4.tcbResume(tcb));
        this.userTcb = tcb;
        return sel4.cpu(tcb).orElseThrow();
    }

    private static void require(InvocationResult r) {
        if (!r.isOk()) {
            throw new IllegalStateException("fuzzer setup failed: " + r);
        }
    }

    public Kernel kernel() {
        return kernel;
    }

    public long operations() {
        return operations;
    }

    /**
     * Runs {@code count} operations, checking invariants after every {@code checkEvery}-th operation
     * of the whole run (counted across calls, so a soak run in chunks checks as often as one run)
     * and at the end; returns the first failure.
     */
    public InvariantReport run(int count, int checkEvery) {
        for (int i = 0; i < count; i++) {
            step();
            operations++;
            if (operations % checkEvery == 0) {
                invariantChecks++;
                InvariantReport report = kernel.checkInvariants();
                if (!report.ok()) {
                    return report;
                }
            }
        }
        invariantChecks++;
        return kernel.checkInvariants();
    }

    /** Invariant checks made so far. */
    public long invariantChecks() {
        return invariantChecks;
    }

    private void step() {
        InvocationResult r = switch (random.nextInt(18)) {
            case 0, 1, 2 -> retype();
            case 3 -> sel4.cnodeCopy(ROOT, slot(), depth(), ROOT, anyCap(), depth(), rights());
            case 4 -> sel4.cnodeMint(ROOT, slot(), depth(), ROOT, anyCap(), depth(), rights(), word());
            case 5 -> sel4.cnodeMove(ROOT, slot(), depth(), ROOT, anyCap(), depth());
            case 6 -> sel4.cnodeMutate(ROOT, slot(), depth(), ROOT, anyCap(), depth(), word() & 0xFFF);
            case 7 -> sel4.cnodeRotate(ROOT, slot(), depth(), word(), ROOT, anyCap(), depth(), word(), ROOT, anyCap(),
                    depth());
            case 8, 9 -> random.nextInt(3) == 0 ? sel4.cnodeRevoke(ROOT, anyCap(), depth())
                    : sel4.cnodeDelete(ROOT, anyCap(), depth());
            case 10, 11 -> sel4.pageMap(holding(Cap.FrameCap.class), vspace(), vaddr(), rights(), random.nextInt(8));
            case 12 -> sel4.pageTableMap(holding(Cap.PageTableCap.class), vspace(), vaddr(), 0);
            case 13 -> random.nextBoolean() ? sel4.pageUnmap(holding(Cap.FrameCap.class))
                    : sel4.pageTableUnmap(holding(Cap.PageTableCap.class));
            case 14 -> random.nextBoolean()
                    ? sel4.asidControlMakePool(InitialCap.ASID_CONTROL.cptr(), holding(Cap.Untyped.class), ROOT, slot(),
                            depth())
                    : sel4.asidPoolAssign(random.nextBoolean() ? InitialCap.INIT_THREAD_ASID_POOL.cptr()
                            : holding(Cap.AsidPoolCap.class), holding(Cap.VSpaceCap.class));
            case 15 -> sel4.tcbSetSpace(holding(Cap.TcbCap.class), holding(Cap.EndpointCap.class),
                    random.nextBoolean() ? ROOT : holding(Cap.CNodeCap.class), random.nextBoolean() ? 0 : word() & 0xFFF,
                    random.nextBoolean() ? VSPACE : holding(Cap.VSpaceCap.class), 0);
            case 16 -> raw();
            default -> {
                access();
                yield InvocationResult.ok();
            }
        };
        if (r == null) {
            throw new IllegalStateException("an invocation returned null");
        }
        if (r.isOk() && r.capFault() != null) {
            throw new IllegalStateException("success with a cap fault: " + r);
        }
    }

    private InvocationResult retype() {
        long ut = random.nextInt(3) == 0 ? holding(Cap.Untyped.class) : untypeds.get(random.nextInt(untypeds.size()));
        long type = random.nextInt(10) == 0 ? random.nextInt(64) : ObjectType.values()[random.nextInt(10)].id();
        long bits = random.nextInt(8) == 0 ? random.nextLong() : 4 + random.nextInt(20);
        if (type == ObjectType.CNODE.id() && random.nextInt(8) != 0) {
            bits = 1 + random.nextInt(6);
        }
        if (type == ObjectType.UNTYPED.id() && random.nextBoolean()) {
            bits = 12;
        }
        long count = random.nextInt(6) == 0 ? random.nextLong() : 1 + random.nextInt(random.nextInt(4) == 0 ? 70 : 3);
        boolean rootItself = random.nextBoolean();
        long offset = random.nextInt(8) == 0 ? random.nextLong() : windowStart + random.nextInt(WINDOW);
        InvocationResult r = sel4.untypedRetype(ut, type, bits, ROOT, rootItself ? 0 : ROOT, rootItself ? 0 : depth(),
                offset, count);
        if (r.isOk() && type == ObjectType.UNTYPED.id()) {
            for (long i = 0; i < count && untypeds.size() < 400; i++) {
                untypeds.add(offset + i);
            }
        }
        return r;
    }

    private InvocationResult raw() {
        int length = random.nextInt(10);
        long[] words = new long[length];
        for (int i = 0; i < length; i++) {
            words[i] = random.nextBoolean() ? slot() : word();
        }
        long[] caps = new long[random.nextInt(4)];
        for (int i = 0; i < caps.length; i++) {
            caps[i] = random.nextBoolean() ? slot() : spareRootTask(word());
        }
        long target = random.nextInt(4) == 0 ? spareRootTask(word()) : slot();
        return sel4.invoke(target, new Message(random.nextInt(60), words, caps));
    }

    private void access() {
        long va = random.nextBoolean() ? vaddr() + random.nextInt(4096) : word();
        // Now and then a size the CPU must refuse (0, negative, 3, 9..17).
        int size = random.nextInt(8) == 0 ? random.nextInt(20) - 2 : 1 << random.nextInt(4);
        switch (random.nextInt(3)) {
            case 0 -> cpu.read(va, size);
            case 1 -> cpu.write(va, size, random.nextLong());
            default -> cpu.fetch(va);
        }
        if (cpu.state() != ThreadState.RUNNING) {
            sel4.tcbSuspend(userTcb);
            sel4.tcbResume(userTcb);
        }
    }

    /** A window slot holding a cap of {@code type} (read by introspection), or a random slot. */
    private long holding(Class<? extends Cap> type) {
        if (random.nextInt(5) != 0) {
            List<Long> candidates = new ArrayList<>();
            CNode root = rootCNode;
            for (long i = windowStart; i < windowStart + WINDOW; i++) {
                Slot s = root.existingSlot(i);
                if (s != null && type.isInstance(s.cap())) {
                    candidates.add(i);
                }
            }
            if (!candidates.isEmpty()) {
                return candidates.get(random.nextInt(candidates.size()));
            }
        }
        return slot();
    }

    /** A window slot holding any cap, or a random slot. */
    private long anyCap() {
        return holding(Cap.class);
    }

    private long slot() {
        int pick = random.nextInt(20);
        if (pick == 0) {
            return spareRootTask(word());
        }
        if (pick == 1) {
            return spareRootTask(random.nextInt(16));
        }
        return windowStart + random.nextInt(WINDOW);
    }

    /**
     * Keeps cptrs off the root task's TCB, CNode and VSpace caps (slots 1-3): deleting, revoking
     * or re-spacing those ends the root task as it would in seL4, and with it the run's coverage.
     */
    private static long spareRootTask(long cptr) {
        return cptr >= 1 && cptr <= 3 ? 0 : cptr;
    }

    private long depth() {
        return random.nextInt(10) == 0 ? random.nextInt(70) : 64;
    }

    private long vspace() {
        return random.nextInt(3) == 0 ? holding(Cap.VSpaceCap.class) : VSPACE;
    }

    private long vaddr() {
        if (random.nextInt(10) == 0) {
            return word();
        }
        long base = random.nextBoolean() ? 0x10_0000_0000L : 0x7F_0000_0000L;
        return base + ((long) random.nextInt(1 << 6) << (random.nextInt(4) == 0 ? 21 : 12));
    }

    private CapRights rights() {
        return new CapRights(random.nextInt(16));
    }

    private long word() {
        return switch (random.nextInt(4)) {
            case 0 -> random.nextLong();
            case 1 -> random.nextInt(1 << 20);
            case 2 -> -1L - random.nextInt(4);
            default -> 1L << random.nextInt(64);
        };
    }
}
