package org.capbuddy.kernel.invocation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.function.BiFunction;
import org.capbuddy.kernel.Kernel;
import org.capbuddy.kernel.KernelConfig;
import org.capbuddy.kernel.Sel4;
import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.api.InvocationLabel;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.Message;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.api.Sel4Error;
import org.capbuddy.kernel.api.VmAttributes;
import org.capbuddy.kernel.boot.InitialCap;
import org.capbuddy.kernel.boot.UntypedDescriptor;
import org.capbuddy.kernel.cap.Cap;
import org.capbuddy.kernel.cap.Slot;
import org.capbuddy.kernel.cost.CostSnapshot;
import org.capbuddy.kernel.cpu.FaultReply;
import org.capbuddy.kernel.cpu.UserCpu;
import org.capbuddy.kernel.cpu.VmFault;
import org.capbuddy.kernel.cspace.CSpaceResolver;
import org.capbuddy.kernel.cspace.SlotLookup;
import org.capbuddy.kernel.object.Tcb;

/**
 * A freshly booted kernel for the invocation tests: the root task's stubs, a slot allocator over
 * the boot info's empty region, retype and map shortcuts, error assertions, read-only
 * introspection for what the API cannot show (a cap's fields, a thread's state, the counters),
 * and a second thread whose fault handler the test decides.
 */
final class InvocationFx {
    static final long ROOT = InitialCap.INIT_THREAD_CNODE.cptr();
    static final long ROOT_TCB = InitialCap.INIT_THREAD_TCB.cptr();
    static final long ROOT_VSPACE = InitialCap.INIT_THREAD_VSPACE.cptr();
    static final long ASID_CONTROL = InitialCap.ASID_CONTROL.cptr();
    static final long INIT_POOL = InitialCap.INIT_THREAD_ASID_POOL.cptr();
    static final long DOMAIN = InitialCap.DOMAIN.cptr();
    /** CNode operations on the root CNode resolve all 64 bits. */
    static final int D = 64;
    static final long PAGE = 4096;
    /** An empty 512 GiB region of any VSpace the tests make (L0 index 1). */
    static final long FREE_VA = 0x80_0000_0000L;
    static final CapRights RW = CapRights.READ_WRITE;
    static final CapRights ALL = CapRights.ALL;
    static final long DEF = VmAttributes.DEFAULT;

    final Kernel kernel;
    final Sel4 sel4;
    private long nextSlot;
    private final long bigRam;

    InvocationFx() {
        kernel = Kernel.boot(KernelConfig.defaults());
        sel4 = kernel.rootTask();
        nextSlot = kernel.bootInfo().empty().start();
        bigRam = kernel.bootInfo().untypedList().stream().filter(u -> !u.device())
                .max(Comparator.comparingInt(UntypedDescriptor::sizeBits)).orElseThrow().cptr();
    }

    // ---- slots and objects

    long slot() {
        return nextSlot++;
    }

    long retype(long untyped, ObjectType type, long sizeBits) {
        long s = slot();
        ok(sel4.untypedRetype(untyped, type, sizeBits, ROOT, 0, 0, s, 1));
        return s;
    }

    /** One object of a fixed-size type, from the largest RAM boot untyped. */
    long object(ObjectType type) {
        return retype(bigRam, type, 0);
    }

    /** A fresh RAM untyped of {@code bits}: childless, watermark 0. */
    long untyped(int bits) {
        return retype(bigRam, ObjectType.UNTYPED, bits);
    }

    long cnode(int radix) {
        return retype(bigRam, ObjectType.CNODE, radix);
    }

    long assignedVSpace() {
        long v = object(ObjectType.VSPACE);
        ok(sel4.asidPoolAssign(INIT_POOL, v));
        return v;
    }

    long copy(long src, CapRights rights) {
        long s = slot();
        ok(sel4.cnodeCopy(ROOT, s, D, ROOT, src, D, rights));
        return s;
    }

    long copy(long src) {
        return copy(src, ALL);
    }

    long mint(long src, CapRights rights, long data) {
        long s = slot();
        ok(sel4.cnodeMint(ROOT, s, D, ROOT, src, D, rights, data));
        return s;
    }

    long paddr(long frame) {
        InvocationResult r = sel4.pageGetAddress(frame);
        ok(r);
        return r.mr(0);
    }

    /** Page_Map, mapping a new page table at the same vaddr after each FailedLookup. */
    InvocationResult mapPage(long frame, long vspace, long vaddr, CapRights rights, long attr) {
        for (int i = 0; i < 4; i++) {
            InvocationResult r = sel4.pageMap(frame, vspace, vaddr, rights, attr);
            if (r.error() != Sel4Error.FAILED_LOOKUP || r.capFault() != null || r.mr(1) != 2) {
                return r;
            }
            ok(sel4.pageTableMap(object(ObjectType.PAGE_TABLE), vspace, vaddr, 0));
        }
        throw new AssertionError("Page_Map still fails after three page tables");
    }

    void mapRw(long frame, long vspace, long vaddr) {
        ok(mapPage(frame, vspace, vaddr, RW, DEF));
    }

    /** The three page tables a first 4 KiB page at {@code vaddr} needs, mapped in order (L1, L2, L3). */
    long[] pageTablesFor(long vspace, long vaddr) {
        long[] tables = new long[3];
        for (int i = 0; i < 3; i++) {
            tables[i] = object(ObjectType.PAGE_TABLE);
            ok(sel4.pageTableMap(tables[i], vspace, vaddr, 0));
        }
        return tables;
    }

    InvocationResult raw(long cptr, InvocationLabel label, long[] words, long... extraCaps) {
        return sel4.invoke(cptr, Message.of(label, words, extraCaps));
    }

    /** True when the slot holds no cap. */
    boolean isEmpty(long cptr) {
        return slotAt(cptr).isEmpty();
    }

    // ---- introspection (read-only)

    Slot slotAt(long cptr) {
        SlotLookup l = CSpaceResolver.resolve(kernel.state().cdt().slots().stream()
                .filter(s -> s.index() == ROOT && s.cap() instanceof Cap.CNodeCap c && s.owner() == c.cnode())
                .findFirst().orElseThrow().cap(), cptr, D);
        assertThat(l.ok()).as("cptr %d resolves", cptr).isTrue();
        return l.slot();
    }

    Cap capAt(long cptr) {
        return slotAt(cptr).cap();
    }

    Tcb tcbAt(long cptr) {
        return ((Cap.TcbCap) capAt(cptr)).tcb();
    }

    CostSnapshot costs() {
        return kernel.costs();
    }

    // ---- assertions

    static void ok(InvocationResult r) {
        assertThat(r.isOk()).as("expected success, got %s", r).isTrue();
    }

    /** The error and its first message registers, in order. */
    static void err(InvocationResult r, Sel4Error error, long... mrs) {
        assertThat(r.capFault()).as("no cap fault in %s", r).isNull();
        assertThat(r.error()).as("error of %s", r).isEqualTo(error);
        for (int i = 0; i < mrs.length; i++) {
            assertThat(r.mr(i)).as("MR%d of %s", i, r).isEqualTo(mrs[i]);
        }
    }

    // ---- a second thread

    /** A thread in its own VSpace whose faults go, badged, to a handler that replies as the test says. */
    final class UserThread {
        final long tcb;
        final long endpoint;
        final long faultEp;
        final long vspace;
        final UserCpu cpu;
        final List<VmFault> faults = new ArrayList<>();
        /** Decides the reply; the default never replies, leaving the thread blocked on its fault. */
        BiFunction<Long, VmFault, FaultReply> handler = (b, f) -> FaultReply.noReply("test handler");

        UserThread() {
            tcb = object(ObjectType.TCB);
            endpoint = object(ObjectType.ENDPOINT);
            vspace = assignedVSpace();
            faultEp = mint(endpoint, ALL, 0x77);
            ok(sel4.tcbSetSpace(tcb, faultEp, ROOT, 0, vspace, 0));
            ok(sel4.bindFaultReceiver(endpoint, (b, f) -> {
                faults.add(f);
                return handler.apply(b, f);
            }));
            ok(sel4.tcbResume(tcb));
            cpu = sel4.cpu(tcb).orElseThrow();
        }

        Tcb thread() {
            return tcbAt(tcb);
        }
    }
}
