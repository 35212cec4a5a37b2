package org.capbuddy.sos.user;

import org.capbuddy.kernel.cpu.AccessFailure;
import org.capbuddy.kernel.cpu.MicroTlb;
import org.capbuddy.kernel.cpu.UserCpu;
import org.capbuddy.sos.Syscalls;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.process.Process;

/**
 * What a user program running in an SOS process has: memory reached only through the process's
 * MMU (loads and stores of 1, 2, 4 and 8 bytes; a fault SOS refuses ends the program with a
 * {@link MemoryFault}), a stack pointer with frames pushed and popped on the real stack, and
 * the system calls.
 */
public final class UserContext implements UserMemory {
    private final Process process;
    private final Syscalls syscalls;
    private final UserCpu cpu;
    /** Loads and stores go through it: a Java program touches one page many times in a row. */
    private final MicroTlb accesses;
    private long sp = Layout.STACK_TOP;

    /**
     * The runtime of {@code process}, making its system calls through {@code syscalls}. Without a
     * process every access is refused with a {@link MemoryFault} (and brk reports 0), as for a
     * process that does not exist.
     */
    public UserContext(Process process, Syscalls syscalls) {
        this.process = process;
        this.syscalls = syscalls;
        this.cpu = process == null ? null : process.cpu();
        this.accesses = cpu == null ? null : new MicroTlb(cpu);
    }

    private MemoryFault noProcess(long vaddr, String what) {
        return new MemoryFault(vaddr, what + " refused: no process");
    }

    @Override
    public long load(long vaddr, int size) throws MemoryFault {
        MicroTlb tlb = accesses;
        if (tlb == null) {
            throw noProcess(vaddr, "load");
        }
        long value = tlb.read(vaddr, size);
        // failed(), not failure() != null: the JIT does not inline failure() while no access has
        // ever failed (its return type's class is not loaded yet), which cost a TLB hit 1.7 ns
        if (tlb.cpu().failed()) {
            throw refused(vaddr, "load");
        }
        return value;
    }

    @Override
    public void store(long vaddr, int size, long value) throws MemoryFault {
        MicroTlb tlb = accesses;
        if (tlb == null) {
            throw noProcess(vaddr, "store");
        }
        if (!tlb.write(vaddr, size, value)) {
            throw refused(vaddr, "store");
        }
    }

    /**
     * The program's access did not happen: the fault SOS refused (its kill report, which the
     * handler gave as its reason for not replying) or the CPU's own refusal (a bad size, a
     * buffer that does not hold the range, a thread no longer running).
     */
    private MemoryFault refused(long vaddr, String what) {
        AccessFailure failure = cpu.failure();
        String why = failure.handlerRefused() ? failure.detail() : failure.toString();
        return new MemoryFault(vaddr, what + " refused: " + why);
    }

    /** An instruction fetch at {@code pc}: checks that the page may be executed; returns the instruction word. */
    public int execute(long pc) throws MemoryFault {
        if (cpu == null) {
            throw noProcess(pc, "execute");
        }
        int word = cpu.fetch(pc);
        if (cpu.failed()) {
            throw refused(pc, "execute");
        }
        return word;
    }

    /** Copies {@code len} bytes of user memory at {@code vaddr} into {@code dst}. */
    public void copyIn(long vaddr, byte[] dst, int off, int len) throws MemoryFault {
        if (cpu == null) {
            throw noProcess(vaddr, "block read");
        }
        cpu.copyIn(vaddr, dst, off, len);
        if (cpu.failed()) {
            throw refused(vaddr, "block read");
        }
    }

    /** Copies {@code len} bytes of {@code src} into user memory at {@code vaddr}. */
    public void copyOut(long vaddr, byte[] src, int off, int len) throws MemoryFault {
        if (cpu == null) {
            throw noProcess(vaddr, "block write");
        }
        cpu.copyOut(vaddr, src, off, len);
        if (cpu.failed()) {
            throw refused(vaddr, "block write");
        }
    }

    @Override
    public long brk(long newBreak) {
        return syscalls == null ? 0 : syscalls.brk(newBreak);
    }

    public Syscalls sys() {
        return syscalls;
    }

    public Process process() {
        return process;
    }

    /** The stack pointer. */
    public long sp() {
        return sp;
    }

    /** Makes room for {@code bytes} on the stack (16-byte aligned) and returns the frame's address. */
    public long pushFrame(long bytes) {
        sp = (sp - bytes) & -16L;
        return sp;
    }

    /** Pops back to a stack pointer returned earlier by {@link #pushFrame}'s caller. */
    public void popTo(long stackPointer) {
        sp = stackPointer;
    }
}
