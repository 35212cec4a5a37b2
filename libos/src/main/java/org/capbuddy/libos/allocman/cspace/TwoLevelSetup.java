package org.capbuddy.libos.allocman.cspace;

import java.util.Comparator;
import java.util.Optional;
import org.capbuddy.kernel.Sel4;
import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.boot.BootInfo;
import org.capbuddy.kernel.boot.InitialCap;
import org.capbuddy.kernel.boot.UntypedDescriptor;
import org.capbuddy.libos.vka.AllocError;
import org.capbuddy.libos.vka.Result;

/**
 * Re-guards the root task's CSpace for a {@link TwoLevelCSpace} (what allocman's bootstrap does
 * before attaching a {@code two_level} cspace), on a freshly booted kernel.
 *
 * <p>Before: the root CNode (radix R) has guard 0 of 64−R bits, so cptr s is slot s. After:
 * <pre>
 *   cptr = [ guard 0: 64-R-B bits | root slot: R bits | L2 slot: B bits ]
 * </pre>
 * A root slot holding an L2 CNode resolves on into it; a root slot holding any other cap is found
 * with B bits left over, which cap lookups allow. So an original root slot s is now cptr
 * {@code s << B}.
 *
 * <p>Recipe (slot A, an empty root slot; B = l2Bits):
 * <ol>
 *   <li>Retype an L2 CNode (radix B) into root slot A.</li>
 *   <li>Mint the root CNode cap into its slot 0 with guard size 64−R−B (guard 0). After the
 *       switch that copy is at cptr {@code A << B}: the cap to invoke for CNode operations.</li>
 *   <li>{@code TCB_SetSpace(tcb, 0, rootCNode, cRootData = 64−R−B, vspace, 0)} gives the thread
 *       the same re-guarded root.</li>
 * </ol>
 * Each step is invoked through the old CSpace; on a failure the L2 CNode (and with it the minted
 * copy) is deleted again, so the kernel is as before.
 */
public final class TwoLevelSetup {
    private TwoLevelSetup() {
    }

    /**
     * The re-guarded CSpace.
     *
     * @param rootCptr cptr of the re-guarded root CNode cap ({@code A << l2Bits})
     * @param l2Bits radix of the L2 CNodes
     * @param rootHolderL1 root slot A, whose L2 holds the re-guarded root cap in its slot 0
     * @param rootRadix radix R of the root CNode
     * @param holderUntyped the boot untyped (old cptr) the L2 in slot A was retyped from; it has a
     *     child now, so it cannot be split like the others
     */
    public record Switched(long rootCptr, int l2Bits, long rootHolderL1, int rootRadix, long holderUntyped) {

        /** The cptr now naming the (non-CNode) cap in original root slot {@code slot}. */
        public long translate(long slot) {
            return slot << l2Bits;
        }

        /** Depth addressing a root slot through {@link #rootCptr}: {@code 64 - l2Bits}. */
        public int l1Depth() {
            return 64 - l2Bits;
        }

        /** A two-level cspace over root slots [l1First, l1End), never touching slot A. */
        public TwoLevelConfig config(long l1First, long l1End) {
            return new TwoLevelConfig(rootCptr, l2Bits, l1First, l1End, rootHolderL1);
        }
    }

    /**
     * Switches using the first empty root slot as A and the smallest RAM untyped that can hold
     * the L2 CNode.
     */
    public static Result<Switched> switchRoot(Sel4 sel4, BootInfo bootInfo, int l2Bits) {
        Optional<UntypedDescriptor> untyped = bootInfo.untypedList().stream()
                .filter(u -> !u.device() && u.sizeBits() >= l2Bits + ObjectType.SLOT_BITS)
                .min(Comparator.comparingInt(UntypedDescriptor::sizeBits));
        if (untyped.isEmpty()) {
            return Errors.badArgument("no RAM untyped can hold an L2 CNode of 2^" + l2Bits + " slots");
        }
        return switchRoot(sel4, bootInfo, untyped.get().cptr(), bootInfo.empty().start(), l2Bits);
    }

    /**
     * Switches using root slot {@code slotA} (empty, in the boot info's empty region) for the L2
     * that holds the re-guarded root cap, retyped from {@code untyped} (a cptr of the old
     * CSpace).
     */
    public static Result<Switched> switchRoot(Sel4 sel4, BootInfo bootInfo, long untyped, long slotA, int l2Bits) {
        int radix = bootInfo.initThreadCNodeSizeBits();
        int guardBits = 64 - radix - l2Bits;
        // cRootData 0 would mean "keep the cap as it is", so the new guard must be at least 1 bit.
        if (l2Bits < 1 || l2Bits > TwoLevelConfig.MAX_L2_BITS || guardBits < 1) {
            return Errors.badArgument("L2 radix must be 1.." + Math.min(TwoLevelConfig.MAX_L2_BITS, 63 - radix)
                    + " with a root CNode of 2^" + radix + " slots, got " + l2Bits);
        }
        if (slotA < bootInfo.empty().start() || slotA >= bootInfo.empty().end()) {
            return Errors.badArgument("slot " + slotA + " is not in the empty region [" + bootInfo.empty().start()
                    + ", " + bootInfo.empty().end() + ")");
        }
        long root = InitialCap.INIT_THREAD_CNODE.cptr();
        InvocationResult made = sel4.untypedRetype(untyped, ObjectType.CNODE, l2Bits, root, 0, 0, slotA, 1);
        if (!made.isOk()) {
            return Result.fail(AllocError.kernel("retyping the L2 CNode for the root cap into slot " + slotA, made));
        }
        InvocationResult minted = sel4.cnodeMint(slotA, 0, l2Bits, root, root, 64, CapRights.ALL, guardBits);
        if (!minted.isOk()) {
            return undo(sel4, slotA, AllocError.kernel("minting the re-guarded root CNode cap", minted));
        }
        InvocationResult switched = sel4.tcbSetSpace(InitialCap.INIT_THREAD_TCB.cptr(), 0, root, guardBits,
                InitialCap.INIT_THREAD_VSPACE.cptr(), 0);
        if (!switched.isOk()) {
            return undo(sel4, slotA, AllocError.kernel("TCB_SetSpace with the re-guarded root", switched));
        }
        return Result.ok(new Switched(slotA << l2Bits, l2Bits, slotA, radix, untyped));
    }

    /** Deletes the L2 CNode in slot A (its contents go with it), still in the old CSpace. */
    private static Result<Switched> undo(Sel4 sel4, long slotA, AllocError why) {
        InvocationResult deleted = sel4.cnodeDelete(InitialCap.INIT_THREAD_CNODE.cptr(), slotA, 64);
        if (!deleted.isOk()) {
            return Result.fail(new AllocError(why.kind(), why.detail() + "; deleting the L2 CNode in slot " + slotA
                    + " again also failed: " + deleted, why.kernelResult()));
        }
        return Result.fail(why);
    }
}
