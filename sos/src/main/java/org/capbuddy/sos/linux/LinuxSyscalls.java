package org.capbuddy.sos.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import org.capbuddy.kernel.Sel4;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.trace.TraceKind;
import org.capbuddy.kernel.cpu.FaultMessage;
import org.capbuddy.kernel.cpu.FaultReply;
import org.capbuddy.sos.Errno;
import org.capbuddy.sos.SysResult;
import org.capbuddy.sos.Syscalls;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.process.ProcessTraps;

/**
 * SOS's Linux personality: answers a process's {@code svc #0} (delivered as
 * seL4_Fault_UnknownSyscall) as Linux AArch64 would for a static musl program. The call number is
 * in x8, which the fault message does not carry (it has X0–X7), so SOS reads it with
 * TCB_ReadRegisters, as a seL4 handler must; the arguments are X0–X5 from the message. The reply
 * sets X0 to the result (a negative errno on failure) and moves FaultIP past the {@code svc}.
 * exit and exit_group get no reply: the process has stopped.
 *
 * <p>A pointer argument that is not memory of the process with the right needed is -EFAULT, never
 * a kill. Time and randomness are deterministic: clock_gettime counts from a fixed epoch in steps
 * of one millisecond per system call, and getrandom draws from the process's seeded stream.
 */
public final class LinuxSyscalls implements ProcessTraps {
    /** Words of TCB_ReadRegisters that reach x8: pc, sp, spsr, x0..x8. */
    private static final int REGISTERS_TO_X8 = 12;
    private static final int X8_WORD = 11;
    /** Largest iovec count, as Linux's UIO_MAXIOV. */
    private static final int MAX_IOV = 1024;
    private static final int MAX_TRANSFER = Syscalls.MAX_WRITE;
    private static final long TIOCGWINSZ = 0x5413;
    /** 2026-01-01T00:00:00Z, the clock's fixed start. */
    private static final long EPOCH_SECONDS = 1_767_225_600L;

    private final Sel4 sel4;
    private final java.util.function.Function<Process, Syscalls> syscalls;
    private final Map<Integer, LinuxProcess> processes = new HashMap<>();

    /**
     * @param sel4 SOS's kernel interface (for TCB_ReadRegisters)
     * @param syscalls SOS's memory and console calls for a process
     */
    public LinuxSyscalls(Sel4 sel4, java.util.function.Function<Process, Syscalls> syscalls) {
        this.sel4 = sel4;
        this.syscalls = syscalls;
    }

    /** Gives {@code p} its Linux state (standard input and seed); a process without one has empty input and seed 0. */
    public void attach(Process p, LinuxProcess state) {
        processes.put(p.pid(), state);
    }

    public LinuxProcess state(Process p) {
        return processes.computeIfAbsent(p.pid(), pid -> new LinuxProcess(new byte[0], 0));
    }

    /** Forgets a process that has been torn down. */
    public void detach(Process p) {
        processes.remove(p.pid());
    }

    @Override
    public FaultReply onSystemCall(Process p, FaultMessage m) {
        InvocationResult registers = sel4.tcbReadRegisters(p.tcbCptr(), false, REGISTERS_TO_X8);
        if (!registers.isOk()) {
            return FaultReply.noReply("SOS could not read the caller's x8: " + registers);
        }
        long number = registers.mr(X8_WORD);
        LinuxProcess state = state(p);
        LinuxSyscall call = LinuxSyscall.of(number);
        long result;
        if (call == null) {
            state.countUnknown(number);
            result = -Errno.ENOSYS.code();
        } else {
            state.count(call);
            if (call == LinuxSyscall.EXIT || call == LinuxSyscall.EXIT_GROUP) {
                long code = m.word(0) & 0xFF;
                if (sel4.tracer().on(TraceKind.SYSCALLS)) {
                    sel4.tracer().emit(TraceKind.SYSCALLS, p.pid(), p.instructionsNow(), call.linuxName(), "x0", m.word(0));
                }
                syscalls.apply(p).exit(code);
                return FaultReply.noReply(call.linuxName() + "(" + code + ")");
            }
            result = serve(call, p, state, m);
        }
        if (sel4.tracer().on(TraceKind.SYSCALLS)) {
            sel4.tracer().emit(TraceKind.SYSCALLS, p.pid(), p.instructionsNow(), call == null ? "#" + number : call.linuxName(),
                    "x0", m.word(0), "x1", m.word(1), "x2", m.word(2), "result", result);
        }
        m.setWord(FaultMessage.SYSCALL_X0, result);
        m.setWord(FaultMessage.SYSCALL_FAULT_IP, m.word(FaultMessage.SYSCALL_FAULT_IP) + 4);
        m.setReplyLength(FaultMessage.SYSCALL_FAULT_IP + 1);
        return FaultReply.RESUME;
    }

    private long serve(LinuxSyscall call, Process p, LinuxProcess state, FaultMessage m) {
        Syscalls sys = syscalls.apply(p);
        long a0 = m.word(0);
        long a1 = m.word(1);
        long a2 = m.word(2);
        return switch (call) {
            case BRK -> sys.brk(a0);
            case MMAP -> {
                SysResult mapped = sys.mmap(a0, a1, (int) a2, (int) m.word(3), m.word(4), m.word(5));
                if (mapped.isOk()) {
                    state.mapped(mapped.value());
                }
                yield mapped.returnRegister();
            }
            case MUNMAP -> sys.munmap(a0, a1).returnRegister();
            case MPROTECT -> sys.mprotect(a0, a1, (int) a2).returnRegister();
            case WRITE -> write(sys, a0, a1, a2);
            case WRITEV -> vector(sys, state, a0, a1, a2, true);
            case READ -> read(sys, state, a0, a1, a2);
            case READV -> vector(sys, state, a0, a1, a2, false);
            case SET_TID_ADDRESS -> {
                state.setClearChildTid(a0);
                yield p.pid();
            }
            case GETPID, GETTID -> p.pid();
            case IOCTL -> (int) a0 >= 0 && (int) a0 <= 2 ? -Errno.ENOTTY.code() : -Errno.EBADF.code();
            case CLOCK_GETTIME -> clockGettime(sys, state, (int) a0, a1);
            case GETRANDOM -> getrandom(sys, state, a0, a1);
            case EXIT, EXIT_GROUP -> throw new IllegalStateException("exit is answered before serve");
        };
    }

    private static long write(Syscalls sys, long fd, long buffer, long count) {
        if (fd != 1 && fd != 2) {
            return -Errno.EBADF.code();
        }
        int n = transfer(count);
        if (n == 0) {
            return 0;
        }
        byte[] bytes = sys.copyFromUser(buffer, n);
        if (bytes == null) {
            return -Errno.EFAULT.code();
        }
        sys.console(bytes, n);
        return n;
    }

    private static long read(Syscalls sys, LinuxProcess state, long fd, long buffer, long count) {
        if (fd != 0) {
            return -Errno.EBADF.code();
        }
        int n = transfer(count);
        SysResult bad = sys.checkUserBuffer(buffer, n, true);
        if (bad != null) {
            return -Errno.EFAULT.code();
        }
        byte[] bytes = state.takeStdin(n);
        if (bytes.length > 0 && !sys.copyToUser(buffer, bytes, bytes.length)) {
            state.giveBackStdin(bytes.length);
            return -Errno.EFAULT.code();
        }
        return bytes.length;
    }

    /** writev and readv: each iovec in turn; an error after some bytes moved returns the bytes moved. */
    private static long vector(Syscalls sys, LinuxProcess state, long fd, long iov, long count, boolean write) {
        if (count < 0 || count > MAX_IOV) {
            return -Errno.EINVAL.code();
        }
        byte[] vectors = sys.copyFromUser(iov, (int) count * 16);
        if (count > 0 && vectors == null) {
            return -Errno.EFAULT.code();
        }
        ByteBuffer entries = ByteBuffer.wrap(vectors == null ? new byte[0] : vectors).order(ByteOrder.LITTLE_ENDIAN);
        long total = 0;
        for (int i = 0; i < count; i++) {
            long base = entries.getLong(16 * i);
            long length = entries.getLong(16 * i + 8);
            long moved = write ? write(sys, fd, base, length) : read(sys, state, fd, base, length);
            if (moved < 0) {
                return total > 0 ? total : moved;
            }
            total += moved;
            if (moved < length) {
                break;
            }
        }
        return total;
    }

    private static long clockGettime(Syscalls sys, LinuxProcess state, int clock, long timespec) {
        if (clock < 0 || clock > 7) {
            return -Errno.EINVAL.code();
        }
        long millis = state.totalCalls();
        long seconds = (clock == 0 || clock == 5 ? EPOCH_SECONDS : 0) + millis / 1000;
        long nanos = (millis % 1000) * 1_000_000;
        byte[] bytes = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putLong(seconds).putLong(nanos).array();
        return sys.copyToUser(timespec, bytes, 16) ? 0 : -Errno.EFAULT.code();
    }

    /** A size_t count as the bytes one call moves: at most MAX_TRANSFER (a short transfer, as Linux may make). */
    private static int transfer(long count) {
        return count < 0 || count > MAX_TRANSFER ? MAX_TRANSFER : (int) count;
    }

    private static long getrandom(Syscalls sys, LinuxProcess state, long buffer, long count) {
        int n = transfer(count);
        if (sys.checkUserBuffer(buffer, n, true) != null) {
            return -Errno.EFAULT.code();
        }
        return sys.copyToUser(buffer, state.randomBytes(n), n) ? n : -Errno.EFAULT.code();
    }
}
