package org.capbuddy.sos.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Linux arm64's signal frame, byte for byte as {@code arch/arm64/kernel/signal.c} lays it out on
 * the user stack: {@code struct rt_sigframe} (a 128-byte siginfo, then the ucontext: uc_flags,
 * uc_link, uc_stack, uc_sigmask, padding to glibc's 1024-bit set, and at offset 176 the mcontext,
 * a sigcontext of fault_address, regs[31], sp, pc, pstate and 4096 bytes of records), and above it
 * the frame record {x29, x30} that x29 points to. The records are an fpsimd_context (magic
 * 0x46508001, 528 bytes: FPSR, FPCR, V0–V31), an esr_context (0x45535201, 16 bytes) when the
 * thread's last fault left a syndrome, and a terminator (magic and size 0).
 */
final class SignalFrame {
    static final int SIZE = 4688;
    /** SIZE and the 16-byte frame record above it. */
    static final int WITH_RECORD = SIZE + 16;
    static final int SIGINFO = 0;
    static final int UCONTEXT = 128;
    static final int UC_STACK = UCONTEXT + 16;
    static final int UC_SIGMASK = UCONTEXT + 40;
    static final int MCONTEXT = UCONTEXT + 176;
    static final int FAULT_ADDRESS = MCONTEXT;
    static final int REGS = MCONTEXT + 8;
    static final int SP = MCONTEXT + 256;
    static final int PC = MCONTEXT + 264;
    static final int PSTATE = MCONTEXT + 272;
    static final int RESERVED = MCONTEXT + 288;
    static final int RESERVED_SIZE = 4096;
    static final int FPSIMD_MAGIC = 0x4650_8001;
    static final int FPSIMD_SIZE = 528;
    static final int ESR_MAGIC = 0x4553_5201;
    static final int ESR_SIZE = 16;
    /** The fpsimd_context record, first of the records. */
    static final int FPSIMD = RESERVED;

    private SignalFrame() {
    }

    /**
     * What the frame records of the interrupted thread and the signal.
     *
     * @param x X0–X30 as they were
     * @param siginfo the 128-byte siginfo, or null to leave it zero (a handler without SA_SIGINFO)
     * @param faultAddress the address of the thread's last fault, which Linux keeps for every later frame
     * @param esr the last fault's syndrome for an esr_context, or 0 for none (no fault yet, or one that records none)
     */
    record Contents(long[] x, long sp, long pc, long pstate, long faultAddress, long mask, long stackSp,
            int stackFlags, long stackSize, byte[] siginfo, long esr) {
    }

    /** The frame and its record above it, from the frame's lowest address. */
    static byte[] build(Contents c) {
        ByteBuffer b = ByteBuffer.allocate(WITH_RECORD).order(ByteOrder.LITTLE_ENDIAN);
        if (c.siginfo() != null) {
            b.put(SIGINFO, c.siginfo(), 0, 128);
        }
        b.putLong(UC_STACK, c.stackSp()).putInt(UC_STACK + 8, c.stackFlags()).putLong(UC_STACK + 16, c.stackSize());
        b.putLong(UC_SIGMASK, c.mask());
        b.putLong(FAULT_ADDRESS, c.faultAddress());
        for (int i = 0; i < 31; i++) {
            b.putLong(REGS + 8 * i, c.x()[i]);
        }
        b.putLong(SP, c.sp()).putLong(PC, c.pc()).putLong(PSTATE, c.pstate());
        // FPSR, FPCR and the V registers are the sigpage's to store: seL4 does not show them to SOS
        b.putInt(FPSIMD, FPSIMD_MAGIC).putInt(FPSIMD + 4, FPSIMD_SIZE);
        int next = FPSIMD + FPSIMD_SIZE;
        if (c.esr() != 0) {
            b.putInt(next, ESR_MAGIC).putInt(next + 4, ESR_SIZE).putLong(next + 8, c.esr());
            next += ESR_SIZE;
        }
        // the terminator is the zeros at next; then the frame record {fp, lr}
        b.putLong(SIZE, c.x()[29]).putLong(SIZE + 8, c.x()[30]);
        return b.array();
    }

    /** A 128-byte siginfo: signo, errno 0, code, then the pid and uid of a sender, or the address of a fault. */
    static byte[] siginfo(int signal, int code, boolean fault, long address, int pid) {
        ByteBuffer b = ByteBuffer.allocate(128).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, signal).putInt(8, code);
        if (fault) {
            b.putLong(16, address);
        } else {
            b.putInt(16, pid).putInt(20, 0);
        }
        return b.array();
    }

    /**
     * A child's exit signal's 128-byte siginfo, as Linux's do_notify_parent fills it: signo, errno
     * 0, CLD_EXITED or CLD_KILLED, the child's pid, uid 0 (every process of SOS's is root's),
     * si_status (the exit code, or the signal that killed it), si_utime in clock ticks and si_stime
     * 0 (SOS counts no system time).
     */
    static byte[] childSiginfo(int signal, ChildExit child) {
        ByteBuffer b = ByteBuffer.allocate(128).order(ByteOrder.LITTLE_ENDIAN);
        b.putInt(0, signal).putInt(8, ChildCode.of(child.status()).code());
        b.putInt(16, child.pid()).putInt(20, 0).putInt(24, ChildCode.statusOf(child.status()));
        b.putLong(32, child.userTicks()).putLong(40, 0);
        return b.array();
    }

    /** What rt_sigreturn takes back from a frame Linux accepts. */
    record Restored(long[] x, long sp, long pc, long nzcv, long mask, long stackSp, int stackFlags, long stackSize) {
    }

    private static final long PSR_MODE_MASK = 0x1F; // EL0t and AArch64: both must be 0
    private static final long PSR_DAIF = 0x3C0;
    private static final long PSR_NZCV = 0xF000_0000L;

    /**
     * The frame read back at rt_sigreturn, or null when Linux would refuse it (its
     * {@code restore_sigframe}): a pstate that is not EL0t AArch64 with D, A, I and F clear, or
     * records that do not parse (each a multiple of 16 bytes within the area, fpsimd_context
     * exactly once and of its size, esr_context allowed, nothing unknown, a terminator of size 0).
     */
    static Restored parse(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long pstate = b.getLong(PSTATE);
        if ((pstate & PSR_MODE_MASK) != 0 || (pstate & PSR_DAIF) != 0) {
            return null;
        }
        if (!recordsValid(b)) {
            return null;
        }
        long[] x = new long[31];
        for (int i = 0; i < 31; i++) {
            x[i] = b.getLong(REGS + 8 * i);
        }
        return new Restored(x, b.getLong(SP), b.getLong(PC), pstate & PSR_NZCV, b.getLong(UC_SIGMASK),
                b.getLong(UC_STACK), b.getInt(UC_STACK + 8), b.getLong(UC_STACK + 16));
    }

    private static boolean recordsValid(ByteBuffer b) {
        boolean fpsimd = false;
        int offset = 0;
        while (true) {
            // a record's head must fit, and leave room for the terminator after it
            if (offset > RESERVED_SIZE - 8) {
                return false;
            }
            int magic = b.getInt(RESERVED + offset);
            int size = b.getInt(RESERVED + offset + 4);
            if (magic == 0) {
                return size == 0 && fpsimd;
            }
            if (size < 8 || (size & 15) != 0 || size > RESERVED_SIZE - offset) {
                return false;
            }
            if (magic == FPSIMD_MAGIC) {
                if (fpsimd || size != FPSIMD_SIZE) {
                    return false;
                }
                fpsimd = true;
            } else if (magic != ESR_MAGIC) {
                return false;
            }
            offset += size;
        }
    }
}
