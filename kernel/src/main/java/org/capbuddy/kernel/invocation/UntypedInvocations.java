package org.capbuddy.kernel.invocation;

import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.api.InvocationLabel;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.LookupFailure;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.api.Sel4Error;
import org.capbuddy.kernel.api.VmRights;
import org.capbuddy.kernel.cap.Cap;
import org.capbuddy.kernel.cap.Slot;
import org.capbuddy.kernel.memory.HostViewClock;
import org.capbuddy.kernel.object.CNode;
import org.capbuddy.kernel.object.Endpoint;
import org.capbuddy.kernel.object.Frame;
import org.capbuddy.kernel.object.Notification;
import org.capbuddy.kernel.object.PageTable;
import org.capbuddy.kernel.object.Tcb;
import org.capbuddy.kernel.object.VSpace;

/**
 * {@code seL4_Untyped_Retype}: checks in seL4's order (the first failure wins), then the
 * watermark allocation.
 *
 * <p>Arguments: MR0 type, MR1 size_bits, MR2 node_index, MR3 node_depth, MR4 node_offset, MR5
 * num_objects; extra cap 0 is the root of the destination CNode lookup.
 *
 * <p>Allocation: an untyped with no CDT children is reset first (watermark back to 0, and for RAM
 * the memory below the old watermark zeroed), otherwise allocation continues at the watermark.
 * Objects are placed contiguously from the watermark rounded up to the object size; the gap is
 * wasted. Holes left by deleted objects are not reused while any child remains.
 */
final class UntypedInvocations {
    /** {@code CONFIG_RESET_CHUNK_BITS}: a reset clears memory in chunks of 256 bytes. */
    static final int RESET_CHUNK_BITS = 8;

    private UntypedInvocations() {
    }

    static InvocationResult decode(KernelState k, InvocationLabel label, Slot untypedSlot, IpcBuffer m,
                                   ExtraCaps extra) {
        if (label != InvocationLabel.UNTYPED_RETYPE) {
            return InvocationResult.error(Sel4Error.ILLEGAL_OPERATION);
        }
        if (m.length() < 6 || extra.count() < 1) {
            return InvocationResult.error(Sel4Error.TRUNCATED_MESSAGE);
        }
        long typeId = m.word(0);
        long userSize = m.word(1);
        long nodeIndex = m.word(2);
        long nodeDepth = m.word(3);
        long nodeOffset = m.word(4);
        long count = m.word(5);

        if (Long.compareUnsigned(typeId, ObjectType.COUNT) >= 0) {
            return InvocationResult.invalidArgument(0);
        }
        ObjectType type = ObjectType.fromId(typeId).orElseThrow();
        if (Long.compareUnsigned(userSize, 64) >= 0 || type.objectSizeBits(userSize) > ObjectType.MAX_UNTYPED_BITS) {
            return InvocationResult.rangeError(0, ObjectType.MAX_UNTYPED_BITS);
        }
        int objectBits = (int) type.objectSizeBits(userSize);
        if (type == ObjectType.CNODE && userSize == 0) {
            return InvocationResult.invalidArgument(1);
        }
        if (type == ObjectType.UNTYPED && userSize < ObjectType.MIN_UNTYPED_BITS) {
            return InvocationResult.invalidArgument(1);
        }

        Cap destCap;
        if (nodeDepth == 0) {
            destCap = extra.slot(0).cap();
        } else {
            Cap root = extra.slot(0).cap();
            Slot node = SlotLookups.forCNodeOp(root, nodeIndex, nodeDepth);
            if (node == null) {
                return SlotLookups.failure(false, root, nodeIndex, nodeDepth);
            }
            destCap = node.cap();
        }
        if (!(destCap instanceof Cap.CNodeCap destNode)) {
            return InvocationResult.failedLookup(false, LookupFailure.missingCapability((int) nodeDepth));
        }
        CNode cnode = destNode.cnode();
        long slots = cnode.slotCount();
        if (Long.compareUnsigned(nodeOffset, slots - 1) > 0) {
            return InvocationResult.rangeError(0, slots - 1);
        }
        if (count < 1 || Long.compareUnsigned(count, k.retypeFanOutLimit()) > 0) {
            return InvocationResult.rangeError(1, k.retypeFanOutLimit());
        }
        if (count > slots - nodeOffset) {
            return InvocationResult.rangeError(1, slots - nodeOffset);
        }
        for (long i = nodeOffset; i < nodeOffset + count; i++) {
            Slot s = cnode.existingSlot(i);
            if (s != null && !s.isEmpty()) {
                return InvocationResult.error(Sel4Error.DELETE_FIRST);
            }
        }

        Cap.Untyped untyped = (Cap.Untyped) untypedSlot.cap();
        boolean reset = !k.cdt().hasChildren(untypedSlot);
        long freeIndex = reset ? 0 : untyped.freeIndex();
        long freeBytes = untyped.size() - (freeIndex << Cap.Untyped.FREE_INDEX_SHIFT);
        if ((freeBytes >>> objectBits) < count) {
            return InvocationResult.error(Sel4Error.NOT_ENOUGH_MEMORY, freeBytes);
        }
        if (untyped.device() && !type.isFrame() && type != ObjectType.UNTYPED) {
            return InvocationResult.invalidArgument(1);
        }
        if (k.failures().shouldFail()) {
            return InvocationResult.error(Sel4Error.NOT_ENOUGH_MEMORY, 0);
        }

        if (reset) {
            resetUntyped(k, untyped);
        }
        long objectSize = 1L << objectBits;
        long free = untyped.paddr() + (freeIndex << Cap.Untyped.FREE_INDEX_SHIFT);
        long start = (free + objectSize - 1) & -objectSize;
        long end = start + count * objectSize;
        HostViewClock clock = k.memory().viewClock();
        untypedSlot.updateCap(untyped.withFreeIndex((end - untyped.paddr()) >>> Cap.Untyped.FREE_INDEX_SHIFT));
        for (long i = 0; i < count; i++) {
            Cap cap = create(type, start + i * objectSize, (int) userSize, untyped.device(), clock);
            k.cdt().insertNew(untypedSlot, cnode.slot(nodeOffset + i), cap);
        }
        k.counters().objectsCreated(type, count);
        return InvocationResult.ok();
    }

    /**
     * Watermark back to 0; RAM below the old watermark is zeroed, device memory never is. seL4
     * clears in whole chunks of {@link #RESET_CHUNK_BITS} bits, from the chunk holding the old
     * watermark's last byte down to the base, and an untyped smaller than a chunk all at once, so
     * the bytes cleared are the watermark rounded up to a chunk, at most the untyped's size. The
     * extra bytes were already zero (nothing above the watermark is ever handed out) but are
     * still work the kernel does.
     */
    private static void resetUntyped(KernelState k, Cap.Untyped untyped) {
        long used = untyped.freeIndex() << Cap.Untyped.FREE_INDEX_SHIFT;
        if (!untyped.device() && used > 0) {
            long chunk = 1L << RESET_CHUNK_BITS;
            long cleared = Math.min((used + chunk - 1) & -chunk, untyped.size());
            k.memory().zero(untyped.paddr(), cleared);
            k.counters().bytesZeroed(cleared);
        }
    }

    private static Cap create(ObjectType type, long paddr, int userSize, boolean device, HostViewClock clock) {
        return switch (type) {
            case UNTYPED -> new Cap.Untyped(paddr, userSize, device, 0);
            case TCB -> new Cap.TcbCap(new Tcb(paddr, (int) type.objectSizeBits(userSize), clock));
            case ENDPOINT -> new Cap.EndpointCap(new Endpoint(paddr), 0, CapRights.ALL);
            case NOTIFICATION -> new Cap.NotificationCap(new Notification(paddr), 0, CapRights.READ_WRITE);
            case CNODE -> new Cap.CNodeCap(new CNode(paddr, userSize), 0, 0);
            case SMALL_PAGE, LARGE_PAGE, HUGE_PAGE -> Cap.FrameCap.of(
                    new Frame(paddr, (int) type.objectSizeBits(userSize), device), VmRights.READ_WRITE, 0, 0);
            case VSPACE -> new Cap.VSpaceCap(new VSpace(paddr, clock), 0);
            case PAGE_TABLE -> new Cap.PageTableCap(new PageTable(paddr), false, 0, 0);
        };
    }
}
