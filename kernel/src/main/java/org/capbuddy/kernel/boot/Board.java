package org.capbuddy.kernel.boot;

import java.util.ArrayList;
import java.util.List;
import org.capbuddy.kernel.memory.MemoryRegion;

/**
 * The physical memory map of a simulated machine: RAM, the device regions the kernel keeps for
 * itself (interrupt controller, console UART), and the top of the physical address range. Every
 * other address below the top is user device memory, handed to the root task as device untypeds,
 * as seL4's boot does.
 *
 * @param ram RAM regions
 * @param kernelDevices MMIO the kernel uses itself; never given to user level
 * @param physicalTop the end of the physical address space scanned for device untypeds
 * @param kernelImageBytes RAM at the start of the first RAM region taken by the kernel image
 */
public record Board(List<MemoryRegion> ram, List<MemoryRegion> kernelDevices, long physicalTop, long kernelImageBytes) {
    /** QEMU's arm "virt" machine puts RAM here. */
    public static final long DEFAULT_RAM_BASE = 0x4000_0000L;
    public static final long DEFAULT_RAM_SIZE = 2L << 30;
    /** A 40-bit physical address space, as on Cortex-A53/A57 class parts. */
    public static final long DEFAULT_PHYSICAL_TOP = 1L << 40;
    public static final long DEFAULT_KERNEL_IMAGE = 2L << 20;

    public Board {
        ram = List.copyOf(ram);
        kernelDevices = List.copyOf(kernelDevices);
        if (ram.isEmpty()) {
            throw new IllegalArgumentException("a board needs RAM");
        }
    }

    /** A QEMU-virt-like board with {@code ramBytes} of RAM at 0x4000_0000. */
    public static Board virt(long ramBytes) {
        return new Board(List.of(new MemoryRegion(DEFAULT_RAM_BASE, ramBytes, false)),
                List.of(new MemoryRegion(0x0800_0000L, 0x2_0000L, true),   // GICv2 distributor + CPU interface
                        new MemoryRegion(0x0900_0000L, 0x1000L, true)),    // PL011 UART
                DEFAULT_PHYSICAL_TOP, DEFAULT_KERNEL_IMAGE);
    }

    /** The largest RAM size {@link #virt} accepts: RAM must end below the physical top. */
    public static long maxVirtRam() {
        return DEFAULT_PHYSICAL_TOP - DEFAULT_RAM_BASE;
    }

    /** User device memory: every gap below the top that is neither RAM nor a kernel device. */
    public List<MemoryRegion> userDeviceRegions() {
        List<MemoryRegion> taken = new ArrayList<>(ram);
        taken.addAll(kernelDevices);
        taken.sort((a, b) -> Long.compareUnsigned(a.base(), b.base()));
        List<MemoryRegion> gaps = new ArrayList<>();
        long cursor = 0;
        for (MemoryRegion r : taken) {
            if (r.base() > cursor) {
                gaps.add(new MemoryRegion(cursor, r.base() - cursor, true));
            }
            cursor = Math.max(cursor, r.end());
        }
        if (physicalTop > cursor) {
            gaps.add(new MemoryRegion(cursor, physicalTop - cursor, true));
        }
        return gaps;
    }

    /** Every region of the machine, RAM and device, for the physical memory model. */
    public List<MemoryRegion> allRegions() {
        List<MemoryRegion> all = new ArrayList<>(ram);
        all.addAll(kernelDevices);
        all.addAll(userDeviceRegions());
        return all;
    }
}
