package org.capbuddy.kernel;

import java.util.Optional;
import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.api.InvocationLabel;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.Message;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.api.Sel4Error;
import org.capbuddy.kernel.cap.Cap;
import org.capbuddy.kernel.cspace.CSpaceResolver;
import org.capbuddy.kernel.cspace.SlotLookup;
import org.capbuddy.kernel.host.InterruptionInjector;
import org.capbuddy.kernel.host.MachineGuard;
import org.capbuddy.kernel.object.Tcb;
import org.capbuddy.kernel.cpu.FaultReceiver;
import org.capbuddy.kernel.cpu.UserCpu;

/**
 * The invocation stubs of one thread, as libsel4 gives C code: each method packs its arguments
 * into a {@link Message} exactly as libsel4 does (message registers, extra caps) and performs
 * {@code seL4_Call} on a cptr in the thread's CSpace. {@link #invoke} sends a raw message, which
 * is how fuzzers reach the decoders' length and label checks.
 *
 * <p>No method throws on bad input: every outcome, including an unresolvable cptr, is an
 * {@link InvocationResult}.
 */
public final class Sel4 {
    private final Kernel kernel;
    private final Tcb thread;

    Sel4(Kernel kernel, Tcb thread) {
        this.kernel = kernel;
        this.thread = thread;
    }

    /** {@code seL4_Call} with a raw message. */
    public InvocationResult invoke(long cptr, Message message) {
        return kernel.invoke(thread, cptr, message);
    }

    private InvocationResult call(long cptr, InvocationLabel label, long[] words, long... extraCaps) {
        return invoke(cptr, Message.of(label, words, extraCaps));
    }

    // ---- Untyped

    public InvocationResult untypedRetype(long untyped, ObjectType type, long sizeBits, long root, long nodeIndex,
                                          long nodeDepth, long nodeOffset, long numObjects) {
        return untypedRetype(untyped, type.id(), sizeBits, root, nodeIndex, nodeDepth, nodeOffset, numObjects);
    }

    /** Retype with a raw type ID, so that invalid types can be asked for. */
    public InvocationResult untypedRetype(long untyped, long typeId, long sizeBits, long root, long nodeIndex,
                                          long nodeDepth, long nodeOffset, long numObjects) {
        return call(untyped, InvocationLabel.UNTYPED_RETYPE,
                new long[] {typeId, sizeBits, nodeIndex, nodeDepth, nodeOffset, numObjects}, root);
    }

    // ---- CNode

    public InvocationResult cnodeCopy(long service, long destIndex, long destDepth, long srcRoot, long srcIndex,
                                      long srcDepth, CapRights rights) {
        return call(service, InvocationLabel.CNODE_COPY,
                new long[] {destIndex, destDepth, srcIndex, srcDepth, rights.word()}, srcRoot);
    }

    public InvocationResult cnodeMint(long service, long destIndex, long destDepth, long srcRoot, long srcIndex,
                                      long srcDepth, CapRights rights, long badge) {
        return call(service, InvocationLabel.CNODE_MINT,
                new long[] {destIndex, destDepth, srcIndex, srcDepth, rights.word(), badge}, srcRoot);
    }

    public InvocationResult cnodeMove(long service, long destIndex, long destDepth, long srcRoot, long srcIndex,
                                      long srcDepth) {
        return call(service, InvocationLabel.CNODE_MOVE, new long[] {destIndex, destDepth, srcIndex, srcDepth},
                srcRoot);
    }

    public InvocationResult cnodeMutate(long service, long destIndex, long destDepth, long srcRoot, long srcIndex,
                                        long srcDepth, long badge) {
        return call(service, InvocationLabel.CNODE_MUTATE,
                new long[] {destIndex, destDepth, srcIndex, srcDepth, badge}, srcRoot);
    }

    public InvocationResult cnodeRotate(long service, long destIndex, long destDepth, long destBadge, long pivotRoot,
                                        long pivotIndex, long pivotDepth, long pivotBadge, long srcRoot,
                                        long srcIndex, long srcDepth) {
        return call(service, InvocationLabel.CNODE_ROTATE, new long[] {destIndex, destDepth, destBadge, pivotIndex,
                pivotDepth, pivotBadge, srcIndex, srcDepth}, pivotRoot, srcRoot);
    }

    public InvocationResult cnodeDelete(long service, long index, long depth) {
        return call(service, InvocationLabel.CNODE_DELETE, new long[] {index, depth});
    }

    public InvocationResult cnodeRevoke(long service, long index, long depth) {
        return call(service, InvocationLabel.CNODE_REVOKE, new long[] {index, depth});
    }

    public InvocationResult cnodeSaveCaller(long service, long index, long depth) {
        return call(service, InvocationLabel.CNODE_SAVE_CALLER, new long[] {index, depth});
    }

    // ---- ARM VM

    public InvocationResult pageMap(long frame, long vspace, long vaddr, CapRights rights, long attributes) {
        return call(frame, InvocationLabel.ARM_PAGE_MAP, new long[] {vaddr, rights.word(), attributes}, vspace);
    }

    public InvocationResult pageUnmap(long frame) {
        return call(frame, InvocationLabel.ARM_PAGE_UNMAP, new long[0]);
    }

    /** On success MR0 is the frame's physical address. */
    public InvocationResult pageGetAddress(long frame) {
        return call(frame, InvocationLabel.ARM_PAGE_GET_ADDRESS, new long[0]);
    }

    /** Cleans the data cache for offsets [start, end) of the mapped frame ({@code seL4_ARM_Page_Clean_Data}). */
    public InvocationResult pageCleanData(long frame, long startOffset, long endOffset) {
        return call(frame, InvocationLabel.ARM_PAGE_CLEAN_DATA, new long[] {startOffset, endOffset});
    }

    /** Invalidates the data cache for offsets [start, end) of the mapped frame. */
    public InvocationResult pageInvalidateData(long frame, long startOffset, long endOffset) {
        return call(frame, InvocationLabel.ARM_PAGE_INVALIDATE_DATA, new long[] {startOffset, endOffset});
    }

    /** Cleans and invalidates the data cache for offsets [start, end) of the mapped frame. */
    public InvocationResult pageCleanInvalidateData(long frame, long startOffset, long endOffset) {
        return call(frame, InvocationLabel.ARM_PAGE_CLEAN_INVALIDATE_DATA, new long[] {startOffset, endOffset});
    }

    /** Makes instruction fetches see data written to offsets [start, end) of the mapped frame. */
    public InvocationResult pageUnifyInstruction(long frame, long startOffset, long endOffset) {
        return call(frame, InvocationLabel.ARM_PAGE_UNIFY_INSTRUCTION, new long[] {startOffset, endOffset});
    }

    public InvocationResult pageTableMap(long pageTable, long vspace, long vaddr, long attributes) {
        return call(pageTable, InvocationLabel.ARM_PAGE_TABLE_MAP, new long[] {vaddr, attributes}, vspace);
    }

    public InvocationResult pageTableUnmap(long pageTable) {
        return call(pageTable, InvocationLabel.ARM_PAGE_TABLE_UNMAP, new long[0]);
    }

    /** Cleans the data cache for virtual addresses [start, end) of the VSpace ({@code seL4_ARM_VSpace_Clean_Data}). */
    public InvocationResult vspaceCleanData(long vspace, long start, long end) {
        return call(vspace, InvocationLabel.ARM_VSPACE_CLEAN_DATA, new long[] {start, end});
    }

    /** Invalidates the data cache for virtual addresses [start, end) of the VSpace. */
    public InvocationResult vspaceInvalidateData(long vspace, long start, long end) {
        return call(vspace, InvocationLabel.ARM_VSPACE_INVALIDATE_DATA, new long[] {start, end});
    }

    /** Cleans and invalidates the data cache for virtual addresses [start, end) of the VSpace. */
    public InvocationResult vspaceCleanInvalidateData(long vspace, long start, long end) {
        return call(vspace, InvocationLabel.ARM_VSPACE_CLEAN_INVALIDATE_DATA, new long[] {start, end});
    }

    /** Makes instruction fetches see data written to virtual addresses [start, end) of the VSpace. */
    public InvocationResult vspaceUnifyInstruction(long vspace, long start, long end) {
        return call(vspace, InvocationLabel.ARM_VSPACE_UNIFY_INSTRUCTION, new long[] {start, end});
    }

    public InvocationResult asidControlMakePool(long asidControl, long untyped, long root, long index, long depth) {
        return call(asidControl, InvocationLabel.ARM_ASID_CONTROL_MAKE_POOL, new long[] {index, depth}, untyped, root);
    }

    public InvocationResult asidPoolAssign(long pool, long vspace) {
        return call(pool, InvocationLabel.ARM_ASID_POOL_ASSIGN, new long[0], vspace);
    }

    // ---- TCB

    public InvocationResult tcbSetSpace(long tcb, long faultEndpoint, long cspaceRoot, long cspaceRootData,
                                        long vspaceRoot, long vspaceRootData) {
        return call(tcb, InvocationLabel.TCB_SET_SPACE, new long[] {faultEndpoint, cspaceRootData, vspaceRootData},
                cspaceRoot, vspaceRoot);
    }

    public InvocationResult tcbResume(long tcb) {
        return call(tcb, InvocationLabel.TCB_RESUME, new long[0]);
    }

    public InvocationResult tcbSuspend(long tcb) {
        return call(tcb, InvocationLabel.TCB_SUSPEND, new long[0]);
    }

    // ---- Model-level operations (what a thread does rather than what it invokes)

    /**
     * Makes {@code receiver} the thread waiting on the endpoint {@code endpoint} for fault
     * messages (standing for a handler thread blocked in {@code seL4_Recv}). The cap must be an
     * endpoint cap with the Read (receive) right.
     */
    public InvocationResult bindFaultReceiver(long endpoint, FaultReceiver receiver) {
        SlotLookup found = CSpaceResolver.resolve(thread.cspaceRootSlot().cap(), endpoint, CSpaceResolver.WORD_BITS);
        if (!found.ok() || !(found.slot().cap() instanceof Cap.EndpointCap ep) || !ep.rights().canRead()) {
            return InvocationResult.error(Sel4Error.INVALID_CAPABILITY, 0);
        }
        ep.endpoint().setReceiver(receiver);
        return InvocationResult.ok();
    }

    /**
     * The machine's guard (owner thread, broken state): the layers above call its
     * {@code check()} at their own entries, and mark the machine broken when an interruption leaves
     * their state beyond repair.
     */
    public MachineGuard guard() {
        return kernel.guard();
    }

    /**
     * The machine's interruption switch: the layers above {@link InterruptionInjector#hold() hold}
     * it while they are half-way through work that a throwable at an invocation's entry must not
     * cut through, and rethrow what it kept once they are safe.
     */
    public InterruptionInjector interruptions() {
        return kernel.interruptions();
    }

    /** The processor running the thread whose TCB cap is {@code tcb}, if that cptr names a TCB. */
    public Optional<UserCpu> cpu(long tcb) {
        SlotLookup found = CSpaceResolver.resolve(thread.cspaceRootSlot().cap(), tcb, CSpaceResolver.WORD_BITS);
        if (!found.ok() || !(found.slot().cap() instanceof Cap.TcbCap t)) {
            return Optional.empty();
        }
        return Optional.of(new UserCpu(kernel.state(), t.tcb()));
    }
}
