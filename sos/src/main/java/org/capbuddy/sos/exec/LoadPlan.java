package org.capbuddy.sos.exec;

import org.capbuddy.aarch64.elf.ElfImage;
import org.capbuddy.kernel.cpu.UserContextLayout;
import org.capbuddy.sos.addrspace.AddressSpace;

/**
 * Everything SOS needs to start a program, worked out before it makes any object: the parsed
 * image, where it goes, the address space around it and the stack image. The address space is
 * the new process's own, so a plan is used once.
 *
 * @param image the program
 * @param bias what was added to the image's addresses (0 for {@code ET_EXEC})
 * @param addressSpace the program's regions, the stack and the IPC buffer
 * @param stack the initial stack, below {@code Layout.STACK_TOP}
 */
public record LoadPlan(ElfImage image, long bias, AddressSpace addressSpace, StackImage stack) {

    /** Where the program starts: its entry point moved by the bias. */
    public long entry() {
        return image.entry() + bias;
    }

    /**
     * The thread's registers in {@code seL4_UserContext} order: pc at the entry, sp at the stack
     * image, everything else 0 (SPSR 0 is EL0 with clear flags; x0 0 is "no exit handler", as
     * Linux passes it).
     */
    public long[] registers() {
        long[] regs = new long[UserContextLayout.REGISTERS];
        regs[UserContextLayout.PC] = entry();
        regs[UserContextLayout.SP] = stack.sp();
        regs[UserContextLayout.SPSR] = 0;
        return regs;
    }
}
