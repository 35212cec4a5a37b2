package org.capbuddy.kernel.testing;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.BiFunction;
import org.capbuddy.kernel.Kernel;
import org.capbuddy.kernel.KernelConfig;
import org.capbuddy.kernel.Sel4;
import org.capbuddy.kernel.cost.CostSnapshot;
import org.capbuddy.kernel.cpu.UserCpu;
import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.api.InvocationLabel;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.Message;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.api.Sel4Error;
import org.capbuddy.kernel.api.VmAttributes;
import org.capbuddy.kernel.boot.BootInfo;
import org.capbuddy.kernel.boot.InitialCap;
import org.capbuddy.kernel.boot.UntypedDescriptor;
import org.capbuddy.kernel.cap.Cap;
import org.capbuddy.kernel.cap.Slot;
import org.capbuddy.kernel.cspace.CSpaceResolver;
import org.capbuddy.kernel.cspace.SlotLookup;
import org.capbuddy.kernel.object.Tcb;
import org.capbuddy.kernel.cpu.FaultReply;
import org.capbuddy.kernel.cpu.VmFault;

/**
 * A freshly booted kernel as its root task sees it, with the small helpers the conformance and
 * invocation tests share: a slot allocator over the boot info's empty region, retype and map
 * shortcuts, error assertions, read-only introspection for what the API cannot show (a cap's
 * fields, a thread's state, the counters), and a second thread whose fault handler the test
 * decides.
 *
 * <p>Everything here is written from the reference (sel4-kernel-model.md), not from the
 * implementation.
 */
public final class RootTaskFx {
    /** seL4_CapInitThreadCNode: the root CNode (radix 12, guard 0 of 52 bits). */
    public static final long ROOT = InitialCap.INIT_THREAD_CNODE.cptr();
    public static final long ROOT_TCB = InitialCap.INIT_THREAD_TCB.cptr();
    public static final long ROOT_VSPACE = InitialCap.INIT_THREAD_VSPACE.cptr();
    public static final long ASID_CONTROL = InitialCap.ASID_CONTROL.cptr();
    public static final long INIT_POOL = InitialCap.INIT_THREAD_ASID_POOL.cptr();
    public static final long IRQ_CONTROL = InitialCap.IRQ_CONTROL.cptr();
    public static final long DOMAIN = InitialCap.DOMAIN.cptr();
    /** CNode operations on the root must use depth 64. */
    public static final int D = 64;
    public static final long PAGE = 4096;
    public static final long LARGE = 1L << 21;
    public static final long USER_TOP = 0x7FFF_FFFF_FFFFL;
    /** An empty 512 GiB region of the root task's VSpace (L0 index 1). */
    public static final long FREE_VA = 0x80_0000_0000L;
    public static final CapRights RW = CapRights.READ_WRITE;
    public static final CapRights ALL = CapRights.ALL;
    public static final long DEF = VmAttributes.DEFAULT;

    public final Kernel kernel;
    public final Sel4 sel4;
    public final BootInfo info;
    private long nextSlot;
    private final long bigRam;

    public RootTaskFx() {
        this(KernelConfig.defaults());
    }

    public RootTaskFx(KernelConfig config) {
        kernel = Kernel.boot(config);
        sel4 = kernel.rootTask();
        info = kernel.bootInfo();
        nextSlot = info.empty().start();
        bigRam = info.untypedList().stream().filter(u -> !u.device())
                .max(Comparator.comparingInt(UntypedDescriptor::sizeBits)).orElseThrow().cptr();
    }

    // ---- slots

    public long slot() {
        return nextSlot++;
    }

    public long slots(int n) {
        long s = nextSlot;
        nextSlot += n;
        return s;
    }

    // ---- boot untypeds

    /** The smallest RAM boot untyped of at least {@code minBits}. */
    public UntypedDescriptor ramUntyped(int minBits) {
        return info.untypedList().stream().filter(u -> !u.device() && u.sizeBits() >= minBits)
                .min(Comparator.comparingInt(UntypedDescriptor::sizeBits)).orElseThrow();
    }

    /** A device boot untyped of exactly {@code bits}. */
    public UntypedDescriptor deviceUntyped(int bits) {
        return info.untypedList().stream().filter(u -> u.device() && u.sizeBits() == bits).findFirst()
                .orElseThrow();
    }

    /** The largest RAM boot untyped; the helpers carve everything they need from it. */
    public long bigRam() {
        return bigRam;
    }

    // ---- retype

    /** Retype into the root CNode (node_depth 0) at {@code offset}. */
    public InvocationResult retypeAt(long untyped, ObjectType type, long sizeBits, long offset, long n) {
        return sel4.untypedRetype(untyped, type, sizeBits, ROOT, 0, 0, offset, n);
    }

    public long retype(long untyped, ObjectType type, long sizeBits, int n) {
        long s = slots(n);
        ok(retypeAt(untyped, type, sizeBits, s, n));
        return s;
    }

    /** One object of {@code sizeBits} (ignored by fixed-size types) into a new slot. */
    public long retype(long untyped, ObjectType type, long sizeBits) {
        return retype(untyped, type, sizeBits, 1);
    }

    public long retype(long untyped, ObjectType type) {
        return retype(untyped, type, 0, 1);
    }

    /** A fresh (empty, childless) RAM untyped of {@code bits}, carved from the big boot untyped. */
    public long untyped(int bits) {
        return retype(bigRam, ObjectType.UNTYPED, bits, 1);
    }

    /** One object of a fixed-size type, from the big boot untyped. */
    public long object(ObjectType type) {
        return retype(bigRam, type, 0, 1);
    }

    public long cnode(int radix) {
        return retype(bigRam, ObjectType.CNODE, radix, 1);
    }

    /** A VSpace with an ASID from the initial thread's pool. */
    public long assignedVSpace() {
        long v = object(ObjectType.VSPACE);
        ok(sel4.asidPoolAssign(INIT_POOL, v));
        return v;
    }

    public long paddr(long frame) {
        InvocationResult r = sel4.pageGetAddress(frame);
        ok(r);
        return r.mr(0);
    }

    /** Copies a cap within the root CNode, returning the new slot. */
    public long copy(long src, CapRights rights) {
        long s = slot();
        ok(sel4.cnodeCopy(ROOT, s, D, ROOT, src, D, rights));
        return s;
    }

    public long copy(long src) {
        return copy(src, CapRights.ALL);
    }

    public long mint(long src, CapRights rights, long badge) {
        long s = slot();
        ok(sel4.cnodeMint(ROOT, s, D, ROOT, src, D, rights, badge));
        return s;
    }

    /**
     * Page_Map with the usual loop: on FailedLookup, retype a PageTable, map it at the same vaddr
     * and retry. Returns the final Page_Map result.
     */
    public InvocationResult mapPage(long frame, long vspace, long vaddr, CapRights rights, long attr) {
        for (int i = 0; i < 4; i++) {
            InvocationResult r = sel4.pageMap(frame, vspace, vaddr, rights, attr);
            // only a missing table is fixed by making one: any other failure is the answer
            if (r.error() != Sel4Error.FAILED_LOOKUP || r.capFault() != null || r.mr(1) != 2) {
                return r;
            }
            long pt = object(ObjectType.PAGE_TABLE);
            ok(sel4.pageTableMap(pt, vspace, vaddr, 0));
        }
        throw new AssertionError("Page_Map still fails after three page tables");
    }

    public void mapRw(long frame, long vspace, long vaddr) {
        ok(mapPage(frame, vspace, vaddr, CapRights.READ_WRITE, VmAttributes.DEFAULT));
    }

    /** The three page tables a first 4 KiB page at {@code vaddr} needs, mapped in order (L1, L2, L3). */
    public long[] pageTablesFor(long vspace, long vaddr) {
        long[] tables = new long[3];
        for (int i = 0; i < 3; i++) {
            tables[i] = object(ObjectType.PAGE_TABLE);
            ok(sel4.pageTableMap(tables[i], vspace, vaddr, 0));
        }
        return tables;
    }

    /** The root task's processor (it has no fault handler: use only for accesses that succeed). */
    public UserCpu rootCpu() {
        return sel4.cpu(ROOT_TCB).orElseThrow();
    }

    // ---- raw messages

    public InvocationResult raw(long cptr, InvocationLabel label, long[] words, long... extraCaps) {
        return sel4.invoke(cptr, Message.of(label, words, extraCaps));
    }

    public InvocationResult raw(long cptr, long label, long[] words, long... extraCaps) {
        return sel4.invoke(cptr, new Message(label, words, extraCaps));
    }

    /** True when the slot is empty: invoking it gives InvalidCapability with MR0 = 0 (§2.1). */
    public boolean isEmpty(long cptr) {
        InvocationResult r = raw(cptr, 0, new long[0]);
        return r.capFault() == null && r.error() == Sel4Error.INVALID_CAPABILITY && r.mr(0) == 0;
    }

    // ---- introspection (read-only)

    public Cap.CNodeCap rootCNodeCap() {
        for (Slot s : kernel.state().cdt().slots()) {
            if (s.index() == ROOT && s.cap() instanceof Cap.CNodeCap c && s.owner() == c.cnode()) {
                return c;
            }
        }
        throw new AssertionError("no root CNode");
    }

    public Slot slotAt(long cptr) {
        SlotLookup l = CSpaceResolver.resolve(rootCNodeCap(), cptr, 64);
        assertThat(l.ok()).as("cptr %d resolves", cptr).isTrue();
        return l.slot();
    }

    public Cap capAt(long cptr) {
        return slotAt(cptr).cap();
    }

    /** True when the slot holds no cap, looked at without an invocation (no counter moves). */
    public boolean isEmptySlot(long cptr) {
        return slotAt(cptr).isEmpty();
    }

    public Tcb tcbAt(long cptr) {
        return ((Cap.TcbCap) capAt(cptr)).tcb();
    }

    public CostSnapshot costs() {
        return kernel.costs();
    }

    // ---- assertions

    public static void ok(InvocationResult r) {
        assertThat(r.isOk()).as("expected success, got %s", r).isTrue();
    }

    public static void err(InvocationResult r, Sel4Error error, long... mrs) {
        assertThat(r.capFault()).as("no cap fault in %s", r).isNull();
        assertThat(r.error()).as("error of %s", r).isEqualTo(error);
        for (int i = 0; i < mrs.length; i++) {
            assertThat(r.mr(i)).as("MR%d of %s", i, r).isEqualTo(mrs[i]);
        }
    }

    // ---- a second thread with a fault handler (§6)

    /** A thread in its own VSpace whose fault handler records faults and replies as told. */
    public final class FaultThread {
        public final long tcb;
        public final long vspace;
        public final long endpoint;
        public final long faultEp;
        public final UserCpu cpu;
        public final List<VmFault> faults = new ArrayList<>();
        public final List<Long> badges = new ArrayList<>();
        /** Decides the reply; the default never replies. */
        public BiFunction<Long, VmFault, FaultReply> handler = (b, f) -> FaultReply.noReply("test handler");

        public FaultThread(long badge, CapRights faultEpRights) {
            tcb = object(ObjectType.TCB);
            endpoint = object(ObjectType.ENDPOINT);
            vspace = assignedVSpace();
            faultEp = mint(endpoint, faultEpRights, badge);
            ok(sel4.tcbSetSpace(tcb, faultEp, ROOT, 0, vspace, 0));
            ok(sel4.bindFaultReceiver(endpoint, (b, f) -> {
                badges.add(b);
                faults.add(f);
                return handler.apply(b, f);
            }));
            ok(sel4.tcbResume(tcb));
            cpu = sel4.cpu(tcb).orElseThrow();
        }

        /** Suspend + Resume: lets a thread blocked on a fault that got no reply run again. */
        public void restart() {
            ok(sel4.tcbSuspend(tcb));
            ok(sel4.tcbResume(tcb));
        }

        public Tcb thread() {
            return tcbAt(tcb);
        }

        public VmFault lastFault() {
            assertThat(faults).isNotEmpty();
            return faults.get(faults.size() - 1);
        }
    }

    public FaultThread faultThread() {
        return new FaultThread(0x77, CapRights.ALL);
    }
}
