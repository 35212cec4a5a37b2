package org.capbuddy.kernel.boot;

import java.util.List;
import java.util.Map;

/**
 * What the kernel hands the root task at boot ({@code seL4_BootInfo}): where its caps are in the
 * root CNode, the untyped list, and the addresses of its IPC buffer and boot info frame.
 *
 * @param initialCaps the fixed slots 0..15 and what each holds ("null" when empty)
 */
public record BootInfo(
        int initThreadCNodeSizeBits,
        long ipcBufferVaddr,
        long bootInfoVaddr,
        long userImageVaddr,
        SlotRegion empty,
        SlotRegion userImagePaging,
        SlotRegion userImageFrames,
        SlotRegion untyped,
        List<UntypedDescriptor> untypedList,
        Map<InitialCap, String> initialCaps,
        int droppedUntypeds) {

    public BootInfo {
        untypedList = List.copyOf(untypedList);
        initialCaps = Map.copyOf(initialCaps);
    }

    public long ramUntypedBytes() {
        return untypedList.stream().filter(u -> !u.device()).mapToLong(UntypedDescriptor::size).sum();
    }

    public long deviceUntypedBytes() {
        return untypedList.stream().filter(UntypedDescriptor::device).mapToLong(UntypedDescriptor::size).sum();
    }
}
