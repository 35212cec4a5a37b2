package org.capbuddy.sos.user;

import org.capbuddy.kernel.UserCpu;
import org.capbuddy.sos.Syscalls;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.process.ProcessState;

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
    private long sp = Layout.STACK_TOP;

    public UserContext(Process process, Syscalls syscalls) {
        this.process = process;
        this.syscalls = syscalls;
        this.cpu = process.cpu();
    }

    @Override
    public long load(long vaddr, int size) throws MemoryFault {
        UserCpu.AccessResult r = cpu.load(vaddr, size);
        if (!r.isOk()) {
            throw fault(vaddr, "load", r);
        }
        return r.value();
    }

    @Override
    public void store(long vaddr, int size, long value) throws MemoryFault {
        UserCpu.AccessResult r = cpu.store(vaddr, size, value);
        if (!r.isOk()) {
            throw fault(vaddr, "store", r);
        }
    }

    private MemoryFault fault(long vaddr, String what, UserCpu.AccessResult r) {
        String why = process.state() == ProcessState.KILLED && process.killReport() != null
                ? process.killReport().toString() : String.valueOf(r.fault());
        return new MemoryFault(vaddr, what + " refused: " + why);
    }

    /** An instruction fetch at {@code pc}: checks that the page may be executed. */
    public void execute(long pc) throws MemoryFault {
        UserCpu.AccessResult r = cpu.fetch(pc);
        if (!r.isOk()) {
            throw fault(pc, "execute", r);
        }
    }

    /** Copies {@code len} bytes of user memory at {@code vaddr} into {@code dst}. */
    public void copyIn(long vaddr, byte[] dst, int off, int len) throws MemoryFault {
        UserCpu.AccessResult r = cpu.copyIn(vaddr, dst, off, len);
        if (!r.isOk()) {
            throw fault(vaddr, "block read", r);
        }
    }

    /** Copies {@code len} bytes of {@code src} into user memory at {@code vaddr}. */
    public void copyOut(long vaddr, byte[] src, int off, int len) throws MemoryFault {
        UserCpu.AccessResult r = cpu.copyOut(vaddr, src, off, len);
        if (!r.isOk()) {
            throw fault(vaddr, "block write", r);
        }
    }

    @Override
    public long brk(long newBreak) {
        return syscalls.brk(newBreak);
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
