package org.capbuddy.kernel.cpu;

/**
 * The outcome of one MMU access check: either the physical address and the page it lies in, or
 * the VM fault the access raises.
 *
 * @param paddr the physical address, when there is no fault
 * @param pageVaddr the virtual base of the page or block that translated the address
 * @param pageBits the size of that page or block (12, 21 or 30)
 * @param writable whether user writes to the page are allowed (for software TLBs)
 * @param fault the fault, or null
 */
public record Translation(long paddr, long pageVaddr, int pageBits, boolean writable, VmFault fault) {

    public boolean isFault() {
        return fault != null;
    }
}
