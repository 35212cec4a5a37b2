package org.capbuddy.kernel.invocation;

import java.util.ArrayList;
import java.util.List;

import org.capbuddy.kernel.trace.TraceKind;
import org.capbuddy.kernel.api.CapFault;
import org.capbuddy.kernel.api.InvocationLabel;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.LookupFailure;
import org.capbuddy.kernel.api.Sel4Error;
import org.capbuddy.kernel.cap.Cap;
import org.capbuddy.kernel.cap.Slot;
import org.capbuddy.kernel.cspace.CSpaceResolver;
import org.capbuddy.kernel.object.Tcb;

/**
 * The kernel entry for an invocation ({@code handleInvocation} + {@code decodeInvocation}): look
 * up the invoked cap and the extra caps in the caller's CSpace (64 bits, leftover bits allowed),
 * then hand the message to the decoder for the cap's type. Every invocation that reaches a
 * decoder is counted under its label.
 *
 * <p>A successful lookup builds nothing: the message is read from the caller's {@link IpcBuffer},
 * the extra caps' slots go into the dispatcher's one {@link ExtraCaps}, and a lookup result with
 * its failure details is made only for a cptr that does not resolve.
 */
public final class InvocationDispatcher {
    private final KernelState k;
    private final ExtraCaps extra = new ExtraCaps();

    public InvocationDispatcher(KernelState k) {
        this.k = k;
    }

    /**
     * Performs one invocation. The machine guard and the interruption point come first, before
     * anything changes, so a call from the wrong thread or an injected throwable leaves the kernel
     * as it was. While a layer above holds interruptions (it is half-way through work of its own),
     * an interruption here is kept for that layer and the invocation fails as an injected failure
     * does, NotEnoughMemory with no bytes left, without being counted: the caller then undoes its
     * work through the error paths that failure injection tests. A throwable from inside a decoder
     * may have come half-way through a change, so it marks the machine broken before it
     * propagates.
     */
    public InvocationResult invoke(Tcb caller, long cptr, IpcBuffer m) {
        k.guard().check();
        if (k.interruptions().pointOrKeep()) {
            return InvocationResult.error(Sel4Error.NOT_ENOUGH_MEMORY, 0);
        }
        try {
            return lookUpAndDecode(caller, cptr, m);
        } catch (Throwable t) {
            k.guard().markBroken("kernel invocation (label " + m.label() + " on cptr " + cptr + ")", t);
            throw t;
        } finally {
            extra.clear();
        }
    }

    private InvocationResult lookUpAndDecode(Tcb caller, long cptr, IpcBuffer m) {
        Cap root = caller.cspaceRootSlot().cap();
        Slot invoked = CSpaceResolver.find(root, cptr, CSpaceResolver.WORD_BITS);
        if (invoked == null) {
            return capFault(root, cptr);
        }
        for (int i = 0; i < m.extraCapCount(); i++) {
            long extraCptr = m.extraCap(i);
            Slot found = CSpaceResolver.find(root, extraCptr, CSpaceResolver.WORD_BITS);
            if (found == null) {
                return capFault(root, extraCptr);
            }
            extra.add(found);
        }
        InvocationLabel label = InvocationLabel.of(m.label());
        // read before decoding, which may reuse the buffer for its reply
        List<Long> args = k.tracer().on(TraceKind.INVOCATIONS) ? arguments(m) : null;
        InvocationResult result = decode(caller, label, invoked, m, extra);
        k.counters().invocation(label, result.isOk());
        if (args != null) {
            traceInvocation(label, cptr, args, extraCptrs(m), result);
        }
        return result;
    }

    /** The cap fault of a cptr that {@link CSpaceResolver#find} could not resolve, counted. */
    private static List<Long> arguments(IpcBuffer m) {
        List<Long> words = new ArrayList<>(m.length());
        for (int i = 0; i < m.length(); i++) {
            words.add(m.word(i));
        }
        return words;
    }

    private static List<Long> extraCptrs(IpcBuffer m) {
        List<Long> cptrs = new ArrayList<>(m.extraCapCount());
        for (int i = 0; i < m.extraCapCount(); i++) {
            cptrs.add(m.extraCap(i));
        }
        return cptrs;
    }

    /** The invocation as a trace event: its label, cap, message words, extra caps, and the error with its details. */
    private void traceInvocation(InvocationLabel label, long cptr, List<Long> args, List<Long> caps,
            InvocationResult result) {
        if (result.isOk()) {
            k.tracer().emit(TraceKind.INVOCATIONS, -1, -1, label.name(), "cptr", cptr, "args", args, "caps", caps,
                    "error", "none");
            return;
        }
        List<Long> details = new ArrayList<>();
        for (long w : result.words()) {
            details.add(w);
        }
        k.tracer().emit(TraceKind.INVOCATIONS, -1, -1, label.name(), "cptr", cptr, "args", args, "caps", caps,
                "error", result.error().name(), "details", details);
    }

    private InvocationResult capFault(Cap root, long cptr) {
        k.counters().capFault();
        LookupFailure failure = CSpaceResolver.resolve(root, cptr, CSpaceResolver.WORD_BITS).failure();
        return InvocationResult.capFault(new CapFault(cptr, false, failure));
    }

    private InvocationResult decode(Tcb caller, InvocationLabel label, Slot slot, IpcBuffer m, ExtraCaps extra) {
        Cap cap = slot.cap();
        if (cap == null) {
            return InvocationResult.invalidCapability(0);
        }
        if (cap instanceof Cap.Untyped) {
            return UntypedInvocations.decode(k, label, slot, m, extra);
        }
        if (cap instanceof Cap.CNodeCap cnode) {
            return CNodeInvocations.decode(k, label, cnode, m, extra);
        }
        if (Cap.FrameCap.from(cap) != null) {
            return FrameInvocations.decode(k, label, slot, m, extra);
        }
        if (cap instanceof Cap.PageTableCap) {
            return PageTableInvocations.decode(k, label, slot, m, extra);
        }
        if (cap instanceof Cap.AsidControl) {
            return AsidInvocations.makePool(k, label, m, extra);
        }
        if (cap instanceof Cap.AsidPoolCap pool) {
            return AsidInvocations.assign(k, label, pool, extra);
        }
        if (cap instanceof Cap.TcbCap tcb) {
            return TcbInvocations.decode(k, label, caller, tcb.tcb(), m, extra);
        }
        if (cap instanceof Cap.VSpaceCap vspace) {
            return VSpaceInvocations.decode(k, label, vspace, m);
        }
        // Invoking an endpoint or notification is a send or a signal, which needs the Write
        // right whatever the label; the send itself is IPC, which the model does not carry.
        if (cap instanceof Cap.EndpointCap ep && !ep.rights().canWrite()
                || cap instanceof Cap.NotificationCap n && !n.rights().canWrite()) {
            return InvocationResult.invalidCapability(0);
        }
        return InvocationResult.error(Sel4Error.ILLEGAL_OPERATION);
    }
}
