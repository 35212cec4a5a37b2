package org.capbuddy.sos.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.function.Function;
import org.capbuddy.kernel.Sel4;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.cpu.FaultMessage;
import org.capbuddy.kernel.cpu.FaultReply;
import org.capbuddy.kernel.trace.TraceKind;
import org.capbuddy.sos.Errno;
import org.capbuddy.sos.Syscalls;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.process.KillReport;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.process.ProcessTraps;

/**
 * The signal half of SOS's Linux personality: the calls that send, block, set up and return from
 * signals (kill, tkill, tgkill, rt_sigaction, rt_sigprocmask, sigaltstack, rt_sigreturn), delivery
 * on the way out of each call, and the signals of faults SOS cannot serve. A handler runs as Linux
 * arm64 runs it: SOS writes the signal frame ({@link SignalFrame}) on the process's stack through
 * its window and sets the registers with TCB_WriteRegisters to enter the handler through its
 * signal page ({@link SigPage}), which saves and restores the FP/SIMD registers seL4 does not show
 * SOS; rt_sigreturn reads the frame back.
 */
final class LinuxSignals {
    private static final int SIGKILL = 9;
    private static final int SIGSTOP = 19;
    private static final int MAX_SIGNAL = 64;
    /** Linux's SYNCHRONOUS_MASK: SIGILL, SIGTRAP, SIGBUS, SIGFPE, SIGSEGV and SIGSYS, which it delivers first. */
    private static final long SYNCHRONOUS = 1L << (4 - 1) | 1L << (5 - 1) | 1L << (7 - 1) | 1L << (8 - 1) | 1L << (11 - 1)
            | 1L << (31 - 1);

    private final Sel4 sel4;
    private final Function<Process, Syscalls> syscalls;

    LinuxSignals(Sel4 sel4, Function<Process, Syscalls> syscalls) {
        this.sel4 = sel4;
        this.syscalls = syscalls;
    }

    private static final int SIGSEGV = 11;
    /** kill's si_code. */
    static final int SI_USER = 0;
    static final int SI_TKILL = -6;
    /** The si_code of a signal the kernel sends of itself, as force_sig does. */
    private static final int SI_KERNEL = 0x80;
    private static final int SEGV_MAPERR = 1;
    private static final int SEGV_ACCERR = 2;
    private static final long PSR_NZCV = 0xF000_0000L;
    private static final int SS_ONSTACK = 1;
    private static final int SS_DISABLE = 2;
    /** sigaltstack's SS_AUTODISARM, which SOS does not model (refused with ENOSYS). */
    private static final int SS_AUTODISARM = 1 << 31;
    /** arm64's MINSIGSTKSZ: the smallest alternate stack sigaltstack accepts. */
    private static final long MINSIGSTKSZ = 5120;
    private static final int PC = org.capbuddy.kernel.cpu.UserContextLayout.PC;
    private static final int SP = org.capbuddy.kernel.cpu.UserContextLayout.SP;
    private static final int SPSR = org.capbuddy.kernel.cpu.UserContextLayout.SPSR;
    private static final int REGISTERS = org.capbuddy.kernel.cpu.UserContextLayout.REGISTERS;

    static int dyingOf(LinuxProcess state) {
        int signal = state.dying();
        state.setDying(0);
        return signal;
    }

    /** The signal number of a kill, tkill or tgkill argument: 0 to 64, or -1 when invalid. */
    private static int signalNumber(int signal) {
        return signal < 0 || signal > MAX_SIGNAL ? -1 : signal;
    }

    private static boolean ignoredByDefault(int signal) {
        return signal == 17 || signal == 18 || signal == 23 || signal == 28; // SIGCHLD, SIGCONT, SIGURG, SIGWINCH
    }

    private static boolean stopsByDefault(int signal) {
        return signal == SIGSTOP || signal == 20 || signal == 21 || signal == 22; // SIGTSTP, SIGTTIN, SIGTTOU
    }

    /**
     * kill, tkill, tgkill to the caller itself, as Linux's send_signal: one the process ignores and
     * does not block is discarded; one that would stop it (with no handler) is refused, as SOS
     * cannot stop a process; any other is made pending on the thread's list, as tkill and tgkill
     * send ({@link LinuxProcess#queue}: a second of a standard signal while one is pending there is
     * merged with it, keeping the first's siginfo; each real-time one is queued, EAGAIN past
     * RLIMIT_SIGPENDING) and delivered on the way back to user space unless blocked.
     */
    static long send(LinuxProcess state, int number, String call, int code) {
        return send(state, number, call, code, false);
    }

    /**
     * The SIGALRM of an expired ITIMER_REAL, as Linux's it_real_fn sends it: to the process's list,
     * with SI_KERNEL and no sender, judged as a kill of itself would be.
     */
    static void sendTimerSignal(LinuxProcess state, String call) {
        send(state, IntervalTimers.SIGALRM, call, SI_KERNEL, true, false);
    }

    /**
     * A child's exit signal (SIGCHLD for fork) to its parent, to the process's list as Linux's
     * do_notify_parent sends it, with CLD_EXITED or CLD_KILLED as its code and the child's pid,
     * status and user time in its siginfo ({@link ChildExit}); judged as any signal (discarded when
     * ignored and not blocked, SIGCHLD's default; a second while one is pending merged with it).
     */
    static void sendChildSignal(LinuxProcess parent, int signal, ChildExit child) {
        send(parent, signal, "the exit of child " + child.pid(), ChildCode.of(child.status()).code(), true, false, 0,
                child);
    }

    /** {@link #send} to the process's list ({@code toProcess}, as kill sends) or the thread's. */
    private static long send(LinuxProcess state, int number, String call, int code, boolean toProcess) {
        return send(state, number, call, code, toProcess, true);
    }

    /**
     * kill, tkill or tgkill from process {@code sender} (0: the receiver itself), judged as {@link #send} judges
     * one the receiver sends itself; its siginfo names the sender. Delivery is the caller's
     * business ({@link LinuxSyscalls}: a blocked receiver is woken, a runnable one gets it before
     * it runs again).
     */
    static long sendFrom(int sender, LinuxProcess state, int number, String call, int code, boolean toProcess) {
        return send(state, number, call, code, toProcess, true, sender);
    }

    /** Whether {@code number} is no signal kill may send (valid signals are 0 to 64). */
    static boolean invalid(int number) {
        return signalNumber(number) < 0;
    }

    private static long send(LinuxProcess state, int number, String call, int code, boolean toProcess, boolean named) {
        return send(state, number, call, code, toProcess, named, 0);
    }

    /** {@link #send}, its siginfo naming the sender ({@code named}: {@code sender}, or the receiver when 0) or not. */
    private static long send(LinuxProcess state, int number, String call, int code, boolean toProcess, boolean named,
            int sender) {
        return send(state, number, call, code, toProcess, named, sender, null);
    }

    /** {@link #send}, the siginfo of a child's exit signal telling of {@code child} (null for any other signal). */
    private static long send(LinuxProcess state, int number, String call, int code, boolean toProcess, boolean named,
            int sender, ChildExit child) {
        int signal = signalNumber(number);
        if (signal < 0) {
            return -Errno.EINVAL.code();
        }
        if (signal == 0) {
            return 0; // only asks whether the process exists
        }
        // a blocked signal is kept pending whatever its action, which may change before it is
        // unblocked (Linux's sig_ignored, which also counts the mask sigtimedwait put aside);
        // SIGKILL and SIGSTOP are never in the mask
        boolean blocked = ((state.blockedSignals() | state.realBlocked()) & Sigsets.bit(signal)) != 0;
        if (!blocked && ignored(state, signal)) {
            return 0;
        }
        if (!blocked && stopsByDefault(signal) && !state.action(signal).isHandler()) {
            refuseStop(state, signal, call);
            return -Errno.ENOSYS.code();
        }
        return state.queue(signal, new PendingSignal(code, named, sender, call, child), toProcess) ? 0
                : -Errno.EAGAIN.code();
    }

    /**
     * Linux's SIG_KERNEL_COREDUMP_MASK on arm64: SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS, SIGFPE,
     * SIGSEGV, SIGXCPU, SIGXFSZ and SIGSYS, whose default action dumps core.
     */
    private static final long COREDUMP_MASK = Sigsets.bit(3) | Sigsets.bit(4) | Sigsets.bit(5) | Sigsets.bit(6)
            | Sigsets.bit(7) | Sigsets.bit(8) | Sigsets.bit(SIGSEGV) | Sigsets.bit(24) | Sigsets.bit(25)
            | Sigsets.bit(31);

    /**
     * A pending signal the mask lets through whose action is the default, that default kills and
     * does not dump core (SIGKILL among them): what Linux's complete_signal turns into the group's
     * SIGKILL at once, which a killable wait (a vfork parent's) ends for. A core-dumping one is
     * left to be delivered when the wait ends (complete_signal skips it, so wait_for_vfork_done
     * goes on and the parent dies of it once its child has ended). 0 when there is none.
     */
    static int fatalPending(LinuxProcess state) {
        long open = state.pendingSignals() & ~state.blockedSignals();
        for (long rest = open; rest != 0; rest &= rest - 1) {
            int signal = Long.numberOfTrailingZeros(rest) + 1;
            if (fatalAtOnce(state, signal)) {
                return signal;
            }
        }
        return 0;
    }

    /** Whether {@code signal}, sent now, would kill a killable wait at once (see {@link #fatalPending}). */
    static boolean wouldKill(LinuxProcess state, int signal) {
        return (state.blockedSignals() & Sigsets.bit(signal)) == 0 && fatalAtOnce(state, signal);
    }

    private static boolean fatalAtOnce(LinuxProcess state, int signal) {
        return killsByDefault(state, signal) && (COREDUMP_MASK & Sigsets.bit(signal)) == 0;
    }

    /**
     * Whether {@code signal}, sent now, would end a wait: not blocked, and not ignored, or kept
     * though ignored as an rt_sigtimedwait's mask before (real_blocked) blocks it.
     */
    static boolean wouldWake(LinuxProcess state, int signal) {
        return (state.blockedSignals() & Sigsets.bit(signal)) == 0
                && (!ignored(state, signal) || (state.realBlocked() & Sigsets.bit(signal)) != 0);
    }

    /**
     * Whether a blocked wait would end now: {@link #deliverable}, or, for an rt_sigtimedwait (its
     * set unblocked, the mask before kept as real_blocked), a signal of its set pending that it
     * keeps though ignored, as the mask before blocked it. Outside such a wait, {@link #deliverable}.
     */
    static boolean endsWait(LinuxProcess state) {
        return deliverable(state) || (state.pendingSignals() & ~state.blockedSignals() & state.realBlocked()) != 0;
    }

    /**
     * The lowest signal of {@code set} pending whose default kills at once ({@link #fatalPending}'s
     * kind): one an rt_sigtimedwait waited for that was not blocked before the wait, which Linux's
     * complete_signal turns into the group's SIGKILL as it arrives; 0 when there is none.
     */
    static int fatalOf(LinuxProcess state, long set) {
        for (long rest = state.pendingSignals() & set; rest != 0; rest &= rest - 1) {
            int signal = Long.numberOfTrailingZeros(rest) + 1;
            if (fatalAtOnce(state, signal)) {
                return signal;
            }
        }
        return 0;
    }

    /** Whether the signal's action is to ignore it: SIG_IGN, or SIG_DFL for one whose default is to. */
    private static boolean ignored(LinuxProcess state, int signal) {
        if (signal == SIGKILL || signal == SIGSTOP) {
            return false;
        }
        long handler = state.action(signal).handler();
        return handler == SignalAction.SIG_IGN || handler == SignalAction.SIG_DFL && ignoredByDefault(signal);
    }

    /**
     * Whether a wait would end now: a signal is pending that the mask lets through and whose action
     * is not to ignore it (Linux restarts a wait that an ignored one interrupted).
     */
    static boolean deliverable(LinuxProcess state) {
        long open = state.pendingSignals() & ~state.blockedSignals();
        for (long rest = open; rest != 0; rest &= rest - 1) {
            if (!ignored(state, Long.numberOfTrailingZeros(rest) + 1)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Drops the pending signals the mask lets through whose action is to ignore them, but for
     * {@code kept}: what Linux's get_signal does to them when a wait is interrupted and restarted
     * (an ignored signal that a wait's mask opens is taken and thrown away, not left pending).
     */
    static void dropIgnoredOpen(LinuxProcess state, long kept) {
        long open = state.pendingSignals() & ~state.blockedSignals() & ~kept;
        for (long rest = open; rest != 0; rest &= rest - 1) {
            int signal = Long.numberOfTrailingZeros(rest) + 1;
            if (ignored(state, signal)) {
                while ((state.pendingSignals() & Sigsets.bit(signal)) != 0) {
                    state.take(signal);
                }
            }
        }
    }

    /** Whether {@code signal}'s action is the default and that default ends the process. */
    static boolean killsByDefault(LinuxProcess state, int signal) {
        return state.action(signal).handler() == SignalAction.SIG_DFL && !ignoredByDefault(signal)
                && !stopsByDefault(signal);
    }

    /**
     * The signal Linux's dequeue_signal takes next among the pending ones in {@code allowed}: from
     * the thread's list before the process's, and within one SIGSEGV, SIGBUS, SIGILL, SIGTRAP,
     * SIGFPE and SIGSYS first, then the lowest; 0 when none is pending.
     */
    static int nextSignal(LinuxProcess state, long allowed) {
        long candidates = state.threadPendingSignals() & allowed;
        if (candidates == 0) {
            candidates = state.pendingSignals() & allowed;
        }
        if (candidates == 0) {
            return 0;
        }
        long first = (candidates & SYNCHRONOUS) != 0 ? candidates & SYNCHRONOUS : candidates;
        return Long.numberOfTrailingZeros(first) + 1;
    }

    private static void refuseStop(LinuxProcess state, int signal, String call) {
        state.refuse(call + ": stopping the process (" + KillReport.signalName(signal) + ")");
    }

    /**
     * What delivering the pending signals did: whether frames were pushed (the registers in hand
     * now enter a handler), and the signal the process dies of (0 for none) with why, when the
     * why is not the signal's default action (a frame that could not be written).
     */
    private record Delivery(boolean pushed, int kill, String why) {
    }

    /**
     * Delivers the pending signals the mask does not block, those on the thread's list before the
     * process's and within one SIGSEGV, SIGBUS, SIGILL, SIGTRAP, SIGFPE and SIGSYS before the
     * others and otherwise lowest first, as Linux does on the
     * way back to user space: one now ignored is dropped, one that would stop the process is
     * refused (SOS cannot stop one) and dropped, one with a handler gets a frame (and the next is
     * judged under the mask that handler runs with, its frame pushed on top, so that it runs first;
     * when its frame cannot be written, SIGSEGV is forced, {@link #forceSigsegv}), and the first
     * whose default action terminates ends the process. Each real-time instance is delivered on its
     * own. {@code regs} are the
     * registers the process returns to (seL4_UserContext order); a frame changes them.
     */
    private Delivery deliverPending(Process p, LinuxProcess state, long[] regs, String via) {
        boolean pushed = false;
        String forced = null; // why SIGSEGV was forced, when a frame could not be written
        while (true) {
            int signal = nextSignal(state, ~state.blockedSignals());
            if (signal == 0) {
                return new Delivery(pushed, 0, null);
            }
            PendingSignal instance = state.take(signal);
            if (ignored(state, signal)) {
                continue;
            }
            SignalAction action = state.action(signal);
            if (!action.isHandler()) {
                if (stopsByDefault(signal)) {
                    refuseStop(state, signal, via + " (delivering it)");
                    continue;
                }
                return new Delivery(pushed, signal, signal == SIGSEGV ? forced : null);
            }
            byte[] info = instance.siginfo(signal, p.pid());
            String failed = push(p, state, signal, action, info, regs);
            if (failed != null) {
                if (signal == SIGSEGV) {
                    return new Delivery(pushed, SIGSEGV, forced == null ? failed : forced + "; then " + failed);
                }
                forced = failed;
                forceSigsegv(state, via);
                continue;
            }
            pushed = true;
        }
    }

    /**
     * Linux's force_sigsegv for a signal other than SIGSEGV whose frame could not be written: as
     * force_sig, SIGSEGV (SI_KERNEL, no address) is made pending, its action put back to SIG_DFL
     * when it is ignored or blocked, and unblocked; its handler, if it has one, runs next (perhaps
     * on the alternate stack), and only a frame of its own that cannot be written kills.
     */
    private static void forceSigsegv(LinuxProcess state, String via) {
        SignalAction action = state.action(SIGSEGV);
        boolean blocked = (state.blockedSignals() & Sigsets.bit(SIGSEGV)) != 0;
        if (blocked || action.handler() == SignalAction.SIG_IGN) {
            state.setAction(SIGSEGV, new SignalAction(SignalAction.SIG_DFL, action.flags(), action.restorer(), action.mask()));
            state.setBlockedSignals(state.blockedSignals() & ~Sigsets.bit(SIGSEGV));
        }
        state.queue(SIGSEGV, new PendingSignal(SI_KERNEL, false, via), false);
    }

    /** sas_ss_flags: SS_DISABLE without an alternate stack, SS_ONSTACK when {@code sp} is on it, else 0. */
    private static int altStackFlags(LinuxProcess state, long sp) {
        if (state.altStackSize() == 0) {
            return SS_DISABLE;
        }
        return onAltStack(state, sp) ? SS_ONSTACK : 0;
    }

    /** Linux's on_sig_stack for a stack growing down: above the base, at most the size above it. */
    private static boolean onAltStack(LinuxProcess state, long sp) {
        return state.altStackSize() != 0 && Long.compareUnsigned(sp, state.altStackBase()) > 0
                && Long.compareUnsigned(sp - state.altStackBase(), state.altStackSize()) <= 0;
    }

    /**
     * Sets up the handler of {@code signal} as Linux's setup_rt_frame: the frame on the stack in
     * use (the alternate stack for SA_ONSTACK when one is set and not already in use), 16-aligned
     * with its frame record above it, holding the registers {@code regs}, the mask before the
     * handler, the alternate stack and, with SA_SIGINFO, {@code siginfo}; then {@code regs} become
     * the handler's entry through the signal page, the mask adds the action's and (without
     * SA_NODEFER) the signal itself, and SA_RESETHAND puts SIG_DFL back. Null when done; otherwise
     * why not, with nothing changed but pages below the stack pointer that the attempt mapped, and
     * the signal page, which stays for the next signal.
     */
    private String push(Process p, LinuxProcess state, int signal, SignalAction action, byte[] siginfo, long[] regs) {
        Syscalls sys = syscalls.apply(p);
        String noPage = sys.mapSignalPage(SigPage.ADDRESS, SigPage.bytes());
        if (noPage != null) {
            return "SOS could not map its signal page: " + noPage;
        }
        long sp = regs[SP];
        long interruptedPc = regs[PC];
        long top = action.has(SignalAction.SA_ONSTACK) && state.altStackSize() != 0 && !onAltStack(state, sp)
                ? state.altStackBase() + state.altStackSize() : sp;
        long record = (top - 16) & -16L;
        long frame = record - SignalFrame.SIZE;
        long[] x = new long[31];
        for (int i = 0; i < 31; i++) {
            x[i] = regs[org.capbuddy.kernel.cpu.UserContextLayout.wordOfX(i)];
        }
        byte[] bytes = SignalFrame.build(new SignalFrame.Contents(x, sp, regs[PC], regs[SPSR] & PSR_NZCV, state.faultAddress(),
                state.maskToSave(), state.altStackBase(), altStackFlags(state, sp), state.altStackSize(),
                action.has(SignalAction.SA_SIGINFO) ? siginfo : null, state.faultCode()));
        if (!sys.copyToUser(frame, bytes, bytes.length)) {
            // a stack pointer run past the stack's end (within a stack's size of it) is an overflow
            boolean overflow = Long.compareUnsigned(frame, Layout.STACK_BASE) < 0
                    && Long.compareUnsigned(top, Layout.STACK_TOP) <= 0
                    && Long.compareUnsigned(top, Layout.STACK_BASE - Layout.STACK_SIZE) > 0;
            return String.format("its %s frame could not be written at 0x%x, below sp 0x%x (%s)",
                    KillReport.signalName(signal), frame, top, overflow
                            ? "a stack overflow: no room left on the stack, and no alternate stack for SA_ONSTACK"
                            : "not writable memory of the process");
        }
        state.savedMaskTaken(); // a wait's put-aside mask is in the frame, for rt_sigreturn to restore
        regs[PC] = SigPage.ENTRY;
        regs[SP] = frame;
        setX(regs, 0, signal);
        setX(regs, 1, frame + SignalFrame.SIGINFO);
        setX(regs, 2, frame + SignalFrame.UCONTEXT);
        setX(regs, 3, action.handler());
        setX(regs, 4, frame + SignalFrame.FPSIMD);
        setX(regs, 5, action.has(SignalAction.SA_RESTORER) ? action.restorer() : SigPage.SIGRETURN);
        setX(regs, 29, record);
        long blocked = state.blockedSignals() | action.mask()
                | (action.has(SignalAction.SA_NODEFER) ? 0 : Sigsets.bit(signal));
        state.setBlockedSignals(blocked & ~Sigsets.UNBLOCKABLE);
        if (action.has(SignalAction.SA_RESETHAND)) {
            state.setAction(signal, new SignalAction(SignalAction.SIG_DFL, action.flags(), action.restorer(), action.mask()));
        }
        state.delivered(KillReport.signalName(signal));
        if (sel4.tracer().on(TraceKind.PROCESSES)) {
            sel4.tracer().emit(TraceKind.PROCESSES, p.pid(), p.instructionsNow(), "signal", "signal",
                    KillReport.signalName(signal), "handler", action.handler(), "frame", frame, "pc", interruptedPc);
        }
        return null;
    }

    private static void setX(long[] regs, int n, long value) {
        regs[org.capbuddy.kernel.cpu.UserContextLayout.wordOfX(n)] = value;
    }

    /** All of the thread's registers (seL4_UserContext order), read with TCB_ReadRegisters; null when they cannot be. */
    private long[] readRegisters(Process p) {
        InvocationResult read = sel4.tcbReadRegisters(p.tcbCptr(), false, REGISTERS);
        return read.isOk() ? read.words().clone() : null;
    }

    private boolean writeRegisters(Process p, long[] regs) {
        return sel4.tcbWriteRegisters(p.tcbCptr(), false, regs).isOk();
    }

    /**
     * {@link #deliverOnReturn} for a call SOS did not reply to and now resumes (a wait4 a child's end
     * satisfied, a pause it interrupted): what is pending and unblocked is delivered with the
     * registers the call returns with ({@code result} in x0, pc past the {@code svc} at
     * {@code faultIp}). True when that took the thread in hand: a handler's frame pushed and the
     * registers written (the caller then resumes the thread), or the process killed; false when
     * nothing was delivered (the caller sets x0 and pc itself).
     */
    boolean deliverOnWake(Process p, LinuxProcess state, long faultIp, String call, long result) {
        return deliverOnWake(p, state, faultIp, call, result, false);
    }

    /**
     * Whether the signal delivery would take first (the first pending one the mask lets through
     * that is not ignored) has a handler with SA_RESTART: a call it interrupts that Linux ends with
     * ERESTARTSYS (a read or write of a pipe that moved nothing) is then restarted after the handler.
     */
    static boolean restartsInterruptedCall(LinuxProcess state) {
        long open = state.pendingSignals() & ~state.blockedSignals();
        while (open != 0) {
            int signal = nextSignal(state, open);
            if (!ignored(state, signal)) {
                SignalAction action = state.action(signal);
                return action.isHandler() && action.has(SignalAction.SA_RESTART);
            }
            open &= ~Sigsets.bit(signal);
        }
        return false;
    }

    /**
     * {@link #deliverOnWake}; with {@code restart}, the frame holds the registers as at the
     * {@code svc} itself (its pc, x0 as the call was made), so that the call runs again once the
     * handler returns, as Linux restarts a call for SA_RESTART.
     */
    boolean deliverOnWake(Process p, LinuxProcess state, long faultIp, String call, long result, boolean restart) {
        try {
            if ((state.pendingSignals() & ~state.blockedSignals()) == 0) {
                return false;
            }
            long[] regs = readRegisters(p);
            if (regs == null) {
                return false; // the signals stay pending
            }
            regs[PC] = restart ? faultIp : faultIp + 4;
            if (!restart) {
                setX(regs, 0, result);
            }
            Delivery delivery = deliverPending(p, state, regs, call);
            if (delivery.kill() != 0) {
                syscalls.apply(p).killBySignal(delivery.kill(), faultIp, delivery.why() == null
                        ? "the signal's default action, terminate, when " + call + " returned"
                        : "a signal's handler could not run: " + delivery.why());
                return true;
            }
            return delivery.pushed() && writeRegisters(p, regs);
        } finally {
            state.restoreSavedMask();
        }
    }

    /**
     * Delivers what is pending and unblocked to {@code p}, which another process has just signalled
     * and which is runnable but not running (between two of its instructions, not in a call): as
     * Linux does on its next return to user space, before it runs another instruction, with the
     * registers it stopped with. A process inside SOS's signal page (entering a handler, returning
     * from one, forking) gets it at its next call's return instead. A signal whose default action
     * terminates kills it now, its report naming {@code call}.
     */
    void deliverNow(Process p, LinuxProcess state, String call) {
        if ((state.pendingSignals() & ~state.blockedSignals()) == 0 || state.forkRegisters() != null) {
            return;
        }
        long[] regs = readRegisters(p);
        if (regs == null || (regs[PC] & -Layout.PAGE) == SigPage.ADDRESS) {
            return; // the signals stay pending
        }
        Delivery delivery = deliverPending(p, state, regs, call);
        if (delivery.kill() != 0) {
            syscalls.apply(p).killBySignal(delivery.kill(), regs[PC], delivery.why() == null
                    ? "the signal's default action, terminate; " + call + " sent it"
                    : "a signal's handler could not run: " + delivery.why());
            return;
        }
        if (delivery.pushed() && !writeRegisters(p, regs)) {
            throw new IllegalStateException("SOS could not set the registers of process " + p.pid());
        }
    }

    /**
     * After a call has been served: delivers what is pending and unblocked with the registers the
     * call returns with (x0 its result, pc past the {@code svc}). Null when nothing was delivered
     * (the caller replies as usual); otherwise the reply (a handler entered: the registers are
     * written and the reply sets none) or the kill's non-reply.
     */
    FaultReply deliverOnReturn(Process p, LinuxProcess state, FaultMessage m, String call, long result) {
        try {
            return deliverAfter(p, state, m, call, result);
        } finally {
            state.restoreSavedMask(); // a wait's mask stands no longer when no handler took it into its frame
        }
    }

    private FaultReply deliverAfter(Process p, LinuxProcess state, FaultMessage m, String call, long result) {
        if ((state.pendingSignals() & ~state.blockedSignals()) == 0) {
            return null;
        }
        long[] regs = readRegisters(p);
        if (regs == null) {
            return null; // the signals stay pending
        }
        regs[PC] = m.word(FaultMessage.SYSCALL_FAULT_IP) + 4;
        setX(regs, 0, result);
        Delivery delivery = deliverPending(p, state, regs, call);
        if (delivery.kill() != 0) {
            if (delivery.why() == null) {
                state.setDying(delivery.kill());
                return null; // the caller kills with the default action's report
            }
            syscalls.apply(p).killBySignal(delivery.kill(), m.word(FaultMessage.SYSCALL_FAULT_IP),
                    "a signal's handler could not run: " + delivery.why());
            return FaultReply.noReply("killed by " + KillReport.signalName(delivery.kill()));
        }
        if (!delivery.pushed()) {
            return null;
        }
        return resumeWith(p, m, regs, call, result);
    }

    /** Writes the registers a handler (or a sigreturn) leaves the thread with and replies setting none. */
    private FaultReply resumeWith(Process p, FaultMessage m, long[] regs, String call, long result) {
        if (sel4.tracer().on(TraceKind.SYSCALLS)) {
            sel4.tracer().emit(TraceKind.SYSCALLS, p.pid(), p.instructionsNow(), call, "x0", m.word(0), "x1", m.word(1),
                    "x2", m.word(2), "result", result);
        }
        if (!writeRegisters(p, regs)) {
            return FaultReply.noReply("SOS could not set the registers of process " + p.pid());
        }
        m.setReplyLength(0);
        return FaultReply.RESUME;
    }

    /**
     * rt_sigreturn, as Linux's: the frame at SP (16-aligned, readable, a valid pstate and records)
     * gives back every register, the mask (never SIGKILL or SIGSTOP) and the alternate stack. It
     * takes two steps, as seL4 shows SOS no FP/SIMD registers: a frame accepted sends the thread to
     * the signal page's {@link SigPage#RESTORE}, which loads them from the frame and calls
     * rt_sigreturn again from {@link SigPage#RESTORED} ({@code restored}), where SOS checks the
     * frame again and restores the rest. A frame Linux would refuse is SIGSEGV, forced
     * ({@link #badFrame}), with the FP/SIMD registers unchanged: the process's handler runs if it
     * may, otherwise the process dies. Pending signals the restored mask unblocks are delivered on
     * the way out.
     */
    FaultReply sigreturn(Process p, LinuxProcess state, FaultMessage m, boolean restored) {
        Syscalls sys = syscalls.apply(p);
        long sp = m.word(FaultMessage.SYSCALL_SP);
        long pc = m.word(FaultMessage.SYSCALL_FAULT_IP);
        long[] regs = readRegisters(p);
        if (regs == null) {
            return FaultReply.noReply("SOS could not read the registers of process " + p.pid());
        }
        byte[] bytes = (sp & 15) != 0 ? null : sys.copyFromUser(sp, SignalFrame.SIZE);
        SignalFrame.Restored frame = bytes == null ? null : SignalFrame.parse(bytes);
        if (frame == null) {
            return badFrame(p, state, m, regs, bytes);
        }
        if (!restored) {
            String noPage = sys.mapSignalPage(SigPage.ADDRESS, SigPage.bytes());
            if (noPage != null) {
                sys.killBySignal(SIGSEGV, pc, "rt_sigreturn: SOS could not map its signal page: " + noPage);
                return FaultReply.noReply("killed by SIGSEGV");
            }
            regs[PC] = SigPage.RESTORE; // SP stays the frame, whose record the routine loads
            if (!writeRegisters(p, regs)) {
                return FaultReply.noReply("SOS could not set the registers of process " + p.pid());
            }
            m.setReplyLength(0);
            return FaultReply.RESUME;
        }
        for (int i = 0; i < 31; i++) {
            setX(regs, i, frame.x()[i]);
        }
        regs[SP] = frame.sp();
        regs[PC] = frame.pc();
        regs[SPSR] = frame.nzcv();
        // Linux's restore_altstack runs after the registers are loaded: the saved stack is set
        // again unless the restored sp is on the current one (EPERM, ignored), so a handler on the
        // alternate stack may replace or disable it through uc_stack
        altStack(state, frame.sp(), frame.stackSp(), frame.stackFlags(), frame.stackSize());
        state.setBlockedSignals(frame.mask() & ~Sigsets.UNBLOCKABLE);
        if (sel4.tracer().on(TraceKind.PROCESSES)) {
            sel4.tracer().emit(TraceKind.PROCESSES, p.pid(), p.instructionsNow(), "sigreturn", "frame", sp, "pc", frame.pc());
        }
        Delivery delivery = deliverPending(p, state, regs, "rt_sigreturn");
        if (delivery.kill() != 0) {
            String why = delivery.why() == null ? "the signal's default action, terminate; the process sent it to itself with "
                    + state.sentBy(delivery.kill()) + " and rt_sigreturn delivered it"
                    : "a signal's handler could not run: " + delivery.why();
            sys.killBySignal(delivery.kill(), pc, why);
            return FaultReply.noReply("killed by " + KillReport.signalName(delivery.kill()));
        }
        return resumeWith(p, m, regs, "rt_sigreturn", frame.x()[0]);
    }

    /**
     * rt_sigreturn's refusal, as Linux's: a frame at an aligned SP within user space has its mask
     * (less SIGKILL and SIGSTOP), X0–X30, SP, PC and pstate (NZCV, all SOS keeps) loaded before
     * restore_sigframe checks the pstate and the records, each word it cannot read loaded as 0 and
     * a mask it cannot read left as it was; then, x0 being the call's result 0, SIGSEGV is forced
     * at the SP now loaded ({@link #notifiedSegvCode}: SEGV_MAPERR only above every region), recording
     * no fault. A misaligned SP loads nothing. {@code bytes} is the frame when it could be read.
     */
    private FaultReply badFrame(Process p, LinuxProcess state, FaultMessage m, long[] regs, byte[] bytes) {
        Syscalls sys = syscalls.apply(p);
        long sp = m.word(FaultMessage.SYSCALL_SP);
        long pc = m.word(FaultMessage.SYSCALL_FAULT_IP);
        regs[PC] = pc + 4;
        boolean loads = (sp & 15) == 0 && Long.compareUnsigned(sp, Layout.USER_TOP - SignalFrame.SIZE) <= 0;
        if (loads) {
            ByteBuffer b = bytes == null ? null : ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            Long mask = b != null ? Long.valueOf(b.getLong(SignalFrame.UC_SIGMASK)) : userWord(sys, sp + SignalFrame.UC_SIGMASK);
            if (mask != null) {
                state.setBlockedSignals(mask & ~Sigsets.UNBLOCKABLE);
            }
            for (int i = 0; i < 31; i++) {
                setX(regs, i, frameWord(sys, b, sp, SignalFrame.REGS + 8 * i));
            }
            regs[SP] = frameWord(sys, b, sp, SignalFrame.SP);
            regs[PC] = frameWord(sys, b, sp, SignalFrame.PC);
            regs[SPSR] = frameWord(sys, b, sp, SignalFrame.PSTATE) & PSR_NZCV;
        }
        setX(regs, 0, 0);
        String what = (sp & 15) != 0 ? "sp is not 16-byte aligned" : bytes == null ? "it cannot be read"
                : "its pstate or its records are not valid";
        long at = regs[SP];
        state.setLastFault(0, 0); // as Linux's arm64_notify_die, for a signal that records no syndrome
        ProcessTraps.SignalOutcome outcome = forceOnto(p, state, SIGSEGV, notifiedSegvCode(p, at), at, regs);
        String why = String.format("rt_sigreturn found no signal frame Linux would accept at sp 0x%x (%s)", sp, what);
        if (!outcome.delivered()) {
            sys.killBySignal(SIGSEGV, pc, why + (outcome.why() == null ? "" : "; " + outcome.why()));
            return FaultReply.noReply("killed by SIGSEGV");
        }
        Delivery delivery = deliverPending(p, state, regs, "rt_sigreturn");
        if (delivery.kill() != 0) {
            sys.killBySignal(delivery.kill(), pc, why + "; then " + (delivery.why() == null
                    ? "the default action of " + KillReport.signalName(delivery.kill()) + ", terminate"
                    : "a signal's handler could not run: " + delivery.why()));
            return FaultReply.noReply("killed by " + KillReport.signalName(delivery.kill()));
        }
        return resumeWith(p, m, regs, "rt_sigreturn", 0);
    }

    /**
     * The si_code of Linux's arm64_notify_segfault at {@code address}: it asks find_vma, the first
     * mapping ending above the address, so SEGV_MAPERR only above the highest mapping and
     * SEGV_ACCERR anywhere below one, in a gap as in a mapping.
     */
    private static int notifiedSegvCode(Process p, long address) {
        boolean aboveAll = Long.compareUnsigned(address, Layout.USER_TOP) >= 0
                || p.addressSpace().firstOverlapping(address, Layout.USER_TOP) == null;
        return aboveAll ? SEGV_MAPERR : SEGV_ACCERR;
    }

    /** The frame's word at {@code offset}: from {@code b} when the frame was read whole, else read alone; 0 when it cannot be. */
    private static long frameWord(Syscalls sys, ByteBuffer b, long frame, int offset) {
        if (b != null) {
            return b.getLong(offset);
        }
        Long word = userWord(sys, frame + offset);
        return word == null ? 0 : word;
    }

    private static Long userWord(Syscalls sys, long address) {
        byte[] bytes = sys.copyFromUser(address, 8);
        return bytes == null ? null : ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }

    /**
     * Linux's force_sig_fault for a signal the process cannot go on without handling: its handler
     * runs when it has one that the mask does not block (SIG_IGN or a blocked signal gets the
     * default action, which kills); {@code regs} are the registers the handler's return resumes.
     * The registers are written when a handler will run.
     */
    private ProcessTraps.SignalOutcome force(Process p, LinuxProcess state, int signal, int code, long address,
            long[] regs) {
        ProcessTraps.SignalOutcome outcome = forceOnto(p, state, signal, code, address, regs);
        if (outcome.delivered() && !writeRegisters(p, regs)) {
            return new ProcessTraps.SignalOutcome(false, 0, "SOS could not set the registers for its "
                    + KillReport.signalName(signal) + " handler");
        }
        return outcome;
    }

    /** {@link #force} leaving the registers of the handler's entry in {@code regs}, unwritten. */
    private ProcessTraps.SignalOutcome forceOnto(Process p, LinuxProcess state, int signal, int code, long address,
            long[] regs) {
        SignalAction action = state.action(signal);
        if (!action.isHandler()) {
            return ProcessTraps.SignalOutcome.NO_HANDLER;
        }
        String name = KillReport.signalName(signal);
        if ((state.blockedSignals() & Sigsets.bit(signal)) != 0) {
            return new ProcessTraps.SignalOutcome(false, 0, name + " is blocked, so its handler cannot run and, as"
                    + " Linux forces a fault's signal, its default action ends the process");
        }
        String failed = push(p, state, signal, action, SignalFrame.siginfo(signal, code, true, address, 0), regs);
        if (failed == null) {
            return ProcessTraps.SignalOutcome.DELIVERED;
        }
        String why = "its " + name + " handler could not run: " + failed;
        if (signal == SIGSEGV) {
            return new ProcessTraps.SignalOutcome(false, SIGSEGV, why);
        }
        forceSigsegv(state, name + "'s frame");
        Delivery delivery = deliverPending(p, state, regs, name + "'s frame");
        if (delivery.kill() != 0) {
            return new ProcessTraps.SignalOutcome(false, delivery.kill(), why + "; then "
                    + KillReport.signalName(delivery.kill()) + (delivery.why() == null ? "" : ": " + delivery.why()));
        }
        return delivery.pushed() ? ProcessTraps.SignalOutcome.DELIVERED : new ProcessTraps.SignalOutcome(false, SIGSEGV, why);
    }

    /** {@link ProcessTraps#onFaultSignal} for a process with Linux state {@code state}. */
    ProcessTraps.SignalOutcome onFaultSignal(Process p, LinuxProcess state, ProcessTraps.FaultSignal f) {
        if (!state.action(f.signal()).isHandler()) {
            return ProcessTraps.SignalOutcome.NO_HANDLER;
        }
        long[] regs = readRegisters(p);
        if (regs == null) {
            return ProcessTraps.SignalOutcome.NO_HANDLER;
        }
        regs[PC] = f.pc();
        if (f.esr() != 0) {
            // the fault's address and syndrome stay for later frames; a brk's SIGTRAP records neither
            state.setLastFault(f.faultAddress(), f.esr());
        }
        return force(p, state, f.signal(), f.code(), f.address(), regs);
    }

    /** rt_sigprocmask: the mask changes; a pending signal it unblocks is delivered on the way out. */
    static long sigprocmask(Syscalls sys, LinuxProcess state, int how, long set, long oldSet, long size) {
        if (size != Sigsets.SIZE) {
            return -Errno.EINVAL.code();
        }
        long old = state.blockedSignals();
        if (set != 0) {
            byte[] bytes = sys.copyFromUser(set, 8);
            if (bytes == null) {
                return -Errno.EFAULT.code();
            }
            long mask = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
            long blocked = switch (how) {
                case 0 -> old | mask;
                case 1 -> old & ~mask;
                case 2 -> mask;
                default -> -1;
            };
            if (how < 0 || how > 2) {
                return -Errno.EINVAL.code();
            }
            state.setBlockedSignals(blocked & ~Sigsets.UNBLOCKABLE);
        }
        // as Linux, the new mask stands even when the old one cannot be written back, and a
        // signal it unblocks is delivered on the way out either way
        boolean oldWritten = oldSet == 0 || sys.copyToUser(oldSet, ByteBuffer.allocate(8)
                .order(ByteOrder.LITTLE_ENDIAN).putLong(old).array(), 8);
        return oldWritten ? 0 : -Errno.EFAULT.code();
    }

    /**
     * rt_sigaction in Linux's order: the set size (EINVAL), the new action read (EFAULT, even for
     * a signal that does not exist), the signal (EINVAL; SIGKILL and SIGSTOP take no action), the
     * action taken, and only then the old one written back, so that a bad place for it is EFAULT
     * with the new action standing. The action is kept as given but for flags Linux does not know
     * and SIGKILL and SIGSTOP in the mask, and reads back so; an action that ignores the signal
     * discards it if pending, as POSIX asks.
     */
    static long sigaction(Syscalls sys, LinuxProcess state, int signal, long action, long oldAction, long size) {
        if (size != Sigsets.SIZE) {
            return -Errno.EINVAL.code();
        }
        SignalAction given = null;
        if (action != 0) {
            byte[] bytes = sys.copyFromUser(action, 32);
            if (bytes == null) {
                return -Errno.EFAULT.code();
            }
            ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            given = new SignalAction(b.getLong(0), b.getLong(8) & SignalAction.KNOWN_FLAGS, b.getLong(16),
                    b.getLong(24) & ~Sigsets.UNBLOCKABLE);
        }
        if (signal < 1 || signal > MAX_SIGNAL || (action != 0 && (signal == SIGKILL || signal == SIGSTOP))) {
            return -Errno.EINVAL.code();
        }
        SignalAction old = state.action(signal);
        if (given != null) {
            state.setAction(signal, given);
            if (ignored(state, signal)) {
                state.discard(signal); // Linux discards it, as POSIX asks
            }
        }
        if (oldAction != 0) {
            byte[] bytes = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN).putLong(old.handler())
                    .putLong(old.flags()).putLong(old.restorer()).putLong(old.mask()).array();
            if (!sys.copyToUser(oldAction, bytes, 32)) {
                return -Errno.EFAULT.code();
            }
        }
        return 0;
    }

    /**
     * sigaltstack as Linux's: the new stack read (EFAULT), then refused while the process runs on
     * the current one (EPERM), for flags other than 0, SS_ONSTACK or SS_DISABLE (EINVAL;
     * SS_AUTODISARM is refused with ENOSYS and counted, as SOS does not model it) or for a size
     * under MINSIGSTKSZ (ENOMEM); the old one is written back last (EFAULT, the new one standing).
     */
    static long sigaltstack(Syscalls sys, LinuxProcess state, long sp, long stack, long oldStack) {
        long oldBase = state.altStackBase();
        long oldSize = state.altStackSize();
        int oldFlags = altStackFlags(state, sp);
        if (stack != 0) {
            byte[] bytes = sys.copyFromUser(stack, 24);
            if (bytes == null) {
                return -Errno.EFAULT.code();
            }
            ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            if ((b.getInt(8) & SS_AUTODISARM) != 0 && !onAltStack(state, sp)) {
                state.refuse("sigaltstack: SS_AUTODISARM");
                return -Errno.ENOSYS.code();
            }
            long refused = altStack(state, sp, b.getLong(0), b.getInt(8), b.getLong(16));
            if (refused != 0) {
                return refused;
            }
        }
        if (oldStack != 0) {
            byte[] bytes = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putLong(oldBase).putInt(oldFlags)
                    .putInt(0).putLong(oldSize).array();
            if (!sys.copyToUser(oldStack, bytes, 24)) {
                return -Errno.EFAULT.code();
            }
        }
        return 0;
    }

    /** Linux's do_sigaltstack for a new stack: 0 when set, else the error (nothing changed). */
    private static long altStack(LinuxProcess state, long sp, long base, int flags, long size) {
        if (onAltStack(state, sp)) {
            return -Errno.EPERM.code();
        }
        int mode = flags & ~SS_AUTODISARM;
        if (mode != 0 && mode != SS_ONSTACK && mode != SS_DISABLE) {
            return -Errno.EINVAL.code();
        }
        if (mode == SS_DISABLE) {
            state.setAltStack(0, 0);
            return 0;
        }
        if (Long.compareUnsigned(size, MINSIGSTKSZ) < 0) {
            return -Errno.ENOMEM.code();
        }
        state.setAltStack(base, size);
        return 0;
    }
}
