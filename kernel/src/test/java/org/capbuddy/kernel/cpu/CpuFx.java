package org.capbuddy.kernel.cpu;

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
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.api.Sel4Error;
import org.capbuddy.kernel.api.VmAttributes;
import org.capbuddy.kernel.boot.InitialCap;
import org.capbuddy.kernel.boot.UntypedDescriptor;
import org.capbuddy.kernel.cap.Cap;
import org.capbuddy.kernel.cap.Slot;
import org.capbuddy.kernel.cspace.CSpaceResolver;
import org.capbuddy.kernel.cspace.SlotLookup;
import org.capbuddy.kernel.object.Tcb;
import org.capbuddy.kernel.object.VSpace;
import org.capbuddy.kernel.cpu.FaultReply;
import org.capbuddy.kernel.cpu.VmFault;

/** A booted kernel and a user thread with a fault handler, for the UserCpu/TLB tests. */
final class CpuFx {
    static final long ROOT = InitialCap.INIT_THREAD_CNODE.cptr();
    static final long ASID_CONTROL = InitialCap.ASID_CONTROL.cptr();
    static final long INIT_POOL = InitialCap.INIT_THREAD_ASID_POOL.cptr();
    static final int D = 64;
    static final long PAGE = 4096;
    static final long LARGE = 1L << 21;
    /** An empty 512 GiB region of a fresh VSpace (L0 index 1). */
    static final long FREE_VA = 0x80_0000_0000L;
    static final CapRights RW = CapRights.READ_WRITE;
    static final CapRights RO = CapRights.READ_ONLY;
    static final long DEF = VmAttributes.DEFAULT;

    final Kernel kernel;
    final Sel4 sel4;
    private long nextSlot;
    private final long bigRam;
    /** Page tables made by {@link #mapPage}, in creation order. */
    final List<Long> pageTables = new ArrayList<>();

    CpuFx() {
        kernel = Kernel.boot(KernelConfig.defaults());
        sel4 = kernel.rootTask();
        nextSlot = kernel.bootInfo().empty().start();
        bigRam = kernel.bootInfo().untypedList().stream().filter(u -> !u.device())
                .max(Comparator.comparingInt(UntypedDescriptor::sizeBits)).orElseThrow().cptr();
    }

    /** A VSpace whose ASID comes from a pool of its own: deleting the pool's cap takes the ASID away. */
    record PooledVSpace(long pool, long vspace) {
    }

    PooledVSpace vspaceInOwnPool() {
        long ut = object(ObjectType.UNTYPED, 12);
        long pool = slot();
        ok(sel4.asidControlMakePool(ASID_CONTROL, ut, ROOT, pool, D));
        long v = object(ObjectType.VSPACE);
        ok(sel4.asidPoolAssign(pool, v));
        return new PooledVSpace(pool, v);
    }

    long slot() {
        return nextSlot++;
    }

    long object(ObjectType type) {
        return object(type, 0);
    }

    long object(ObjectType type, int sizeBits) {
        long s = slot();
        ok(sel4.untypedRetype(bigRam, type, sizeBits, ROOT, 0, 0, s, 1));
        return s;
    }

    /** A copy (CNode_Copy) of the cap at {@code cptr} with {@code rights}, in a new slot; returns the slot. */
    long copyOf(long cptr, CapRights rights) {
        long copy = slot();
        ok(sel4.cnodeCopy(ROOT, copy, D, ROOT, cptr, D, rights));
        return copy;
    }

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

    /** Page_Map, installing page tables on FailedLookup (reusing unmapped ones from {@link #pageTables}). */
    InvocationResult mapPage(long frame, long vspace, long vaddr, CapRights rights, long attr) {
        for (int i = 0; i < 4; i++) {
            InvocationResult r = sel4.pageMap(frame, vspace, vaddr, rights, attr);
            if (r.error() != Sel4Error.FAILED_LOOKUP || r.capFault() != null) {
                return r;
            }
            long pt = pageTables.stream().filter(p -> !((Cap.PageTableCap) capAt(p)).mapped()).findFirst()
                    .orElseGet(() -> {
                        long p = object(ObjectType.PAGE_TABLE);
                        pageTables.add(p);
                        return p;
                    });
            InvocationResult m = sel4.pageTableMap(pt, vspace, vaddr, 0);
            if (!m.isOk()) {
                return m;
            }
        }
        return sel4.pageMap(frame, vspace, vaddr, rights, attr);
    }

    void mapRw(long frame, long vspace, long vaddr) {
        ok(mapPage(frame, vspace, vaddr, RW, DEF));
    }

    Cap capAt(long cptr) {
        Cap.CNodeCap root = null;
        for (Slot s : kernel.state().cdt().slots()) {
            if (s.index() == ROOT && s.cap() instanceof Cap.CNodeCap c && s.owner() == c.cnode()) {
                root = c;
            }
        }
        SlotLookup l = CSpaceResolver.resolve(root, cptr, 64);
        assertThat(l.ok()).as("cptr %d resolves", cptr).isTrue();
        return l.slot().cap();
    }

    long mmuWalks() {
        return kernel.costs().mmuWalks();
    }

    static void ok(InvocationResult r) {
        assertThat(r.isOk()).as("expected success, got %s", r).isTrue();
    }

    /** A thread in its own VSpace whose fault handler records faults and replies as told. */
    final class UserThread {
        final long tcb;
        final long endpoint;
        final long faultEp;
        long vspace;
        final UserCpu cpu;
        final List<VmFault> faults = new ArrayList<>();
        /** Decides the reply; the default never replies. */
        BiFunction<Long, VmFault, FaultReply> handler = (b, f) -> FaultReply.noReply("test handler");

        UserThread() {
            tcb = object(ObjectType.TCB);
            endpoint = object(ObjectType.ENDPOINT);
            vspace = assignedVSpace();
            faultEp = slot();
            ok(sel4.cnodeMint(ROOT, faultEp, D, ROOT, endpoint, D, CapRights.ALL, 0x77));
            ok(sel4.tcbSetSpace(tcb, faultEp, ROOT, 0, vspace, 0));
            ok(sel4.bindFaultReceiver(endpoint, (b, f) -> {
                faults.add(f);
                return handler.apply(b, f);
            }));
            ok(sel4.tcbResume(tcb));
            cpu = sel4.cpu(tcb).orElseThrow();
        }

        /** Points the thread at another VSpace (TCB_SetSpace). */
        void setVSpace(long v) {
            ok(sel4.tcbSetSpace(tcb, faultEp, ROOT, 0, v, 0));
            vspace = v;
        }

        /** Suspend + Resume: lets a thread blocked on a fault run again. */
        void restart() {
            ok(sel4.tcbSuspend(tcb));
            ok(sel4.tcbResume(tcb));
        }

        Tcb tcbObject() {
            return ((Cap.TcbCap) capAt(tcb)).tcb();
        }

        /** The VSpace the thread runs in now, or null. */
        VSpace currentVSpace() {
            return tcbObject().vspaceRootSlot().cap() instanceof Cap.VSpaceCap v ? v.vspace() : null;
        }

        VmFault lastFault() {
            assertThat(faults).isNotEmpty();
            return faults.get(faults.size() - 1);
        }
    }
}
