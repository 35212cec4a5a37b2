package org.capbuddy.kernel.conformance;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.BiFunction;
import org.capbuddy.kernel.Kernel;
import org.capbuddy.kernel.KernelConfig;
import org.capbuddy.kernel.Sel4;
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
import org.capbuddy.kernel.cpu.FaultReply;
import org.capbuddy.kernel.cpu.VmFault;

/**
 * A freshly booted kernel plus the small helpers the conformance tests share: a slot allocator
 * over the boot info's empty region, retype shortcuts, error assertions and (for checks that the
 * API cannot observe, such as a cap's rights or an object's liveness) read-only introspection.
 *
 * <p>Everything here is written from the reference (sel4-kernel-model.md), not from the
 * implementation.
 */
final class Fx {
    /** seL4_CapInitThreadCNode: the root CNode (radix 12, guard 0 of 52 bits). */
    static final long ROOT = InitialCap.INIT_THREAD_CNODE.cptr();
    static final long ROOT_TCB = InitialCap.INIT_THREAD_TCB.cptr();
    static final long ROOT_VSPACE = InitialCap.INIT_THREAD_VSPACE.cptr();
    static final long ASID_CONTROL = InitialCap.ASID_CONTROL.cptr();
    static final long INIT_POOL = InitialCap.INIT_THREAD_ASID_POOL.cptr();
    static final long IRQ_CONTROL = InitialCap.IRQ_CONTROL.cptr();
    /** CNode operations on the root must use depth 64. */
    static final int D = 64;
    static final long PAGE = 4096;
    static final long LARGE = 1L << 21;
    static final long USER_TOP = 0x7FFF_FFFF_FFFFL;
    /** An empty 512 GiB region of the root task's VSpace (L0 index 1). */
    static final long FREE_VA = 0x80_0000_0000L;

    final Kernel kernel;
    final Sel4 sel4;
    final BootInfo info;
    private long nextSlot;
    private final long bigRam;

    Fx() {
        this(KernelConfig.defaults());
    }

    Fx(KernelConfig config) {
        kernel = Kernel.boot(config);
        sel4 = kernel.rootTask();
        info = kernel.bootInfo();
        nextSlot = info.empty().start();
        bigRam = info.untypedList().stream().filter(u -> !u.device())
                .max(Comparator.comparingInt(UntypedDescriptor::sizeBits)).orElseThrow().cptr();
    }

    // ---- slots

    long slot() {
        return nextSlot++;
    }

    long slots(int n) {
        long s = nextSlot;
        nextSlot += n;
        return s;
    }

    // ---- boot untypeds

    /** The smallest RAM boot untyped of at least {@code minBits}. */
    UntypedDescriptor ramUntyped(int minBits) {
        return info.untypedList().stream().filter(u -> !u.device() && u.sizeBits() >= minBits)
                .min(Comparator.comparingInt(UntypedDescriptor::sizeBits)).orElseThrow();
    }

    /** A device boot untyped of exactly {@code bits}. */
    UntypedDescriptor deviceUntyped(int bits) {
        return info.untypedList().stream().filter(u -> u.device() && u.sizeBits() == bits).findFirst()
                .orElseThrow();
    }

    /** The largest RAM boot untyped; the helpers carve everything they need from it. */
    long bigRam() {
        return bigRam;
    }

    // ---- retype

    /** Retype into the root CNode (node_depth 0) at {@code offset}. */
    InvocationResult retypeAt(long untyped, ObjectType type, long sizeBits, long offset, long n) {
        return sel4.untypedRetype(untyped, type, sizeBits, ROOT, 0, 0, offset, n);
    }

    long retype(long untyped, ObjectType type, long sizeBits, int n) {
        long s = slots(n);
        ok(retypeAt(untyped, type, sizeBits, s, n));
        return s;
    }

    long retype(long untyped, ObjectType type) {
        return retype(untyped, type, 0, 1);
    }

    /** A fresh (empty, childless) RAM untyped of {@code bits}, carved from the big boot untyped. */
    long untyped(int bits) {
        return retype(bigRam, ObjectType.UNTYPED, bits, 1);
    }

    /** One object of a fixed-size type, from the big boot untyped. */
    long object(ObjectType type) {
        return retype(bigRam, type, 0, 1);
    }

    long cnode(int radix) {
        return retype(bigRam, ObjectType.CNODE, radix, 1);
    }

    /** A VSpace with an ASID from the initial thread's pool. */
    long assignedVSpace() {
        long v = object(ObjectType.VSPACE);
        ok(sel4.asidPoolAssign(INIT_POOL, v));
        return v;
    }

    long paddr(long frame) {
        InvocationResult r = sel4.pageGetAddress(frame);
        ok(r);
        return r.mr(0);
    }

    /** Copies a cap within the root CNode, returning the new slot. */
    long copy(long src, CapRights rights) {
        long s = slot();
        ok(sel4.cnodeCopy(ROOT, s, D, ROOT, src, D, rights));
        return s;
    }

    long copy(long src) {
        return copy(src, CapRights.ALL);
    }

    long mint(long src, CapRights rights, long badge) {
        long s = slot();
        ok(sel4.cnodeMint(ROOT, s, D, ROOT, src, D, rights, badge));
        return s;
    }

    /**
     * Page_Map with the usual loop: on FailedLookup, retype a PageTable, map it at the same vaddr
     * and retry. Returns the final Page_Map result.
     */
    InvocationResult mapPage(long frame, long vspace, long vaddr, CapRights rights, long attr) {
        for (int i = 0; i < 4; i++) {
            InvocationResult r = sel4.pageMap(frame, vspace, vaddr, rights, attr);
            if (r.error() != Sel4Error.FAILED_LOOKUP) {
                return r;
            }
            long pt = object(ObjectType.PAGE_TABLE);
            ok(sel4.pageTableMap(pt, vspace, vaddr, 0));
        }
        throw new AssertionError("Page_Map still fails after three page tables");
    }

    void mapRw(long frame, long vspace, long vaddr) {
        ok(mapPage(frame, vspace, vaddr, CapRights.READ_WRITE, VmAttributes.DEFAULT));
    }

    /** The root task's processor (it has no fault handler: use only for accesses that succeed). */
    UserCpu rootCpu() {
        return sel4.cpu(ROOT_TCB).orElseThrow();
    }

    // ---- raw messages

    InvocationResult raw(long cptr, InvocationLabel label, long[] words, long... extraCaps) {
        return sel4.invoke(cptr, Message.of(label, words, extraCaps));
    }

    InvocationResult raw(long cptr, long label, long[] words, long... extraCaps) {
        return sel4.invoke(cptr, new Message(label, words, extraCaps));
    }

    /** True when the slot is empty: invoking it gives InvalidCapability with MR0 = 0 (§2.1). */
    boolean isEmpty(long cptr) {
        InvocationResult r = raw(cptr, 0, new long[0]);
        return r.capFault() == null && r.error() == Sel4Error.INVALID_CAPABILITY && r.mr(0) == 0;
    }

    // ---- introspection (read-only)

    Cap.CNodeCap rootCNodeCap() {
        for (Slot s : kernel.state().cdt().slots()) {
            if (s.index() == ROOT && s.cap() instanceof Cap.CNodeCap c && s.owner() == c.cnode()) {
                return c;
            }
        }
        throw new AssertionError("no root CNode");
    }

    Slot slotAt(long cptr) {
        SlotLookup l = CSpaceResolver.resolve(rootCNodeCap(), cptr, 64);
        assertThat(l.ok()).as("cptr %d resolves", cptr).isTrue();
        return l.slot();
    }

    Cap capAt(long cptr) {
        return slotAt(cptr).cap();
    }

    // ---- assertions

    static void ok(InvocationResult r) {
        assertThat(r.isOk()).as("expected success, got %s", r).isTrue();
    }

    static void err(InvocationResult r, Sel4Error error, long... mrs) {
        assertThat(r.capFault()).as("no cap fault in %s", r).isNull();
        assertThat(r.error()).as("error of %s", r).isEqualTo(error);
        for (int i = 0; i < mrs.length; i++) {
            assertThat(r.mr(i)).as("MR%d of %s", i, r).isEqualTo(mrs[i]);
        }
    }

    // ---- a second thread with a fault handler (§6)

    /** A thread in its own VSpace whose fault handler records faults and replies as told. */
    final class FaultThread {
        final long tcb;
        final long vspace;
        final long endpoint;
        final long faultEp;
        final UserCpu cpu;
        final List<VmFault> faults = new ArrayList<>();
        final List<Long> badges = new ArrayList<>();
        /** Decides the reply; the default never replies. */
        BiFunction<Long, VmFault, FaultReply> handler = (b, f) -> FaultReply.noReply("test handler");

        FaultThread(long badge, CapRights faultEpRights) {
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
        void restart() {
            ok(sel4.tcbSuspend(tcb));
            ok(sel4.tcbResume(tcb));
        }

        VmFault lastFault() {
            assertThat(faults).isNotEmpty();
            return faults.get(faults.size() - 1);
        }
    }

    FaultThread faultThread() {
        return new FaultThread(0x77, CapRights.ALL);
    }
}
