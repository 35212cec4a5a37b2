package org.capbuddy.kernel;

import org.capbuddy.kernel.cap.Cap;
import org.capbuddy.kernel.cspace.CSpaceResolver;
import org.capbuddy.kernel.cspace.SlotLookup;
import org.capbuddy.kernel.invocation.KernelState;
import org.capbuddy.kernel.object.Endpoint;
import org.capbuddy.kernel.object.Tcb;
import org.capbuddy.kernel.object.ThreadState;
import org.capbuddy.kernel.vm.AccessKind;
import org.capbuddy.kernel.vm.FaultReply;
import org.capbuddy.kernel.vm.Mmu;
import org.capbuddy.kernel.vm.Translation;
import org.capbuddy.kernel.vm.VmFault;

/**
 * The processor as one thread sees it: every user load, store and instruction fetch goes through
 * the MMU over the thread's VSpace. A failed translation raises a VM fault that is delivered, as
 * in non-MCS seL4, to the endpoint named by the thread's fault handler cptr (looked up in the
 * thread's own CSpace at fault time; it must be an endpoint cap with Write and Grant or
 * GrantReply, else the thread becomes inactive). A handler that replies makes the access run
 * again.
 *
 * <p>A handler that replies without fixing the fault would make real hardware fault forever;
 * the model stops after {@link #MAX_REFAULTS} consecutive faults on one access and returns the
 * last fault, leaving the thread blocked on it.
 */
public final class UserCpu {
    public static final int MAX_REFAULTS = 64;

    private final KernelState k;
    private final Tcb thread;

    UserCpu(KernelState k, Tcb thread) {
        this.k = k;
        this.thread = thread;
    }

    public ThreadState state() {
        return thread.state();
    }

    /**
     * Translates an access, delivering faults to the handler until the access succeeds, the
     * handler does not reply, or the thread cannot run. A result with a fault means the access did
     * not happen.
     */
    public Translation translate(long vaddr, AccessKind kind, long ip) {
        Translation last = null;
        for (int attempt = 0; attempt <= MAX_REFAULTS; attempt++) {
            if (thread.state() != ThreadState.RUNNING) {
                return last != null ? last : Mmu.translate(null, vaddr, kind, ip);
            }
            k.counters().mmuWalk();
            last = Mmu.translate(currentVSpace(), vaddr, kind, ip);
            if (!last.isFault() || deliver(last.fault()) != FaultReply.RESUME) {
                return last;
            }
        }
        thread.setState(ThreadState.BLOCKED_ON_FAULT);
        return last;
    }

    /** Loads {@code size} bytes (1, 2, 4 or 8) little-endian; see {@link AccessResult}. */
    public AccessResult load(long vaddr, int size) {
        long value = 0;
        for (int i = 0; i < size; ) {
            Translation t = translate(vaddr + i, AccessKind.READ, vaddr);
            if (t.isFault()) {
                return AccessResult.faulted(t.fault());
            }
            int run = (int) Math.min(size - i, (1L << t.pageBits()) - ((vaddr + i) & ((1L << t.pageBits()) - 1)));
            run = Math.min(run, 4096 - (int) (t.paddr() & 4095));
            long part = k.memory().readLittleEndian(t.paddr(), run);
            value |= part << (8 * i);
            i += run;
        }
        return AccessResult.ok(value);
    }

    /** Stores the low {@code size} bytes (1, 2, 4 or 8) of {@code value} little-endian. */
    public AccessResult store(long vaddr, int size, long value) {
        for (int i = 0; i < size; ) {
            Translation t = translate(vaddr + i, AccessKind.WRITE, vaddr);
            if (t.isFault()) {
                return AccessResult.faulted(t.fault());
            }
            int run = (int) Math.min(size - i, (1L << t.pageBits()) - ((vaddr + i) & ((1L << t.pageBits()) - 1)));
            run = Math.min(run, 4096 - (int) (t.paddr() & 4095));
            k.memory().writeLittleEndian(t.paddr(), run, value >>> (8 * i));
            i += run;
        }
        return AccessResult.ok(0);
    }

    /** An instruction fetch at {@code pc}: checks execute permission; returns no data. */
    public AccessResult fetch(long pc) {
        Translation t = translate(pc, AccessKind.EXECUTE, pc);
        return t.isFault() ? AccessResult.faulted(t.fault()) : AccessResult.ok(0);
    }

    /** Changes whenever a translation of this thread's address space is removed or replaced. */
    public long translationEpoch() {
        var vspace = currentVSpace();
        return vspace == null ? -1 : vspace.translationEpoch();
    }

    private org.capbuddy.kernel.object.VSpace currentVSpace() {
        return thread.vspaceRootSlot().cap() instanceof Cap.VSpaceCap v ? v.vspace() : null;
    }

    private FaultReply deliver(VmFault fault) {
        SlotLookup handler = CSpaceResolver.resolve(thread.cspaceRootSlot().cap(), thread.faultEndpoint(),
                CSpaceResolver.WORD_BITS);
        if (!handler.ok() || !(handler.slot().cap() instanceof Cap.EndpointCap ep) || !ep.rights().canWrite()
                || !(ep.rights().canGrant() || ep.rights().canGrantReply())) {
            thread.setState(ThreadState.INACTIVE);
            return FaultReply.NO_REPLY;
        }
        k.counters().faultDelivered();
        thread.setState(ThreadState.BLOCKED_ON_FAULT);
        Endpoint endpoint = ep.endpoint();
        if (endpoint.receiver() == null) {
            return FaultReply.NO_REPLY;
        }
        FaultReply reply = endpoint.receiver().onFault(ep.badge(), fault);
        if (reply == FaultReply.RESUME && thread.state() == ThreadState.BLOCKED_ON_FAULT) {
            thread.setState(ThreadState.RUNNING);
        }
        return reply;
    }

    /** The outcome of a load, store or fetch: the value read, or the fault that stopped it. */
    public record AccessResult(long value, VmFault fault) {
        static AccessResult ok(long value) {
            return new AccessResult(value, null);
        }

        static AccessResult faulted(VmFault fault) {
            return new AccessResult(0, fault);
        }

        public boolean isOk() {
            return fault == null;
        }
    }
}
