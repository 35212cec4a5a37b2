package org.capbuddy.kernel;

import java.util.Optional;
import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.api.CdtDump;
import org.capbuddy.kernel.api.InvocationLabel;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.Message;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.api.PagingDump;
import org.capbuddy.kernel.api.PagingWalk;
import org.capbuddy.kernel.api.Sel4Error;
import org.capbuddy.kernel.cap.Cap;
import org.capbuddy.kernel.cap.CdtDumper;
import org.capbuddy.kernel.cspace.CSpaceResolver;
import org.capbuddy.kernel.cspace.SlotLookup;
import org.capbuddy.kernel.host.InterruptionInjector;
import org.capbuddy.kernel.host.MachineGuard;
import org.capbuddy.kernel.object.Tcb;
import org.capbuddy.kernel.object.VSpace;
import org.capbuddy.kernel.cpu.FaultReceiver;
import org.capbuddy.kernel.cpu.UserContextLayout;
import org.capbuddy.kernel.cpu.ThreadRunner;
import org.capbuddy.kernel.cpu.UserCpu;
import org.capbuddy.kernel.invocation.IpcBuffer;
import org.capbuddy.kernel.trace.Tracer;
import org.capbuddy.kernel.vm.PagingDumper;

/**
 * The invocation stubs of one thread, as libsel4 gives C code: each method packs its arguments
 * into the thread's IPC buffer exactly as libsel4 does (message registers, extra caps) and
 * performs {@code seL4_Call} on a cptr in the thread's CSpace, building no message object on the
 * way. {@link #invoke} sends a raw {@link Message}, which is how fuzzers reach the decoders'
 * length and label checks.
 *
 * <p>No method throws on bad input: every outcome, including an unresolvable cptr, is an
 * {@link InvocationResult}.
 */
public final class Sel4 {
    private final Kernel kernel;
    private final Tcb thread;
    /** The thread's IPC buffer: every stub writes its message here, so a call builds none. */
    private final IpcBuffer ipc = new IpcBuffer();

    Sel4(Kernel kernel, Tcb thread) {
        this.kernel = kernel;
        this.thread = thread;
    }

    /** {@code seL4_Call} with a raw message. */
    public InvocationResult invoke(long cptr, Message message) {
        kernel.guard().check();
        if (message == null) {
            return InvocationResult.error(Sel4Error.ILLEGAL_OPERATION);
        }
        ipc.load(message);
        return call(cptr);
    }

    /**
     * A null where seL4 has a word (rights, an object type) cannot be put in a message: refused as
     * the kernel refuses a word it cannot take, with the argument's index, and nothing invoked.
     */
    private InvocationResult nullArgument(int index) {
        kernel.guard().check();
        return InvocationResult.invalidArgument(index);
    }

    /**
     * Starts the message of a stub in the IPC buffer. The machine guard comes first: a call from a
     * thread that does not own the machine must fail before it overwrites the owner's buffer.
     */
    private IpcBuffer message(InvocationLabel label) {
        kernel.guard().check();
        return ipc.begin(label);
    }

    /** {@code seL4_Call} on {@code cptr} with the message now in the IPC buffer. */
    private InvocationResult call(long cptr) {
        return kernel.invoke(thread, cptr, ipc);
    }

    // ---- Untyped

    public InvocationResult untypedRetype(long untyped, ObjectType type, long sizeBits, long root, long nodeIndex,
                                          long nodeDepth, long nodeOffset, long numObjects) {
        if (type == null) {
            return nullArgument(0);
        }
        return untypedRetype(untyped, type.id(), sizeBits, root, nodeIndex, nodeDepth, nodeOffset, numObjects);
    }

    /** Retype with a raw type ID, so that invalid types can be asked for. */
    public InvocationResult untypedRetype(long untyped, long typeId, long sizeBits, long root, long nodeIndex,
                                          long nodeDepth, long nodeOffset, long numObjects) {
        message(InvocationLabel.UNTYPED_RETYPE).add(typeId).add(sizeBits).add(nodeIndex).add(nodeDepth)
                .add(nodeOffset).add(numObjects).addCap(root);
        return call(untyped);
    }

    // ---- CNode

    public InvocationResult cnodeCopy(long service, long destIndex, long destDepth, long srcRoot, long srcIndex,
                                      long srcDepth, CapRights rights) {
        if (rights == null) {
            return nullArgument(4);
        }
        message(InvocationLabel.CNODE_COPY).add(destIndex).add(destDepth).add(srcIndex).add(srcDepth)
                .add(rights.word()).addCap(srcRoot);
        return call(service);
    }

    public InvocationResult cnodeMint(long service, long destIndex, long destDepth, long srcRoot, long srcIndex,
                                      long srcDepth, CapRights rights, long badge) {
        if (rights == null) {
            return nullArgument(4);
        }
        message(InvocationLabel.CNODE_MINT).add(destIndex).add(destDepth).add(srcIndex).add(srcDepth)
                .add(rights.word()).add(badge).addCap(srcRoot);
        return call(service);
    }

    public InvocationResult cnodeMove(long service, long destIndex, long destDepth, long srcRoot, long srcIndex,
                                      long srcDepth) {
        message(InvocationLabel.CNODE_MOVE).add(destIndex).add(destDepth).add(srcIndex).add(srcDepth)
                .addCap(srcRoot);
        return call(service);
    }

    public InvocationResult cnodeMutate(long service, long destIndex, long destDepth, long srcRoot, long srcIndex,
                                        long srcDepth, long badge) {
        message(InvocationLabel.CNODE_MUTATE).add(destIndex).add(destDepth).add(srcIndex).add(srcDepth)
                .add(badge).addCap(srcRoot);
        return call(service);
    }

    public InvocationResult cnodeRotate(long service, long destIndex, long destDepth, long destBadge, long pivotRoot,
                                        long pivotIndex, long pivotDepth, long pivotBadge, long srcRoot,
                                        long srcIndex, long srcDepth) {
        message(InvocationLabel.CNODE_ROTATE).add(destIndex).add(destDepth).add(destBadge).add(pivotIndex)
                .add(pivotDepth).add(pivotBadge).add(srcIndex).add(srcDepth).addCap(pivotRoot).addCap(srcRoot);
        return call(service);
    }

    public InvocationResult cnodeDelete(long service, long index, long depth) {
        message(InvocationLabel.CNODE_DELETE).add(index).add(depth);
        return call(service);
    }

    public InvocationResult cnodeRevoke(long service, long index, long depth) {
        message(InvocationLabel.CNODE_REVOKE).add(index).add(depth);
        return call(service);
    }

    public InvocationResult cnodeSaveCaller(long service, long index, long depth) {
        message(InvocationLabel.CNODE_SAVE_CALLER).add(index).add(depth);
        return call(service);
    }

    // ---- ARM VM

    public InvocationResult pageMap(long frame, long vspace, long vaddr, CapRights rights, long attributes) {
        if (rights == null) {
            return nullArgument(1);
        }
        message(InvocationLabel.ARM_PAGE_MAP).add(vaddr).add(rights.word()).add(attributes).addCap(vspace);
        return call(frame);
    }

    public InvocationResult pageUnmap(long frame) {
        message(InvocationLabel.ARM_PAGE_UNMAP);
        return call(frame);
    }

    /** On success MR0 is the frame's physical address. */
    public InvocationResult pageGetAddress(long frame) {
        message(InvocationLabel.ARM_PAGE_GET_ADDRESS);
        return call(frame);
    }

    /** Cleans the data cache for offsets [start, end) of the mapped frame ({@code seL4_ARM_Page_Clean_Data}). */
    public InvocationResult pageCleanData(long frame, long startOffset, long endOffset) {
        message(InvocationLabel.ARM_PAGE_CLEAN_DATA).add(startOffset).add(endOffset);
        return call(frame);
    }

    /** Invalidates the data cache for offsets [start, end) of the mapped frame. */
    public InvocationResult pageInvalidateData(long frame, long startOffset, long endOffset) {
        message(InvocationLabel.ARM_PAGE_INVALIDATE_DATA).add(startOffset).add(endOffset);
        return call(frame);
    }

    /** Cleans and invalidates the data cache for offsets [start, end) of the mapped frame. */
    public InvocationResult pageCleanInvalidateData(long frame, long startOffset, long endOffset) {
        message(InvocationLabel.ARM_PAGE_CLEAN_INVALIDATE_DATA).add(startOffset).add(endOffset);
        return call(frame);
    }

    /** Makes instruction fetches see data written to offsets [start, end) of the mapped frame. */
    public InvocationResult pageUnifyInstruction(long frame, long startOffset, long endOffset) {
        message(InvocationLabel.ARM_PAGE_UNIFY_INSTRUCTION).add(startOffset).add(endOffset);
        return call(frame);
    }

    public InvocationResult pageTableMap(long pageTable, long vspace, long vaddr, long attributes) {
        message(InvocationLabel.ARM_PAGE_TABLE_MAP).add(vaddr).add(attributes).addCap(vspace);
        return call(pageTable);
    }

    public InvocationResult pageTableUnmap(long pageTable) {
        message(InvocationLabel.ARM_PAGE_TABLE_UNMAP);
        return call(pageTable);
    }

    /** Cleans the data cache for virtual addresses [start, end) of the VSpace ({@code seL4_ARM_VSpace_Clean_Data}). */
    public InvocationResult vspaceCleanData(long vspace, long start, long end) {
        message(InvocationLabel.ARM_VSPACE_CLEAN_DATA).add(start).add(end);
        return call(vspace);
    }

    /** Invalidates the data cache for virtual addresses [start, end) of the VSpace. */
    public InvocationResult vspaceInvalidateData(long vspace, long start, long end) {
        message(InvocationLabel.ARM_VSPACE_INVALIDATE_DATA).add(start).add(end);
        return call(vspace);
    }

    /** Cleans and invalidates the data cache for virtual addresses [start, end) of the VSpace. */
    public InvocationResult vspaceCleanInvalidateData(long vspace, long start, long end) {
        message(InvocationLabel.ARM_VSPACE_CLEAN_INVALIDATE_DATA).add(start).add(end);
        return call(vspace);
    }

    /** Makes instruction fetches see data written to virtual addresses [start, end) of the VSpace. */
    public InvocationResult vspaceUnifyInstruction(long vspace, long start, long end) {
        message(InvocationLabel.ARM_VSPACE_UNIFY_INSTRUCTION).add(start).add(end);
        return call(vspace);
    }

    public InvocationResult asidControlMakePool(long asidControl, long untyped, long root, long index, long depth) {
        message(InvocationLabel.ARM_ASID_CONTROL_MAKE_POOL).add(index).add(depth).addCap(untyped).addCap(root);
        return call(asidControl);
    }

    public InvocationResult asidPoolAssign(long pool, long vspace) {
        message(InvocationLabel.ARM_ASID_POOL_ASSIGN).addCap(vspace);
        return call(pool);
    }

    // ---- TCB

    public InvocationResult tcbSetSpace(long tcb, long faultEndpoint, long cspaceRoot, long cspaceRootData,
                                        long vspaceRoot, long vspaceRootData) {
        message(InvocationLabel.TCB_SET_SPACE).add(faultEndpoint).add(cspaceRootData).add(vspaceRootData)
                .addCap(cspaceRoot).addCap(vspaceRoot);
        return call(tcb);
    }

    public InvocationResult tcbResume(long tcb) {
        message(InvocationLabel.TCB_RESUME);
        return call(tcb);
    }

    public InvocationResult tcbSuspend(long tcb) {
        message(InvocationLabel.TCB_SUSPEND);
        return call(tcb);
    }

    /**
     * {@code seL4_TCB_ReadRegisters}: the first {@code count} (1..36) registers of the thread in
     * {@code seL4_UserContext} order (see {@code UserContextLayout}), as the result's words; with
     * {@code suspend} the thread is suspended first.
     */
    public InvocationResult tcbReadRegisters(long tcb, boolean suspend, long count) {
        message(InvocationLabel.TCB_READ_REGISTERS).add(suspend ? 1 : 0).add(count);
        return call(tcb);
    }

    /**
     * {@code seL4_TCB_WriteRegisters}: sets the thread's first {@code registers.length} registers in
     * {@code seL4_UserContext} order; with {@code resume} a stopped thread is restarted. Words past
     * the 36 of a {@code seL4_UserContext} are not sent, as the C struct has no room for them.
     */
    public InvocationResult tcbWriteRegisters(long tcb, boolean resume, long... registers) {
        // No array is no registers: a write of none, which seL4 accepts.
        int count = registers == null ? 0 : Math.min(registers.length, UserContextLayout.REGISTERS);
        IpcBuffer m = message(InvocationLabel.TCB_WRITE_REGISTERS).add(resume ? 1 : 0).add(count);
        for (int i = 0; i < count; i++) {
            m.add(registers[i]);
        }
        return call(tcb);
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

    /**
     * A runner for the thread whose TCB cap is {@code tcb}: its user code on the A64 interpreter,
     * through the processor {@link #cpu} gives, if that cptr names a TCB.
     */
    public Optional<ThreadRunner> runner(long tcb) {
        return cpu(tcb).map(ThreadRunner::new);
    }

    /**
     * The translation tables of the VSpace whose cap is {@code vspace}, read from the kernel's
     * tables (see {@link PagingDump}), if that cptr names a VSpace.
     */
    public Optional<PagingDump> pageTables(long vspace) {
        kernel.state().guard().check();
        return vspaceAt(vspace).map(v -> PagingDumper.dump(v, kernel.state().cdt()));
    }

    /**
     * The walk the MMU makes for {@code vaddr} through the tables of the VSpace whose cap is
     * {@code vspace} (see {@link PagingWalk}), if that cptr names a VSpace.
     */
    public Optional<PagingWalk> pageWalk(long vspace, long vaddr) {
        kernel.state().guard().check();
        return vspaceAt(vspace).map(v -> PagingDumper.walk(v, vaddr));
    }

    /**
     * The {@code size} bytes (1 to 8, within one 4 KiB page) at {@code vaddr} in the VSpace whose
     * cap is {@code vspace}, little-endian, read as a debugger reads a stopped thread's memory:
     * through the tables as the kernel holds them, for inspection only (not an invocation: it
     * uses no TLB, delivers no fault, costs no modelled cycle and changes nothing). Empty where
     * nothing is mapped, the cptr names no VSpace, or the size or range is not one access.
     */
    public java.util.OptionalLong peek(long vspace, long vaddr, int size) {
        kernel.state().guard().check();
        if (size < 1 || size > Long.BYTES || (vaddr & 0xFFF) > 0x1000 - size) {
            return java.util.OptionalLong.empty();
        }
        Optional<PagingWalk> walk = vspaceAt(vspace).map(v -> PagingDumper.walk(v, vaddr));
        if (walk.isEmpty() || !walk.get().translated()) {
            return java.util.OptionalLong.empty();
        }
        PagingWalk.Step page = walk.get().steps().get(walk.get().steps().size() - 1);
        // a level-3 entry maps 4 KiB, level 2 2 MiB, level 1 1 GiB
        int pageBits = 12 + 9 * (3 - page.level());
        long paddr = page.targetPaddr() + (vaddr & ((1L << pageBits) - 1));
        return java.util.OptionalLong.of(kernel.state().memory().readLittleEndian(paddr, size));
    }

    /** The VSpace the cap at {@code cptr} (in this thread's CSpace) names, if it is a VSpace cap. */
    private Optional<VSpace> vspaceAt(long cptr) {
        SlotLookup found = CSpaceResolver.resolve(thread.cspaceRootSlot().cap(), cptr, CSpaceResolver.WORD_BITS);
        if (!found.ok() || !(found.slot().cap() instanceof Cap.VSpaceCap v)) {
            return Optional.empty();
        }
        return Optional.of(v.vspace());
    }

    /** The machine's event trace, which every layer above may also emit into (off until started). */
    public Tracer tracer() {
        return kernel.state().tracer();
    }

    /**
     * The whole capability derivation tree as a tree (see {@link CdtDump}), for inspection, as
     * seL4's debug calls are: not an invocation, and it changes nothing.
     */
    public CdtDump cdtDump() {
        kernel.state().guard().check();
        return CdtDumper.dump(kernel.state().cdt());
    }

    /** The processor running the thread whose TCB cap is {@code tcb}, if that cptr names a TCB. */
    public Optional<UserCpu> cpu(long tcb) {
        SlotLookup found = CSpaceResolver.resolve(thread.cspaceRootSlot().cap(), tcb, CSpaceResolver.WORD_BITS);
        if (!found.ok() || !(found.slot().cap() instanceof Cap.TcbCap t)) {
            return Optional.empty();
        }
        return UserCpu.of(kernel.state(), t.tcb());
    }
}
