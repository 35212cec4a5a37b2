package org.capbuddy.sos.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.EnumSet;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Set;
import org.capbuddy.kernel.Sel4;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.trace.TraceKind;
import org.capbuddy.kernel.cpu.FaultMessage;
import org.capbuddy.kernel.cpu.FaultReply;
import org.capbuddy.kernel.cpu.UserContextLayout;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.sos.Errno;
import org.capbuddy.sos.SysResult;
import org.capbuddy.sos.Syscalls;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.process.KillReport;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.process.ProcessState;
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
 * a kill. Time and randomness are deterministic: the clocks count from a fixed epoch in steps of
 * one millisecond per system call plus the time the process has asked to sleep (nanosleep returns
 * at once, having moved its clock, unless the interval timer's expiry interrupts it), and getrandom
 * draws from the process's seeded stream. The interval timers are {@link IntervalTimers}', the waits for a signal {@link
 * SignalWaits}'.
 *
 * <p>Signals are a process's own (abort, raise, kill of its own pid) and those of its faults: each
 * signal's action and the mask are kept, a blocked signal stays pending until unblocked, a default
 * action that terminates kills the process with a report naming the signal, and a handler runs as
 * on Linux: SOS writes Linux's arm64 signal frame on the process's stack, enters the handler
 * through its signal page ({@link SigPage}, which saves and restores the FP/SIMD registers seL4
 * does not show SOS) with TCB_WriteRegisters, and rt_sigreturn restores the frame. A fault SOS would
 * kill for reaches the process's handler of its signal ({@link #onFaultSignal}). Stopping the
 * process is refused with -ENOSYS and counted in {@link LinuxProcess#refusedCalls()}. kill, tkill
 * and tgkill reach the other processes of the caller's run too ({@link #signalOther}). Pipes,
 * dup, dup3, fcntl, ppoll and pselect6 on descriptors are {@link DescriptorCalls}', {@link
 * PipeTransfers}', {@link DescriptorPoll}'s and {@link DescriptorSelect}'s; a read or write of a
 * pipe, a ppoll or a pselect6, that must wait blocks its process (SOS does not reply) until a
 * turn of its run's scheduler finds it can go on ({@link #runnable}). execve loads a program of
 * the run's {@link org.capbuddy.sos.exec.ProgramTable} in a new image under the same pid
 * ({@link #takeExec} tells the run); the caller's thread is gone, so it gets no reply.
 */
public final class LinuxSyscalls implements ProcessTraps {
    /** The calls that may block on a pipe, by name. */
    private static final Set<LinuxSyscall> PIPE_CALLS = EnumSet.of(LinuxSyscall.READ, LinuxSyscall.READV,
            LinuxSyscall.WRITE, LinuxSyscall.WRITEV);
    /** The calls that wait for a signal, served by {@link #serveWait}. */
    private static final Set<LinuxSyscall> WAITS = EnumSet.of(LinuxSyscall.PPOLL, LinuxSyscall.PSELECT6,
            LinuxSyscall.EPOLL_PWAIT, LinuxSyscall.EPOLL_PWAIT2, LinuxSyscall.RT_SIGSUSPEND,
            LinuxSyscall.RT_SIGTIMEDWAIT);
    /** Words of TCB_ReadRegisters that reach x8: pc, sp, spsr, x0..x8. */
    private static final int REGISTERS_TO_X8 = 12;
    private static final int X8_WORD = 11;
    /** Largest iovec count, as Linux's UIO_MAXIOV. */
    private static final int MAX_IOV = 1024;
    private static final int MAX_TRANSFER = Syscalls.MAX_WRITE;
    /** Linux's MAX_RW_COUNT: the most one read or write moves (INT_MAX rounded down to a page). */
    private static final long MAX_RW_COUNT = 0x7FFF_F000L;
    /**
     * The most a process's writes put on the console (64 MiB): SOS's console is kept in host
     * memory, so a program writing gigabytes must not exhaust it. Writes beyond it still succeed,
     * as to a terminal, and the console says once how much it did not keep.
     */
    static final long CONSOLE_LIMIT = 64L << 20;
    private static final long TIOCGWINSZ = 0x5413;
    /** 2026-01-01T00:00:00Z, the clock's fixed start. */
    private static final long EPOCH_SECONDS = 1_767_225_600L;
    private static final long NANOS_PER_SECOND = 1_000_000_000L;
    private static final int CLOCK_TAI = 11;
    /** TAI's lead over UTC since 2017, which CLOCK_TAI keeps (Linux's, once NTP has set it). */
    private static final long TAI_OFFSET_SECONDS = 37;
    /** struct utsname: six fields of 65 bytes. */
    private static final String[] UTSNAME = {"Linux", "sos", "6.1.0", "#1 SOS on the CapBuddy model", "aarch64", "(none)"};

    private final Sel4 sel4;
    private final java.util.function.Function<Process, Syscalls> syscalls;
    private final Map<Integer, LinuxProcess> processes = new HashMap<>();
    /** The processes with Linux state, by pid (a zombie's is gone: SOS destroyed it). */
    private final Map<Integer, Process> live = new HashMap<>();
    private final Family family = new Family(processes);
    private final ProcessGroups groups = new ProcessGroups(processes, live, family);
    /** Children each process forked that its run has not taken yet ({@link #takeForked}). */
    private final Map<Integer, List<Process>> forked = new HashMap<>();
    /** The execve each process made that its run has not taken yet ({@link #takeExec}). */
    private final Map<Integer, Exec> execed = new HashMap<>();
    private final LinuxSignals signals;

    /**
     * @param sel4 SOS's kernel interface (for TCB_ReadRegisters)
     * @param syscalls SOS's memory and console calls for a process
     */
    public LinuxSyscalls(Sel4 sel4, java.util.function.Function<Process, Syscalls> syscalls) {
        this.sel4 = sel4;
        this.syscalls = syscalls;
        this.signals = new LinuxSignals(sel4, syscalls);
    }

    /** Gives {@code p} its Linux state (standard input and seed); a process without one has empty input and seed 0. */
    public void attach(Process p, LinuxProcess state) {
        state.startOutsideIfNone(p.pid());
        processes.put(p.pid(), state);
        live.put(p.pid(), p);
    }

    public LinuxProcess state(Process p) {
        LinuxProcess state = processes.get(p.pid());
        if (state == null) {
            state = new LinuxProcess(new byte[0], 0);
            attach(p, state);
        }
        return state;
    }

    /**
     * Forgets a process that has been torn down: an ended child's zombie, if any, stays for its
     * parent; the zombies of its own children go.
     */
    public void detach(Process p) {
        processes.remove(p.pid());
        live.remove(p.pid());
        forked.remove(p.pid());
        execed.remove(p.pid());
        family.forgetChildrenOf(p.pid());
    }

    /** The children {@code p} forked since this was last asked, oldest first: a run schedules them. */
    public List<Process> takeForked(Process p) {
        List<Process> children = forked.remove(p.pid());
        return children == null ? List.of() : children;
    }

    /** The pid of {@code p}'s parent as getppid reads it: 0 when SOS started or reaps it. */
    public int parentOf(Process p) {
        LinuxProcess state = processes.get(p.pid());
        return state == null ? 0 : state.parent();
    }

    /** Whether {@code p} is blocked waiting for a child (wait4, a vfork parent, a pause a child may end). */
    public boolean waitsForChild(Process p) {
        LinuxProcess state = processes.get(p.pid());
        return state != null && state.waiting() != null;
    }

    /** Whether {@code p} is blocked in a call SOS has not answered yet: waiting for a child, asleep, or on a pipe. */
    public boolean blocked(Process p) {
        LinuxProcess state = processes.get(p.pid());
        return state != null && (state.waiting() != null || state.sleeping() != null || state.pipeWait() != null
                || state.pollWait() != null);
    }

    /** Ended children no process has waited for yet. */
    public int zombies() {
        return family.zombies();
    }

    /**
     * {@code p} has ended (exited or was killed): its parent gets its exit signal and, unless it
     * ignores SIGCHLD, a zombie to wait for; a parent blocked in a wait4 or waitid for this child
     * (its pid, or its group now) looks again and is resumed when it finds its result; one that
     * waits for other children sleeps on, unless the exit signal is one it takes, which ends the
     * wait ({@link #interruptChildWait}: EINTR, or ECHILD with no child left for it); a parent in
     * no call gets that signal before its next instruction, as another process's kill reaches it
     * ({@link LinuxSignals#deliverNow}); its own children are orphaned (SOS reaps them). The caller
     * (the run) then destroys its SOS process.
     */
    public void ended(Process p) {
        ended(p, true);
    }

    /**
     * {@link #ended} for a process a run tears down as it finishes: its parent, which runs no
     * further, is not sent into a handler (its registers and stack stay as the run left them).
     */
    public void endedAtTeardown(Process p) {
        ended(p, false);
    }

    private void ended(Process p, boolean deliverToRunningParent) {
        LinuxProcess state = processes.get(p.pid());
        if (state == null) {
            return;
        }
        // a blocked write ends first, as the fatal signal ends pipe_write, with its wakes (another
        // writer may keep the pipe open); then, as Linux's exit closes its files, a pipe end only it
        // held closes (readers see EOF, writers EPIPE)
        PipeWait pw = state.pipeWait();
        state.setPipeWait(null);
        if (pw != null) {
            PipeTransfers.interrupt(pw);
        }
        state.setPollWait(null);
        state.descriptors().closeAll();
        LinuxProcess parent = family.ended(p, state);
        Process parentProcess = parent == null ? null : live.get(state.parent());
        if (parent != null && parentProcess != null && parent.sleeping() != null && LinuxSignals.deliverable(parent)) {
            wakeSleeper(parentProcess, parent); // the child's exit signal interrupts the sleep
            return;
        }
        if (parent != null && parentProcess != null && LinuxSignals.deliverable(parent)
                && interruptDescriptorWait(parentProcess, parent)) {
            return; // and a read or write of a pipe, a ppoll or a pselect6
        }
        ChildWait w = parent == null ? null : parent.waiting();
        if (parentProcess == null) {
            return;
        }
        if (w == null) {
            if (deliverToRunningParent && !blocked(parentProcess) && parentProcess.state() == ProcessState.RUNNING
                    && LinuxSignals.deliverable(parent)) {
                // a parent making no call (a loop, say) takes the signal before its next instruction,
                // as Linux's signal_wake_up makes a running task see it
                signals.deliverNow(parentProcess, parent, "the exit of child " + p.pid());
            }
            return;
        }
        if (w.signalWait() != null) {
            // the child's exit signal may end a pause: when one it lets through is now pending (or,
            // for an rt_sigtimedwait, one of its set)
            if (LinuxSignals.endsWait(parent)) {
                wakeSignalWait(parentProcess, parent, w);
            }
            return;
        }
        if (w.vforkChild() != 0) {
            if (w.vforkChild() == p.pid()) {
                wake(parentProcess, parent, "clone", p.pid());
            }
            return; // a vfork parent's killable wait goes on through any other child's end
        }
        if (LinuxSignals.deliverable(parent)) {
            // the exit signal, with a handler, wakes the wait whichever child it is for (signal_wake_up)
            interruptChildWait(parentProcess, parent, w);
        } else if (Family.waitsFor(w, p.pid(), state.group())) {
            // Linux's child_wait_callback wakes only a wait this child is for (eligible_pid: its pid,
            // or its group now); the end of any other leaves the parent asleep, even with none left
            long result = family.wait4(parentProcess, parent, w, syscalls.apply(parentProcess));
            if (result != Family.BLOCKS) {
                wake(parentProcess, parent, waitName(w), result);
            }
        }
    }

    /**
     * A signal {@code p}'s blocked wait4 or waitid lets through ends it as Linux's do_wait does once
     * woken: it looks for its children again before it looks at signals, so a child to reap is
     * reaped and a wait no child is left for is ECHILD (a child that was in the group asked moved
     * out and ended, say); only while one it is for still runs does the signal end it with
     * ERESTARTSYS (EINTR, or made again after a handler with SA_RESTART).
     */
    private void interruptChildWait(Process p, LinuxProcess state, ChildWait w) {
        long result = family.wait4(p, state, w, syscalls.apply(p));
        wake(p, state, waitName(w), result == Family.BLOCKS ? -Errno.EINTR.code() : result);
    }

    /**
     * Resumes {@code p}, blocked in a call SOS did not reply to, after its {@code svc} with x0 =
     * {@code result}: with TCB_WriteRegisters and its resume flag, seL4's way to restart a thread
     * blocked on a fault (SOS kept no reply capability).
     */
    private void wake(Process p, LinuxProcess state, String call, long result) {
        wake(p, state, call, result, false);
    }

    /**
     * {@link #wake}; with {@code restart}, a handler about to run gets the call's own registers (its
     * {@code svc} runs again after it, SA_RESTART's restart) instead of {@code result}.
     */
    private void wake(Process p, LinuxProcess state, String call, long result, boolean restart) {
        state.setWaiting(null);
        InvocationResult frame = sel4.tcbReadRegisters(p.tcbCptr(), false, 3);
        if (!frame.isOk()) {
            throw new IllegalStateException("SOS could not read the registers of process " + p.pid() + ": " + frame);
        }
        if (sel4.tracer().on(TraceKind.SYSCALLS)) {
            sel4.tracer().emit(TraceKind.SYSCALLS, p.pid(), p.instructionsNow(), call, "result", result,
                    "woken", state.sleeping() == null && call.endsWith("sleep") ? "its sleep ended"
                            : call.equals("ppoll") || call.equals("pselect6") || call.startsWith("epoll_pwait")
                            ? SignalWaits.wokenBy(result)
                            : call.equals("rt_sigtimedwait") ? (result == -Errno.EAGAIN.code() ? "its timeout came"
                            : "a signal came")
                            : PIPE_CALLS.stream().anyMatch(c -> c.linuxName().equals(call))
                            ? "its pipe was ready or a signal came" : "a child ended");
        }
        // as on the way out of any call: the timer's expiry, then the signals that may now run (a
        // SIGCHLD handler runs as the call returns, as on Linux)
        IntervalTimers.expireDue(state);
        // wait4 and waitid that a signal interrupts restart when its handler has SA_RESTART, as
        // Linux's -ERESTARTSYS makes them (pause, sigsuspend, ppoll and pselect6 never restart)
        boolean restartable = result == -Errno.EINTR.code() && (call.equals("wait4") || call.equals("waitid"));
        if (signals.deliverOnWake(p, state, frame.mr(0), call, result,
                restart || restartable && LinuxSignals.restartsInterruptedCall(state))) {
            if (p.state() == ProcessState.RUNNING) {
                sel4.tcbResume(p.tcbCptr());
            }
            return;
        }
        InvocationResult resumed = sel4.tcbWriteRegisters(p.tcbCptr(), true, frame.mr(0) + 4, frame.mr(1),
                frame.mr(2), result);
        if (!resumed.isOk()) {
            throw new IllegalStateException("SOS could not resume process " + p.pid() + ": " + resumed);
        }
    }

    @Override
    public ProcessTraps.SignalOutcome onFaultSignal(Process p, ProcessTraps.FaultSignal f) {
        LinuxProcess state = processes.get(p.pid()); // a process that never made a call has no handlers
        return state == null ? ProcessTraps.SignalOutcome.NO_HANDLER : signals.onFaultSignal(p, state, f);
    }

    @Override
    public FaultReply onSystemCall(Process p, FaultMessage m) {
        InvocationResult registers = sel4.tcbReadRegisters(p.tcbCptr(), false, REGISTERS_TO_X8);
        if (!registers.isOk()) {
            return FaultReply.noReply("SOS could not read the caller's x8: " + registers);
        }
        // Linux's arm64 entry takes the number as an int: the upper half of x8 is not looked at
        long number = (int) registers.mr(X8_WORD);
        LinuxProcess state = state(p);
        LinuxSyscall call = LinuxSyscall.of(number);
        if (call == LinuxSyscall.RT_SIGRETURN && m.word(FaultMessage.SYSCALL_FAULT_IP) == SigPage.RESTORED) {
            return signals.sigreturn(p, state, m, true); // the second step of one rt_sigreturn, counted once
        }
        long ip = m.word(FaultMessage.SYSCALL_FAULT_IP);
        boolean forkStep = call == LinuxSyscall.CLONE && state.forkRegisters() != null
                && (ip == SigPage.FORK_SVC || ip == SigPage.FORK_DONE);
        if (forkStep && ip == SigPage.FORK_SVC) {
            if (LinuxSignals.fatalPending(state) != 0) {
                // copy_process (since Linux 5.0) looks at signals once, at its start (the clone
                // itself); a signal come since then stops it only when fatal (-EINTR, no child, the
                // kill ends the process); any other waits for the fork's end, its handler after it
                return restartFork(p, state, m, state.forkRegisters());
            }
            // inside the routine, counted once (at its first clone): nothing is delivered before its end
            long forked = forkNow(p, state);
            if (forked == Family.BLOCKS) {
                return FaultReply.noReply("clone (vfork) blocks until its child ends");
            }
            m.setWord(FaultMessage.SYSCALL_X0, forked);
            m.setWord(FaultMessage.SYSCALL_FAULT_IP, ip + 4);
            m.setReplyLength(FaultMessage.SYSCALL_FAULT_IP + 1);
            return FaultReply.RESUME;
        }
        long result;
        String name;
        if (forkStep) {
            long[] kept = state.forkRegisters();
            state.setForkRegisters(null);
            InvocationResult restored = sel4.tcbWriteRegisters(p.tcbCptr(), false, kept);
            if (!restored.isOk()) {
                // half in SOS's fork routine, its registers lost: it cannot go on as the program would
                syscalls.apply(p).killBySos(ip, "SOS could not restore its registers at the end of fork ("
                        + restored + ")");
                return FaultReply.noReply("killed: its registers could not be restored after fork");
            }
            result = forkDone(kept, m);
            name = "clone";
        } else if (call == null) {
            state.countUnknown(number);
            result = -Errno.ENOSYS.code();
            String known = LinuxSyscall.nameOf(number);
            name = known == null ? "#" + number : "#" + number + " " + known; // as the run report's table names it
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
            if (call == LinuxSyscall.RT_SIGRETURN) {
                IntervalTimers.expireDue(state);
                return signals.sigreturn(p, state, m, false);
            }
            if (call == LinuxSyscall.WAIT4 || call == LinuxSyscall.WAITID || call == LinuxSyscall.CLONE
                    || call == LinuxSyscall.NANOSLEEP || call == LinuxSyscall.CLOCK_NANOSLEEP
                    || PIPE_CALLS.contains(call)) {
                long served = call == LinuxSyscall.WAIT4 ? wait4(p, state, m)
                        : call == LinuxSyscall.WAITID ? waitid(p, state, m)
                        : call == LinuxSyscall.CLONE ? clone(p, state, m) : serve(call, p, state, m);
                if (served == FORK_RESTART) {
                    return restartFork(p, state, m, null);
                }
                if (served == FORK_ROUTINE) {
                    if (sel4.tracer().on(TraceKind.SYSCALLS)) {
                        sel4.tracer().emit(TraceKind.SYSCALLS, p.pid(), p.instructionsNow(), call.linuxName(),
                                "x0", m.word(0), "x1", m.word(1), "x2", m.word(2), "result",
                                "none yet: through SOS's fork routine");
                    }
                    m.setReplyLength(0);
                    return FaultReply.RESUME;
                }
                if (served == Family.BLOCKS && LinuxSignals.deliverable(state)) {
                    // a signal it takes is pending already: it does not sleep, as Linux's (restarted or EINTR)
                    FaultReply restarted = restartAtEntry(p, state, m, call);
                    if (restarted != null) {
                        return restarted;
                    }
                    served = interruptAtEntry(state);
                }
                if (served == Family.BLOCKS) {
                    if (sel4.tracer().on(TraceKind.SYSCALLS)) {
                        sel4.tracer().emit(TraceKind.SYSCALLS, p.pid(), p.instructionsNow(), call.linuxName(),
                                "x0", m.word(0), "x1", m.word(1), "x2", m.word(2), "result", "none yet: it blocks");
                    }
                    return FaultReply.noReply(call.linuxName() + (state.sleeping() != null
                            ? " blocks until the run's clock reaches its end" : state.pipeWait() != null
                            ? " blocks until its pipe is ready" : " blocks until a child ends"));
                }
                result = served;
            } else if (WAITS.contains(call)) {
                WaitResult waited = serveWait(call, p, state, m);
                if (waited.take() != null) {
                    // rt_sigtimedwait with others of its run: it blocks, its set unblocked, on the run's clock
                    state.setWaiting(ChildWait.signal(call.linuxName(), waited.take()));
                    if (sel4.tracer().on(TraceKind.SYSCALLS)) {
                        sel4.tracer().emit(TraceKind.SYSCALLS, p.pid(), p.instructionsNow(), call.linuxName(),
                                "x0", m.word(0), "x1", m.word(1), "x2", m.word(2), "result",
                                "none yet: it blocks until a signal or its timeout");
                    }
                    return FaultReply.noReply(call.linuxName() + " blocks until a signal or its timeout");
                }
                if (waited == WaitResult.BLOCKS) {
                    if (sel4.tracer().on(TraceKind.SYSCALLS)) {
                        sel4.tracer().emit(TraceKind.SYSCALLS, p.pid(), p.instructionsNow(), call.linuxName(),
                                "x0", m.word(0), "x1", m.word(1), "x2", m.word(2), "result",
                                "none yet: it blocks until a descriptor is ready, its timeout or a signal");
                    }
                    return FaultReply.noReply(call.linuxName()
                            + " blocks until a descriptor is ready, its timeout or a signal");
                }
                if (waited.forever() && hasCompany(state)) {
                    // another process of its run may signal it (a child's exit, a kill), or its own
                    // timer's expiry, which the scheduler times against the others: it waits (SOS does not reply)
                    state.setWaiting(ChildWait.signal(call.linuxName(), null));
                    if (sel4.tracer().on(TraceKind.SYSCALLS)) {
                        sel4.tracer().emit(TraceKind.SYSCALLS, p.pid(), p.instructionsNow(), call.linuxName(),
                                "x0", m.word(0), "x1", m.word(1), "x2", m.word(2), "result",
                                "none yet: it blocks until another process's signal");
                    }
                    return FaultReply.noReply(call.linuxName() + " blocks until another process's signal");
                }
                if (waited.forever()) {
                    return waitsForever(p, state, m, call);
                }
                result = waited.value();
            } else if (call == LinuxSyscall.EXECVE) {
                result = execve(p, state, m);
                if (result == EXECUTED) {
                    return FaultReply.noReply("execve: process " + p.pid() + " runs its new program");
                }
            } else {
                result = serve(call, p, state, m);
            }
            name = call.linuxName();
        }
        // as Linux's exit to user mode after every call, served or not: the timer's expiry and
        // the signals it lets through
        IntervalTimers.expireDue(state);
        FaultReply delivered = signals.deliverOnReturn(p, state, m, name, result);
        if (delivered != null) {
            return delivered;
        }
        int signal = LinuxSignals.dyingOf(state);
        if (signal != 0) {
            if (sel4.tracer().on(TraceKind.SYSCALLS)) {
                sel4.tracer().emit(TraceKind.SYSCALLS, p.pid(), p.instructionsNow(), name,
                        "x0", m.word(0), "x1", m.word(1), "x2", m.word(2), "result", "none: the process dies");
            }
            long pc = m.word(FaultMessage.SYSCALL_FAULT_IP);
            String sentBy = state.sentBy(signal);
            boolean fromOther = sentBy != null && sentBy.contains(" from process ");
            syscalls.apply(p).killBySignal(signal, pc, "the signal's default action, terminate; "
                    + (fromOther ? sentBy + " sent it" : "the process sent it to itself with " + sentBy)
                    + (name.equals(sentBy) ? "" : " and " + name + " delivered it"));
            return FaultReply.noReply("killed by " + KillReport.signalName(signal));
        }
        if (sel4.tracer().on(TraceKind.SYSCALLS)) {
            sel4.tracer().emit(TraceKind.SYSCALLS, p.pid(), p.instructionsNow(), name,
                    "x0", m.word(0), "x1", m.word(1), "x2", m.word(2), "result", result);
        }
        m.setWord(FaultMessage.SYSCALL_X0, result);
        m.setWord(FaultMessage.SYSCALL_FAULT_IP, m.word(FaultMessage.SYSCALL_FAULT_IP) + 4);
        m.setReplyLength(FaultMessage.SYSCALL_FAULT_IP + 1);
        return FaultReply.RESUME;
    }

    /**
     * A wait4, waitid or pipe read or write that would block while a signal it lets through is
     * pending (one that came while the process was inside SOS's signal page, where
     * {@link LinuxSignals#deliverNow} leaves it for later): Linux's do_wait, pipe_read and
     * pipe_write look for a pending signal before they sleep and end with ERESTARTSYS, so it does
     * not block. The wait is dropped and its result is what an interruption gives: EINTR, or the
     * bytes a write moved before the pipe filled. The way out then delivers the signal.
     */
    private static long interruptAtEntry(LinuxProcess state) {
        PipeWait pw = state.pipeWait();
        state.setWaiting(null);
        state.setPipeWait(null);
        return pw != null ? PipeTransfers.interrupt(pw) : -Errno.EINTR.code();
    }

    /**
     * {@link #interruptAtEntry} when the first signal delivery takes has a handler with SA_RESTART
     * and the call moved nothing: the handler's frame holds the call as it was made (its pc, its
     * x0), so the call is made again once the handler returns, as Linux restarts ERESTARTSYS. Null
     * when the call is not restarted (the caller ends it with its interruption's result).
     */
    private FaultReply restartAtEntry(Process p, LinuxProcess state, FaultMessage m, LinuxSyscall call) {
        PipeWait pw = state.pipeWait();
        if (pw != null && pw.done() > 0 || !LinuxSignals.restartsInterruptedCall(state)) {
            return null;
        }
        state.setWaiting(null);
        state.setPipeWait(null);
        if (pw != null) {
            PipeTransfers.interrupt(pw); // ERESTARTSYS leaves pipe_write by out: too, waking as it does
        }
        IntervalTimers.expireDue(state);
        if (sel4.tracer().on(TraceKind.SYSCALLS)) {
            sel4.tracer().emit(TraceKind.SYSCALLS, p.pid(), p.instructionsNow(), call.linuxName(),
                    "x0", m.word(0), "x1", m.word(1), "x2", m.word(2), "result",
                    "none yet: a signal was pending, made again after its handler");
        }
        if (!signals.deliverOnWake(p, state, m.word(FaultMessage.SYSCALL_FAULT_IP), call.linuxName(),
                -Errno.EINTR.code(), true)) {
            return null; // nothing delivered (its registers unreadable): EINTR on the usual way out
        }
        if (p.state() != ProcessState.RUNNING) {
            return FaultReply.noReply(call.linuxName() + ": killed by the signal pending at its entry");
        }
        m.setReplyLength(0); // the handler's registers are written: the reply sets none
        return FaultReply.RESUME;
    }

    /**
     * A wait that nothing can end: Linux would leave the process waiting forever, so SOS ends it,
     * as the SIGKILL that would end the hung program, with a report saying what it waited for.
     */
    private FaultReply waitsForever(Process p, LinuxProcess state, FaultMessage m, LinuxSyscall call) {
        state.restoreSavedMask();
        if (sel4.tracer().on(TraceKind.SYSCALLS)) {
            sel4.tracer().emit(TraceKind.SYSCALLS, p.pid(), p.instructionsNow(), call.linuxName(),
                    "x0", m.word(0), "x1", m.word(1), "x2", m.word(2), "result", "none: it would wait forever");
        }
        syscalls.apply(p).killBySignal(9, m.word(FaultMessage.SYSCALL_FAULT_IP), call.linuxName()
                + " waited for a signal that nothing could send (no timer armed, no signal pending that it lets"
                + " through, and no other process of its run left to signal it): Linux would wait forever, so SOS ended it");
        return FaultReply.noReply(call.linuxName() + " would wait forever");
    }

    /**
     * execve (x0 path, x1 argv, x2 envp): its arguments read and checked as Linux does
     * ({@link ExecArguments}); then SOS builds the new image beside the old one ({@link Sos#exec}
     * through {@link Syscalls#exec}): ENOEXEC when the loader refuses the program or cannot place
     * it, ENOMEM when SOS has not the memory. Each of those leaves the process exactly as it was,
     * and the call returns its error as any call does. Past the point of no return the old image
     * is gone: the new one runs under the same pid with its own thread (registers as a spawn sets
     * them, no cached code or translation of the old), the Linux state goes on as Linux keeps it
     * ({@link LinuxProcess#execed}: handlers reset, CLOEXEC descriptors closed, ...), a vfork
     * parent waiting for this child is resumed as Linux's exec releases it, and a pending signal the
     * mask lets through is delivered before the first instruction. The caller gets no reply: its
     * thread is gone. Returns {@link #EXECUTED}, or the negative errno.
     */
    private long execve(Process p, LinuxProcess state, FaultMessage m) {
        Syscalls sys = syscalls.apply(p);
        ExecArguments.Read read = ExecArguments.read(sys, state.programs(), m.word(0), m.word(1), m.word(2));
        if (read.error() != null) {
            return -read.error().code();
        }
        ExecArguments args = read.arguments();
        // AT_RANDOM's seed is read, not taken: Linux draws those bytes only past the point of no
        // return, so a failed execve must leave getrandom's stream where it was
        long seed = java.nio.ByteBuffer.wrap(state.peekRandom(8)).getLong();
        Result<Process> made = sys.exec(args.program().elf(), args.argv(), args.envp(), args.path(), seed);
        if (!made.isOk()) {
            return -execFailure(made.error(), args.program().elf()).code();
        }
        Process image = made.value();
        state.randomBytes(8); // the seed, taken now that the exec is done
        live.put(image.pid(), image);
        state.execed();
        execed.put(image.pid(), new Exec(image, args.pathText(), args.program().elf()));
        if (sel4.tracer().on(TraceKind.SYSCALLS)) {
            sel4.tracer().emit(TraceKind.SYSCALLS, p.pid(), p.instructionsNow(), "execve", "x0", m.word(0), "x1",
                    m.word(1), "x2", m.word(2), "result", "none: the process runs " + args.pathText() + " ("
                            + args.program().path() + ")");
        }
        LinuxProcess parent = processes.get(state.parent());
        Process parentProcess = live.get(state.parent());
        if (parent != null && parentProcess != null && parent.waiting() != null
                && parent.waiting().vforkChild() == image.pid()) {
            wake(parentProcess, parent, "clone", image.pid()); // Linux's exec completes the vfork
        }
        if (LinuxSignals.deliverable(state)) {
            signals.deliverNow(image, state, "the signal pending across execve");
        }
        return EXECUTED;
    }

    /**
     * The errno of an execve that failed before its point of no return: ENOEXEC only for a program
     * the loader refuses by itself (with one empty argument, no environment and a one-byte path),
     * E2BIG for a refusal the arguments caused (ExecArguments' checks are meant to catch those
     * first), ENOMEM for the rest (no memory, the kernel's refusals).
     */
    private static Errno execFailure(org.capbuddy.libos.vka.AllocError error, byte[] elf) {
        if (error.kind() != org.capbuddy.libos.vka.AllocErrorKind.BAD_ARGUMENT) {
            return Errno.ENOMEM;
        }
        boolean programRefused = !org.capbuddy.sos.exec.ProgramLoader.plan(elf, List.of(new byte[0]), List.<byte[]>of(),
                new byte[] {'/'}, 0).isOk();
        return programRefused ? Errno.ENOEXEC : Errno.E2BIG;
    }

    /** execve went past its point of no return: the caller's thread is gone, nothing replies to it. */
    private static final long EXECUTED = Long.MIN_VALUE + 2;

    /** A process's execve done: its new image's process, the path it passed and the program's bytes. */
    public record Exec(Process image, String path, byte[] elf) {
    }

    /**
     * The execve {@code p} made since this was last asked, if it made one: {@code p} is then gone
     * and the image's process runs under its pid (a run swaps the one it schedules).
     */
    public Exec takeExec(Process p) {
        Exec e = execed.get(p.pid());
        if (e == null || e.image() == p) {
            return null;
        }
        execed.remove(p.pid());
        return e;
    }

    private static final long CLONE_VM = 0x100;
    private static final long CLONE_FS = 0x200;
    private static final long CLONE_SIGHAND = 0x800;
    private static final long CLONE_PIDFD = 0x1000;
    private static final long CLONE_VFORK = 0x4000;
    private static final long CLONE_THREAD = 0x10000;
    private static final long CLONE_NEWNS = 0x20000;
    private static final long CLONE_PARENT_SETTID = 0x100000;
    private static final long CLONE_DETACHED = 0x400000;
    private static final long CLONE_NEWUSER = 0x1000_0000L;
    private static final long CLONE_NEWPID = 0x2000_0000L;

    /**
     * clone (x0 flags, x1 new stack, x2 parent_tid, x3 tls, x4 child_tid) as fork: the flags'
     * low byte is the child's exit signal, and Linux's legacy clone looks at the low 32 bits only.
     * Linux's own refusals first (EINVAL): CLONE_NEWNS or CLONE_NEWUSER with CLONE_FS, CLONE_THREAD
     * without CLONE_SIGHAND or with a new user or pid namespace, CLONE_SIGHAND without CLONE_VM,
     * CLONE_PIDFD with CLONE_DETACHED or CLONE_PARENT_SETTID. SOS then serves no flag (musl's fork)
     * and CLONE_VM|CLONE_VFORK (musl's vfork), with no new stack, by {@link Syscalls#fork}: the
     * child gets 0, the parent the child's pid; a vfork parent is blocked until its child ends
     * or execs, which fork's copy makes a valid vfork. Anything else (a thread, a new
     * stack, the tid words, namespaces) is -ENOSYS, counted as refused. No memory is -ENOMEM.
     */
    private long clone(Process p, LinuxProcess state, FaultMessage m) {
        long flags = m.word(0) & 0xFFFF_FFFFL;
        long newSp = m.word(1);
        int signal = (int) (flags & 0xFF);
        long rest = flags & ~0xFFL;
        if (both(rest, CLONE_NEWNS | CLONE_FS) || both(rest, CLONE_NEWUSER | CLONE_FS)
                || (rest & CLONE_THREAD) != 0 && (rest & CLONE_SIGHAND) == 0
                || (rest & CLONE_SIGHAND) != 0 && (rest & CLONE_VM) == 0
                || (rest & CLONE_THREAD) != 0 && (rest & (CLONE_NEWUSER | CLONE_NEWPID)) != 0
                || (rest & CLONE_PIDFD) != 0 && (rest & (CLONE_DETACHED | CLONE_PARENT_SETTID)) != 0) {
            return -Errno.EINVAL.code();
        }
        boolean vfork = rest == (CLONE_VM | CLONE_VFORK);
        if (rest != 0 && !vfork || newSp != 0) {
            state.refuse("clone of a thread, with a new stack or with flags beyond fork's and vfork's");
            return -Errno.ENOSYS.code();
        }
        if (LinuxSignals.deliverable(state)) {
            return FORK_RESTART; // copy_process's ERESTARTNOINTR: the signal first, then the clone again
        }
        return enterForkRoutine(p, state);
    }

    /**
     * A fork that a signal pending before it makes (one that came while the process was inside
     * SOS's signal page, where {@link LinuxSignals#deliverNow} leaves it): Linux's copy_process
     * looks for one before it makes anything and fails with ERESTARTNOINTR, so no child is made,
     * the signal is delivered (a handler's frame holds the clone as it was made, its pc and x0, so
     * that it is made again when the handler returns, SA_RESTART or not; a default that kills ends
     * the process) and, when nothing was delivered, the clone is made again at once. {@code kept}
     * are the registers at the clone's svc when the fork routine is under way ({@link SigPage#FORK_SVC}:
     * they come back, the routine abandoned before its fork), null at the clone itself; there only a
     * fatal signal come during the routine brings it here (copy_process's fatal_signal_pending,
     * -EINTR), and it kills the process.
     */
    private FaultReply restartFork(Process p, LinuxProcess state, FaultMessage m, long[] kept) {
        long svc = m.word(FaultMessage.SYSCALL_FAULT_IP);
        if (kept != null) {
            state.setForkRegisters(null);
            svc = kept[UserContextLayout.PC];
            InvocationResult restored = sel4.tcbWriteRegisters(p.tcbCptr(), false, kept);
            if (!restored.isOk()) {
                syscalls.apply(p).killBySos(SigPage.FORK_SVC, "SOS could not restore its registers to make its"
                        + " fork again (" + restored + ")");
                return FaultReply.noReply("killed: its registers could not be restored for fork's restart");
            }
        }
        if (sel4.tracer().on(TraceKind.SYSCALLS)) {
            sel4.tracer().emit(TraceKind.SYSCALLS, p.pid(), p.instructionsNow(), "clone", "result",
                    kept == null ? "none yet: a signal was pending before the fork (ERESTARTNOINTR), made again after it"
                            : "none: a fatal signal came during the fork (EINTR)");
        }
        IntervalTimers.expireDue(state);
        signals.deliverOnWake(p, state, svc, "clone", -Errno.EINTR.code(), true);
        if (p.state() != ProcessState.RUNNING) {
            return FaultReply.noReply("clone: killed by the signal pending before its fork");
        }
        // the registers are the handler's, or, nothing delivered, the clone's with its pc at the svc:
        // the reply sets none
        m.setReplyLength(0);
        return FaultReply.RESUME;
    }

    /**
     * The first step of a fork SOS serves: the parent goes through the signal page's fork routine
     * ({@link SigPage#FORK_ENTRY}), which stores its FP/SIMD registers (which seL4 does not show
     * SOS) in a record below its stack so that the child's copy has them. Its general registers
     * are kept until the routine's end. -ENOMEM when the page cannot be mapped.
     */
    private long enterForkRoutine(Process p, LinuxProcess state) {
        if (syscalls.apply(p).mapSignalPage(SigPage.ADDRESS, SigPage.bytes()) != null) {
            return -Errno.ENOMEM.code();
        }
        InvocationResult read = sel4.tcbReadRegisters(p.tcbCptr(), false, UserContextLayout.REGISTERS);
        if (!read.isOk()) {
            return -Errno.ENOMEM.code();
        }
        long[] regs = read.words().clone();
        long record = (regs[UserContextLayout.SP] - SigPage.FORK_RECORD) & -16L;
        state.setForkRegisters(regs.clone());
        regs[UserContextLayout.PC] = SigPage.FORK_ENTRY;
        regs[UserContextLayout.SP] = record;
        regs[UserContextLayout.wordOfX(4)] = record;
        if (!sel4.tcbWriteRegisters(p.tcbCptr(), false, regs).isOk()) {
            state.setForkRegisters(null);
            return -Errno.ENOMEM.code();
        }
        return FORK_ROUTINE;
    }

    /**
     * The fork routine's first clone ({@link SigPage#FORK_SVC}): the fork itself, as the first
     * clone's flags asked. The child resumes after this svc with x0 = 0 and the parent's kept
     * registers; the parent gets the child's pid, or is blocked until it ends (vfork); -ENOMEM
     * when SOS has not the memory.
     */
    private long forkNow(Process p, LinuxProcess state) {
        long flags = state.forkRegisters()[UserContextLayout.wordOfX(0)] & 0xFFFF_FFFFL;
        int signal = (int) (flags & 0xFF);
        boolean vfork = (flags & ~0xFFL) != 0;
        // the child's registers are the parent's at its svc: it resumes after it with x0 = 0
        Result<Process> made = syscalls.apply(p).fork(regs -> {
            regs[UserContextLayout.PC] += 4;
            regs[UserContextLayout.wordOfX(0)] = 0;
            return regs;
        });
        if (!made.isOk()) {
            return -Errno.ENOMEM.code();
        }
        Process child = made.value();
        attach(child, state.forkChild(p.pid(), signal));
        forked.computeIfAbsent(p.pid(), k -> new ArrayList<>()).add(child);
        if (vfork) {
            state.setWaiting(ChildWait.vfork(child.pid()));
            return Family.BLOCKS;
        }
        return child.pid();
    }

    /**
     * The fork routine's last clone ({@link SigPage#FORK_DONE}), the FP/SIMD registers loaded again:
     * the general registers kept at the first clone come back, x0 the fork's result (as the
     * routine's first clone left it), and the call returns from the first clone's svc. The caller
     * has written {@code kept} to the thread (all but x0–x7 and the pc, which the reply sets).
     */
    private static long forkDone(long[] kept, FaultMessage m) {
        long result = m.word(FaultMessage.SYSCALL_X0);
        // the reply sets x0–x7 and the pc from the message: the kept ones, x0 the result
        for (int i = 0; i < 8; i++) {
            m.setWord(FaultMessage.SYSCALL_X0 + i, i == 0 ? result : kept[UserContextLayout.wordOfX(i)]);
        }
        m.setWord(FaultMessage.SYSCALL_FAULT_IP, kept[UserContextLayout.PC]);
        return result;
    }

    /** clone's first step sent the caller through the fork routine: its registers are written, the reply sets none. */
    private static final long FORK_ROUTINE = Long.MIN_VALUE + 1;
    /** clone found a signal pending before its fork: {@link #restartFork}. */
    private static final long FORK_RESTART = Long.MIN_VALUE + 2;

    private static boolean both(long flags, long two) {
        return (flags & two) == two;
    }

    /**
     * wait4 (x0 pid, x1 status, x2 options, x3 rusage): {@link Family#wait4}; when it must block,
     * the process waits (SOS does not reply) until {@link #ended} finds a child that satisfies it.
     */
    private long wait4(Process p, LinuxProcess state, FaultMessage m) {
        int pid = (int) m.word(0);
        // 0 is the caller's group now, as Linux's get_task_pid takes it: a later setpgid does not change the wait
        int group = pid == 0 ? state.group() : pid < -1 && pid != Integer.MIN_VALUE ? -pid : 0;
        ChildWait w = ChildWait.wait4(pid, group, m.word(1), (int) m.word(2), m.word(3));
        long result = family.wait4(p, state, w, syscalls.apply(p));
        if (result == Family.BLOCKS) {
            state.setWaiting(w);
        }
        return result;
    }

    private static final int P_ALL = 0;
    private static final int P_PID = 1;
    private static final int P_PGID = 2;
    private static final int P_PIDFD = 3;
    /** WEXITED, WSTOPPED, WCONTINUED: waitid must ask for at least one. */
    private static final int WAITID_EVENTS = Family.WEXITED | Family.WSTOPPED | Family.WCONTINUED;
    /** waitid's options Linux knows: the events, WNOHANG, WNOWAIT, __WNOTHREAD, __WALL, __WCLONE. */
    private static final int WAITID_OPTIONS = WAITID_EVENTS | Family.WNOHANG | Family.WNOWAIT
            | Family.WNOTHREAD | Family.WALL | Family.WCLONE;

    /**
     * waitid (x0 idtype, x1 id, x2 infop, x3 options, x4 rusage), in Linux's order: unknown options
     * or none of WEXITED, WSTOPPED, WCONTINUED are EINVAL; P_ALL, P_PID (EINVAL for an id not
     * above 0) and P_PGID (EINVAL below 0; 0 the caller's group); P_PIDFD is EBADF (SOS makes no
     * pidfd), any other type EINVAL. Then as wait4 ({@link Family#wait4}), the child's siginfo
     * (SIGCHLD, CLD_EXITED or CLD_KILLED, its pid, its code or signal) written to infop; WNOWAIT
     * leaves it a zombie. Nothing stops in SOS: WSTOPPED and WCONTINUED without WEXITED find nothing
     * and return at once, as with WNOHANG (where Linux would wait for a stop that never comes); a
     * zombie cannot stop or continue, so with only zombies matching they are ECHILD, as Linux.
     */
    private long waitid(Process p, LinuxProcess state, FaultMessage m) {
        int type = (int) m.word(0);
        int id = (int) m.word(1);
        int options = (int) m.word(3);
        if ((options & ~WAITID_OPTIONS) != 0 || (options & WAITID_EVENTS) == 0) {
            return -Errno.EINVAL.code();
        }
        ChildWait w;
        if (type == P_ALL) {
            w = ChildWait.waitid(-1, 0, m.word(2), options, m.word(4));
        } else if (type == P_PID && id > 0) {
            w = ChildWait.waitid(id, 0, m.word(2), options, m.word(4));
        } else if (type == P_PGID && id >= 0) {
            w = ChildWait.waitid(0, id == 0 ? state.group() : id, m.word(2), options, m.word(4));
        } else {
            return type == P_PIDFD ? -Errno.EBADF.code() : -Errno.EINVAL.code();
        }
        if ((options & Family.WEXITED) == 0) {
            // only stops or continues asked for: no child of SOS's ever does either
            w = ChildWait.waitid(w.pid(), w.group(), w.infop(), options | Family.WNOHANG, w.rusage());
        }
        long result = family.wait4(p, state, w, syscalls.apply(p));
        if (result == Family.BLOCKS) {
            state.setWaiting(w);
        }
        return result;
    }

    /**
     * kill as Linux's kill_something_info, over the processes of the caller's run: pid above 0
     * that process (a zombie exists for kill: 0, the signal dropped); 0 the caller's process group
     * and -pgid group pgid, every process in it, zombies and the caller included (Linux's
     * __kill_pgrp_info: ESRCH when it has none; then each send is judged, an invalid signal
     * EINVAL); -1 every process of the run but the caller (ESRCH when there is none; an invalid
     * signal EINVAL first, as on a system where others exist). Signal 0 only asks whether one
     * exists. A group's or everyone's kill succeeds when one send did, as Linux's. Every process
     * of a run has one user, so the caller may signal each. The caller's own signal is delivered
     * on its way out as before; another process's at once ({@link #signalOther}).
     */
    private long kill(Process p, LinuxProcess state, int pid, int signal) {
        if (pid > 0) {
            return pid == p.pid() ? LinuxSignals.sendFrom(0, state, signal, "kill", LinuxSignals.SI_USER, true)
                    : signalOther(p, pid, signal, "kill", LinuxSignals.SI_USER, true);
        }
        if (pid == Integer.MIN_VALUE) {
            return -Errno.ESRCH.code(); // Linux cannot negate it: no such group
        }
        List<Integer> targets;
        if (pid == -1) {
            targets = new ArrayList<>(groups.pidsOfRun(state));
            targets.remove(Integer.valueOf(p.pid()));
            if (LinuxSignals.invalid(signal)) {
                return -Errno.EINVAL.code(); // on a real system others exist
            }
        } else {
            targets = groups.pidsOf(state, pid == 0 ? state.group() : -pid);
        }
        if (targets.isEmpty()) {
            return -Errno.ESRCH.code();
        }
        if (LinuxSignals.invalid(signal)) {
            return -Errno.EINVAL.code(); // each send's check_kill_permission refuses it
        }
        boolean anyDone = false;
        long last = 0;
        for (int target : targets) {
            long r = target == p.pid() ? LinuxSignals.sendFrom(0, state, signal, "kill", LinuxSignals.SI_USER, true)
                    : signalOther(p, target, signal, "kill", LinuxSignals.SI_USER, true);
            anyDone |= r == 0;
            last = r;
        }
        return anyDone ? 0 : last;
    }

    /** tkill and tgkill to thread {@code tid}: each process has one thread, its tid its pid. */
    private long threadKill(Process p, LinuxProcess state, int tid, int signal, String call) {
        return tid == p.pid() ? LinuxSignals.send(state, signal, call, LinuxSignals.SI_TKILL)
                : signalOther(p, tid, signal, call, LinuxSignals.SI_TKILL, false);
    }

    /**
     * A signal from {@code sender} to process {@code pid} of its run: ESRCH when there is none (nor
     * a zombie), EINVAL for an invalid signal, 0 for a zombie or signal 0; otherwise judged and
     * queued as Linux's send_signal ({@link LinuxSignals#sendFrom}), then delivered as Linux would
     * make the receiver see it: one blocked in a sleep, pause, sigsuspend, ppoll, pselect6 or wait that the
     * signal lets through is woken as a signal it sent itself would wake it (the call ends with
     * EINTR on its way out, where the handler runs or the default action kills); a runnable one
     * gets it before its next instruction ({@link LinuxSignals#deliverNow}). A vfork parent waits
     * for its child killable, as Linux's: a fatal signal ({@link LinuxSignals#fatalPending}) ends
     * it, any other (a core-dumping one too) stays pending until the child ends.
     */
    private long signalOther(Process sender, int pid, int signal, String call, int code, boolean toProcess) {
        LinuxProcess senderState = processes.get(sender.pid());
        LinuxProcess state = processes.get(pid);
        Process target = live.get(pid);
        boolean ours = state != null && target != null && !state.hasEnded() && state.sameRun(senderState);
        if (!ours) {
            if (family.zombieOfRun(pid, senderState) == null) {
                return -Errno.ESRCH.code();
            }
            return LinuxSignals.invalid(signal) ? -Errno.EINVAL.code() : 0;
        }
        String via = call + " from process " + sender.pid();
        long sent = LinuxSignals.sendFrom(sender.pid(), state, signal, via, code, toProcess);
        if (sent != 0 || signal == 0 || !LinuxSignals.endsWait(state)) {
            return sent;
        }
        if (state.sleeping() != null) {
            wakeSleeper(target, state);
            return 0;
        }
        if (interruptDescriptorWait(target, state)) {
            return 0;
        }
        ChildWait w = state.waiting();
        if (w != null) {
            if (w.signalWait() != null) {
                wakeSignalWait(target, state, w);
            } else if (w.vforkChild() == 0) {
                interruptChildWait(target, state, w);
            } else {
                killVforkParent(target, state);
            }
            return 0;
        }
        signals.deliverNow(target, state, via);
        return 0;
    }

    /**
     * A signal {@code state} lets through ends its blocked read or write of a pipe or its ppoll or
     * pselect6 on descriptors: it is woken, the signal delivered on the way out. As Linux's pipe_read and
     * pipe_write check what they wait for before signals, and do_poll counts the descriptors ready
     * before it looks at signals, a wait that is ready by now goes on first and ends with what it
     * finds (the bytes, end of file, what a write moved or its EPIPE, the count of descriptors
     * ready). Only one still not ready is interrupted: EINTR, or what a write moved (a read or
     * write that moved nothing runs again after a handler with SA_RESTART; a ppoll or pselect6 is
     * EINTR, SA_RESTART or not, as Linux's ERESTARTNOHAND). False when it is blocked in neither.
     */
    private boolean interruptDescriptorWait(Process p, LinuxProcess state) {
        PipeWait pw = state.pipeWait();
        if (pw != null) {
            if (pw.ready()) {
                long result = PipeTransfers.resume(syscalls.apply(p), state, pw);
                if (result != Family.BLOCKS) {
                    wake(p, state, pw.call().linuxName(), result);
                    return true;
                }
            }
            // still waiting (a write may have moved more first and found the pipe full again)
            PipeWait waiting = state.pipeWait();
            state.setPipeWait(null);
            // Linux's pipe_read and pipe_write end with ERESTARTSYS when nothing moved: a handler
            // with SA_RESTART has the call made again once it returns
            boolean restart = waiting.done() == 0 && LinuxSignals.restartsInterruptedCall(state);
            wake(p, state, pw.call().linuxName(), PipeTransfers.interrupt(waiting), restart);
            return true;
        }
        DescriptorWait.Waiting poll = state.pollWait();
        if (poll != null) {
            state.setPollWait(null);
            int ready = poll.watch().scan(state);
            wake(p, state, poll.watch().call(), SignalWaits.pollEnd(syscalls.apply(p), state, poll.watch(), poll.back(),
                    ready > 0 ? ready : -Errno.EINTR.code()));
            return true;
        }
        return false;
    }

    /** The calls that wait for a signal ({@link SignalWaits}): their result may be that they never end. */
    private WaitResult serveWait(LinuxSyscall call, Process p, LinuxProcess state, FaultMessage m) {
        Syscalls sys = syscalls.apply(p);
        return switch (call) {
            case PPOLL -> SignalWaits.ppoll(sys, state, m.word(0), m.word(1), m.word(2), m.word(3), m.word(4),
                    hasCompany(state));
            case PSELECT6 -> SignalWaits.pselect6(sys, state, m.word(0), m.word(1), m.word(2), m.word(3), m.word(4),
                    m.word(5), hasCompany(state));
            case EPOLL_PWAIT, EPOLL_PWAIT2 -> SignalWaits.epollPwait(sys, state, call, m.word(0), m.word(1),
                    m.word(2), m.word(3), m.word(4), m.word(5), hasCompany(state));
            case RT_SIGSUSPEND -> SignalWaits.sigsuspend(sys, state, m.word(0), m.word(1), hasCompany(state));
            case RT_SIGTIMEDWAIT -> SignalWaits.sigtimedwait(sys, state, p.pid(), m.word(0), m.word(1), m.word(2),
                    m.word(3), hasCompany(state));
            default -> throw new IllegalArgumentException(call + " does not wait for a signal");
        };
    }

    private long serve(LinuxSyscall call, Process p, LinuxProcess state, FaultMessage m) {
        Syscalls sys = syscalls.apply(p);
        long a0 = m.word(0);
        long a1 = m.word(1);
        long a2 = m.word(2);
        return switch (call) {
            case BRK -> sys.brk(a0);
            case MMAP -> {
                // a file mapping names its descriptor first (Linux's fget, before any other check
                // but arm64's of the offset): one the process has not open is EBADF
                boolean fileMapping = (m.word(5) & (Syscalls.pageSize() - 1)) == 0
                        && (m.word(3) & Syscalls.MAP_ANONYMOUS) == 0;
                OpenFile file = fileMapping ? state.descriptors().get(m.word(4)) : null;
                if (fileMapping && file == null) {
                    yield -Errno.EBADF.code();
                }
                // an open one is a standard stream or a pipe, neither mappable: SOS's mmap answers
                // a standard stream's ENODEV after its own checks, where Linux's do_mmap looks at
                // the file; a pipe's end is then judged as do_mmap judges it (its access first)
                long fd = fileMapping ? 0 : m.word(4);
                SysResult mapped = sys.mmap(a0, a1, (int) a2, (int) m.word(3), fd, m.word(5));
                if (mapped.isOk()) {
                    state.mapped(mapped.value());
                }
                yield file != null && file.isPipe() && mapped.errno() == Errno.ENODEV
                        ? DescriptorCalls.pipeMapping(file, (int) a2, (int) m.word(3)) : mapped.returnRegister();
            }
            case MUNMAP -> munmap(sys, p, a0, a1);
            // the flags are an unsigned long: a bit in the upper half is an unknown flag
            case MREMAP -> sys.mremap(a0, a1, a2, m.word(3), m.word(4)).returnRegister();
            // memory is never written back or swapped out: these promise what already holds
            case MSYNC -> (a0 & (Syscalls.pageSize() - 1)) != 0 || (a2 & ~7L) != 0 || (a2 & 5) == 5
                    ? -Errno.EINVAL.code() : mapped(p, a0, a1) ? 0 : -Errno.ENOMEM.code();
            case MLOCK, MUNLOCK -> mapped(p, a0 & -Syscalls.pageSize(), a1 + (a0 & (Syscalls.pageSize() - 1)))
                    ? 0 : -Errno.ENOMEM.code();
            // MCL_ONFAULT (4) only qualifies MCL_CURRENT or MCL_FUTURE
            case MLOCKALL -> a0 == 0 || a0 == 4 || (a0 & ~7L) != 0 ? -Errno.EINVAL.code() : 0;
            case MUNLOCKALL -> 0;
            case MINCORE -> sys.mincore(a0, a1, a2).returnRegister();
            // the advice is an int
            case MADVISE -> sys.madvise(a0, a1, (int) a2).returnRegister();
            case MPROTECT -> sys.mprotect(a0, a1, (int) a2).returnRegister();
            case WRITE -> write(sys, state, a0, a1, a2);
            case WRITEV -> vector(sys, state, a0, a1, a2, true);
            case READ -> read(sys, state, a0, a1, a2);
            case READV -> vector(sys, state, a0, a1, a2, false);
            case SET_TID_ADDRESS -> {
                state.setClearChildTid(a0);
                yield p.pid();
            }
            case GETPID, GETTID -> p.pid();
            // SOS started the process: it has no parent process, as Linux reports for a parent outside its namespace
            case GETPPID -> state.parent();
            // the ids the auxiliary vector gives (AT_UID, AT_EUID, AT_GID, AT_EGID)
            case GETUID, GETEUID, GETGID, GETEGID -> 0;
            // pids are ints: the upper half of each register is not looked at
            case SETPGID -> groups.setpgid(p.pid(), state, (int) a0, (int) a1);
            case GETPGID -> groups.getpgid(state, (int) a0);
            case GETSID -> groups.getsid(state, (int) a0);
            case SETSID -> groups.setsid(p.pid(), state);
            case IOCTL -> DescriptorCalls.ioctl(sys, state, a0, a1, a2);
            case CLOSE -> DescriptorCalls.close(state, a0);
            // flags and commands are ints
            case PIPE2 -> DescriptorCalls.pipe2(sys, state, a0, (int) a1);
            case DUP -> DescriptorCalls.dup(state, a0);
            case DUP3 -> DescriptorCalls.dup3(state, a0, a1, (int) a2);
            case FCNTL -> DescriptorCalls.fcntl(state, a0, (int) a1, a2);
            case CLOCK_GETTIME -> clockGettime(sys, state, (int) a0, p.pid(), a1);
            case CLOCK_GETRES -> clockGetres(sys, (int) a0, p.pid(), a1);
            case GETTIMEOFDAY -> gettimeofday(sys, state, a0, a1);
            case NANOSLEEP -> nanosleep(sys, state, "nanosleep", 0, false, a0, a1);
            case CLOCK_NANOSLEEP -> nanosleep(sys, state, "clock_nanosleep", (int) a0, (a1 & 1) != 0, a2, m.word(3));
            case SETITIMER -> IntervalTimers.setitimer(sys, state, (int) a0, a1, a2);
            case GETITIMER -> IntervalTimers.getitimer(sys, state, (int) a0, a1);
            case EPOLL_CREATE1 -> EpollCalls.create1(state, (int) a0);
            case EPOLL_CTL -> EpollCalls.ctl(sys, state, a0, a1, a2, m.word(3));
            case PPOLL, PSELECT6, EPOLL_PWAIT, EPOLL_PWAIT2, RT_SIGSUSPEND, RT_SIGTIMEDWAIT -> throw new IllegalStateException(call + " is served by serveWait");
            case WAIT4, WAITID, CLONE, EXECVE -> throw new IllegalStateException(call + " is answered before serve");
            case UNAME -> uname(sys, a0);
            // one thread, no scheduler: there is nothing to yield to
            case SCHED_YIELD -> 0;
            case GETRUSAGE -> getrusage(sys, state, p, (int) a0, a1);
            case GETRLIMIT -> prlimit(sys, state, (int) a0, 0, a1, false, "getrlimit");
            // only the caller's own limits: another process, even one of its run that kill may
            // signal, is ESRCH (Linux's prlimit64 would answer for it; SOS does not model that)
            case PRLIMIT64 -> (int) a0 != 0 && (int) a0 != p.pid() ? -Errno.ESRCH.code()
                    : prlimit(sys, state, (int) a1, a2, m.word(3), true, "prlimit64");
            // there are no files: the process's working directory is the root of an empty tree
            case GETCWD -> Long.compareUnsigned(a1, 2) < 0 ? -Errno.ERANGE.code() : sys.copyToUser(a0, new byte[] {'/', 0}, 2) ? 2
                    : -Errno.EFAULT.code();
            case RT_SIGACTION -> LinuxSignals.sigaction(sys, state, (int) a0, a1, a2, m.word(3));
            case RT_SIGPROCMASK -> LinuxSignals.sigprocmask(sys, state, (int) a0, a1, a2, m.word(3));
            // as Linux, a set smaller than the kernel's gets its first bytes; only a larger one is refused
            case RT_SIGPENDING -> Long.compareUnsigned(a1, Sigsets.SIZE) > 0 ? -Errno.EINVAL.code()
                    : sys.copyToUser(a0, ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN)
                            .putLong(state.pendingSignals()).array(), (int) a1) ? 0 : -Errno.EFAULT.code();
            // pids and signals are ints: the upper half of each register is not looked at
            case KILL -> kill(p, state, (int) a0, (int) a1);
            case TKILL -> (int) a0 <= 0 ? -Errno.EINVAL.code() : threadKill(p, state, (int) a0, (int) a1, "tkill");
            case TGKILL -> (int) a0 <= 0 || (int) a1 <= 0 ? -Errno.EINVAL.code()
                    : (int) a0 != (int) a1 ? -Errno.ESRCH.code() : threadKill(p, state, (int) a1, (int) a2, "tgkill");
            case SIGALTSTACK -> LinuxSignals.sigaltstack(sys, state, m.word(FaultMessage.SYSCALL_SP), a0, a1);
            case RT_SIGRETURN -> throw new IllegalStateException("rt_sigreturn is answered before serve");
            case GETRANDOM -> getrandom(sys, state, a0, a1, (int) a2);
            case EXIT, EXIT_GROUP -> throw new IllegalStateException("exit is answered before serve");
        };
    }

    /**
     * write: to a pipe, {@link PipeTransfers#write}; to the console, all {@code count} bytes, as
     * Linux writes to a file or a blocking pipe
     * (a program that does not loop on a short write must not lose output), copied and handed to
     * the console in pieces, so that host memory holds one piece at a time; the first page that is
     * not readable memory ends the write there (-EFAULT when nothing was written). A UTF-8 character split
     * between pieces is held back and handed over whole with the next. EBADF for a descriptor not
     * open for writing; EINVAL for an epoll, open for writing but with no write of its own.
     */
    private static long write(Syscalls sys, LinuxProcess state, long fd, long buffer, long count) {
        OpenFile file = state.descriptors().get(fd);
        if (file == null || !file.writable()) {
            return -Errno.EBADF.code();
        }
        if (file.isEpoll()) {
            return -Errno.EINVAL.code(); // open for writing, but no write of its own (FMODE_CAN_WRITE)
        }
        if (!accessOk(buffer, count)) {
            return -Errno.EFAULT.code();
        }
        long total = Math.min(count, MAX_RW_COUNT);
        if (file.isPipe()) {
            return PipeTransfers.write(sys, state, LinuxSyscall.WRITE, file, IoVector.of(buffer, total));
        }
        return writeConsole(sys, state, buffer, total);
    }

    /** The console's part of write: {@code total} bytes from {@code buffer}, in pieces. */
    private static long writeConsole(Syscalls sys, LinuxProcess state, long buffer, long total) {
        long done = 0;
        byte[] held = new byte[0];
        while (done < total) {
            int n = (int) Math.min(MAX_TRANSFER, total - done);
            byte[] piece = sys.copyFromUser(buffer + done, n);
            if (piece == null) {
                // as Linux, the write goes up to the page that cannot be read: retry to the next page boundary
                n = (int) Math.min(n, Syscalls.pageSize() - ((buffer + done) & (Syscalls.pageSize() - 1)));
                piece = sys.copyFromUser(buffer + done, n);
                if (piece == null) {
                    break;
                }
            }
            done += n;
            byte[] text = held.length == 0 ? piece : concat(held, piece);
            int whole = done < total ? wholeCharacters(text) : text.length;
            held = java.util.Arrays.copyOfRange(text, whole, text.length);
            toConsole(sys, state, text, whole);
        }
        toConsole(sys, state, held, held.length);
        if (total > 0 && done == 0) {
            return -Errno.EFAULT.code();
        }
        return done;
    }

    /**
     * Linux's access_ok, which read, write, their vectors and getrandom ask before moving a byte:
     * the range [buffer, buffer + count) lies below the top of user space, whether mapped or not
     * (so a count of 2^63 is EFAULT, not a write up to the first hole). An empty range at a
     * kernel address fails too.
     */
    static boolean accessOk(long buffer, long count) {
        return Long.compareUnsigned(count, Layout.USER_TOP) <= 0
                && Long.compareUnsigned(buffer, Layout.USER_TOP - count) <= 0;
    }

    private static void toConsole(Syscalls sys, LinuxProcess state, byte[] bytes, int length) {
        boolean overBefore = state.consoleDropped() > 0;
        int kept = state.consoleRoom(length);
        if (kept > 0) {
            sys.console(bytes, kept);
        }
        if (!overBefore && state.consoleDropped() > 0) {
            byte[] note = ("\n[sos] the console keeps the first " + (CONSOLE_LIMIT >> 20)
                    + " MiB a process writes; the rest is not kept\n").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            sys.console(note, note.length);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] joined = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, joined, a.length, b.length);
        return joined;
    }

    /**
     * The length of {@code bytes} up to the start of a UTF-8 sequence its end cuts short (all of
     * it when none is): at most the last three bytes are held back.
     */
    static int wholeCharacters(byte[] bytes) {
        for (int back = 1; back <= Math.min(3, bytes.length); back++) {
            int b = bytes[bytes.length - back] & 0xFF;
            if ((b & 0xC0) == 0x80) {
                continue; // a continuation byte: its lead is further back
            }
            int needs = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1;
            return needs > back ? bytes.length - back : bytes.length;
        }
        return bytes.length;
    }

    /**
     * read: of a pipe, {@link PipeTransfers#read}; of standard input, which is a file (--stdin): as
     * many bytes as asked and left, as
     * Linux reads a regular file, up to the first page of the buffer that is not writable memory
     * (-EFAULT when that is the first); what is not read stays for the next read. EBADF for a
     * descriptor not open for reading; EINVAL for an epoll, open for reading but with no read of its own.
     */
    private static long read(Syscalls sys, LinuxProcess state, long fd, long buffer, long count) {
        OpenFile file = state.descriptors().get(fd);
        if (file == null || !file.readable()) {
            return -Errno.EBADF.code();
        }
        if (file.isEpoll()) {
            return -Errno.EINVAL.code(); // open for reading, but no read of its own (FMODE_CAN_READ)
        }
        if (!accessOk(buffer, count)) {
            return -Errno.EFAULT.code();
        }
        if (file.isPipe()) {
            return PipeTransfers.read(sys, state, LinuxSyscall.READ, file, IoVector.of(buffer, Math.min(count, MAX_RW_COUNT)));
        }
        int n = (int) Math.min(file.inputLeft(), Math.min(count, MAX_RW_COUNT));
        byte[] bytes = file.takeInput(n);
        if (bytes.length == 0 || sys.copyToUser(buffer, bytes, bytes.length)) {
            return bytes.length;
        }
        // as Linux, the read fills the buffer up to the first page it cannot write
        int done = 0;
        while (done < bytes.length) {
            int chunk = (int) Math.min(bytes.length - done,
                    Syscalls.pageSize() - ((buffer + done) & (Syscalls.pageSize() - 1)));
            if (!sys.copyToUser(buffer + done, java.util.Arrays.copyOfRange(bytes, done, done + chunk), chunk)) {
                break;
            }
            done += chunk;
        }
        file.giveBackInput(bytes.length - done);
        return done == 0 ? -Errno.EFAULT.code() : done;
    }

    /**
     * Whether every page of [addr, addr + length) lies in a region of the process (as Linux's
     * msync and mlock ask of their range: a hole is ENOMEM); an empty range is.
     */
    private static boolean mapped(Process p, long addr, long length) {
        long end = addr + ((length + Syscalls.pageSize() - 1) & -Syscalls.pageSize());
        if (length < 0 || Long.compareUnsigned(end, addr) < 0) {
            return false;
        }
        long at = addr;
        for (org.capbuddy.sos.addrspace.Region r : p.addressSpace().regions()) {
            if (r.base() <= at && at < r.end()) {
                at = r.end();
            }
        }
        return Long.compareUnsigned(at, end) >= 0;
    }

    /**
     * munmap: SOS's, except that a page-aligned range in user space in which nothing is mapped is
     * not an error, as on Linux (which unmaps whatever is there, and here there is nothing).
     */
    private static long munmap(Syscalls sys, Process p, long addr, long length) {
        SysResult result = sys.munmap(addr, length);
        if (result.isOk() || result.errno() != Errno.EINVAL) {
            return result.returnRegister();
        }
        long end = addr + ((length + Syscalls.pageSize() - 1) & -Syscalls.pageSize());
        // unsigned: a kernel-half address is no plain user range
        boolean plain = (addr & (Syscalls.pageSize() - 1)) == 0 && length > 0 && Long.compareUnsigned(end, addr) > 0
                && Long.compareUnsigned(end, org.capbuddy.sos.addrspace.Layout.USER_TOP) <= 0;
        boolean nothingThere = p.addressSpace().regions().stream().noneMatch(r -> r.base() < end && addr < r.end());
        return plain && nothingThere ? 0 : result.returnRegister();
    }

    /**
     * writev and readv in Linux's order: the descriptor (EBADF, even for no iovecs), the count
     * (EINVAL past UIO_MAXIOV), the array (EFAULT), every length (EINVAL for a negative one) and
     * then every buffer's range (access_ok's EFAULT) before a byte moves; lengths past
     * MAX_RW_COUNT in all are cut to it. Then each iovec in turn; an error after some bytes moved
     * returns the bytes moved.
     */
    private static long vector(Syscalls sys, LinuxProcess state, long fd, long iov, long count, boolean write) {
        OpenFile file = state.descriptors().get(fd);
        if (file == null || !(write ? file.writable() : file.readable())) {
            return -Errno.EBADF.code();
        }
        if (Long.compareUnsigned(count, MAX_IOV) > 0) {
            return -Errno.EINVAL.code();
        }
        if (count == 0) {
            // an epoll is open for both but has neither read nor write: do_iter_read and
            // do_iter_write say EINVAL before they look at the count (with iovecs, the first
            // one's read or write below says it, after the vector's checks, as import_iovec's come first)
            return file.isEpoll() ? -Errno.EINVAL.code() : 0;
        }
        byte[] vectors = sys.copyFromUser(iov, (int) count * 16);
        if (vectors == null) {
            return -Errno.EFAULT.code();
        }
        ByteBuffer entries = ByteBuffer.wrap(vectors).order(ByteOrder.LITTLE_ENDIAN);
        long[] lengths = new long[(int) count];
        for (int i = 0; i < count; i++) {
            lengths[i] = entries.getLong(16 * i + 8);
            if (lengths[i] < 0) {
                return -Errno.EINVAL.code();
            }
        }
        long asked = 0;
        for (int i = 0; i < count; i++) {
            if (!accessOk(entries.getLong(16 * i), lengths[i])) {
                return -Errno.EFAULT.code();
            }
            lengths[i] = Math.min(lengths[i], MAX_RW_COUNT - asked);
            asked += lengths[i];
        }
        if (file.isPipe()) {
            // one transfer over every buffer, as Linux's pipe_read and pipe_write take the whole vector
            long[] bases = new long[(int) count];
            for (int i = 0; i < count; i++) {
                bases[i] = entries.getLong(16 * i);
            }
            IoVector io = new IoVector(bases, lengths);
            return write ? PipeTransfers.write(sys, state, LinuxSyscall.WRITEV, file, io)
                    : PipeTransfers.read(sys, state, LinuxSyscall.READV, file, io);
        }
        long total = 0;
        for (int i = 0; i < count; i++) {
            long base = entries.getLong(16 * i);
            long length = lengths[i];
            long moved = write ? write(sys, state, fd, base, length) : read(sys, state, fd, base, length);
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

    /**
     * Nanoseconds from the epoch of {@code clock}: the realtime clocks (0, 5) start at {@link
     * #EPOCH_SECONDS}, CLOCK_TAI {@link #TAI_OFFSET_SECONDS} later.
     */
    private static long clockNanos(LinuxProcess state, int clock) {
        long epoch = clock == 0 || clock == 5 ? EPOCH_SECONDS : clock == CLOCK_TAI ? EPOCH_SECONDS + TAI_OFFSET_SECONDS : 0;
        return epoch * NANOS_PER_SECOND + state.now();
    }

    /**
     * The clocks clock_gettime reads: CLOCK_REALTIME to CLOCK_BOOTTIME (0 to 7), CLOCK_TAI (11), and
     * the caller's CPU-time clocks by the negative ids Linux makes of a pid (clock_getcpuclockid,
     * pthread_getcpuclockid: {@code ~pid << 3}, plus 4 for a thread's, plus 0 to 2 for which time), for pid 0
     * or its own (its one thread's tid is its pid); they read the process's clock, as
     * CLOCK_PROCESS_CPUTIME_ID does. Which time 3, another pid (none SOS lets a process name) and a
     * descriptor's clock (low bits 3: there are no clock devices) are EINVAL, as are the alarm
     * clocks (8, 9), which need a real-time clock device SOS's machine has not.
     */
    private static boolean clockKnown(int clock, int pid) {
        if (clock >= 0) {
            return clock <= 7 || clock == CLOCK_TAI;
        }
        int owner = ~(clock >> 3);
        return (clock & 3) != 3 && (owner == 0 || owner == pid);
    }

    private static long clockGettime(Syscalls sys, LinuxProcess state, int clock, int pid, long timespec) {
        if (!clockKnown(clock, pid)) {
            return -Errno.EINVAL.code();
        }
        long nanos = clockNanos(state, clock);
        return sys.copyToUser(timespec, Timespecs.of(nanos), Timespecs.SIZE) ? 0
                : -Errno.EFAULT.code();
    }

    /**
     * clock_getres: every clock clock_gettime knows reads in whole nanoseconds (a millisecond per
     * call plus the exact time slept, the coarse clocks too), so each says 1 ns, as Linux says of its
     * high-resolution clocks; a NULL {@code timespec} only asks whether the clock exists.
     */
    private static long clockGetres(Syscalls sys, int clock, int pid, long timespec) {
        if (!clockKnown(clock, pid)) {
            return -Errno.EINVAL.code();
        }
        return timespec == 0 || sys.copyToUser(timespec, Timespecs.pair(0, 1), 16) ? 0 : -Errno.EFAULT.code();
    }

    /** gettimeofday: the realtime clock in microseconds; a timezone asked for is UTC (all zero). */
    private static long gettimeofday(Syscalls sys, LinuxProcess state, long timeval, long timezone) {
        long micros = clockNanos(state, 0) / 1000;
        if (timeval != 0 && !sys.copyToUser(timeval, Timespecs.pair(micros / 1_000_000, micros % 1_000_000), 16)) {
            return -Errno.EFAULT.code();
        }
        if (timezone != 0 && !sys.copyToUser(timezone, new byte[8], 8)) {
            return -Errno.EFAULT.code();
        }
        return 0;
    }

    /**
     * nanosleep and clock_nanosleep: nothing else runs, so the process's clock moves on by the time
     * asked (to the time asked, when {@code absolute}) and the call returns at once, unless the
     * interval timer expires inside the sleep and its signal is to be delivered (a handler runs, or
     * its default action kills): then the clock stops at the expiry and the call is EINTR, with the
     * time left written to {@code remain} for a relative sleep (EFAULT when it cannot be), as
     * Linux's; a signal blocked or ignored lets the sleep go on. As Linux, a clock that exists but cannot
     * be slept on (the CPU-time, raw and coarse clocks; the alarm clocks without a real-time clock
     * device, a descriptor's clock) is EOPNOTSUPP before the time is read. A CPU-time clock named
     * by a negative id or CLOCK_PROCESS_CPUTIME_ID has its time read and checked, then is EINVAL:
     * Linux's for the caller's own thread or another process, and for the caller's own process
     * where Linux would wait for CPU time that a sleeping single thread never uses.
     */
    private long nanosleep(Syscalls sys, LinuxProcess state, String call, int clock, boolean absolute, long request,
            long remain) {
        boolean descriptorClock = clock < 0 && (clock & 7) == 3;
        boolean cpuClock = clock == 2 || clock < 0 && !descriptorClock;
        if (clock == 3 || clock == 4 || clock == 5 || clock == 6 || clock == 8 || clock == 9 || descriptorClock) {
            return -Errno.EOPNOTSUPP.code();
        }
        if (!cpuClock && clock != 0 && clock != 1 && clock != 7 && clock != CLOCK_TAI) {
            return -Errno.EINVAL.code();
        }
        byte[] bytes = sys.copyFromUser(request, 16);
        if (bytes == null) {
            return -Errno.EFAULT.code();
        }
        OptionalLong time = Timespecs.nanos(bytes);
        if (time.isEmpty() || cpuClock) {
            return -Errno.EINVAL.code();
        }
        long asked = time.getAsLong();
        long delay = absolute ? asked - clockNanos(state, clock) : asked;
        if (delay <= 0 || state.now() >= LinuxProcess.CLOCK_LIMIT) {
            return 0;
        }
        long end = SignalWaits.endAfter(state, delay);
        if (hasCompany(state) && !LinuxSignals.deliverable(state)) {
            // others of its run can run meanwhile: it blocks until the run's clock reaches its end
            // (or its own timer's expiry, which may interrupt it)
            RealTimer timer = state.realTimer();
            long wakeAt = timer.armed() && timer.expires() < end ? timer.expires() : end;
            state.setSleeping(new Sleep(call, state.now(), end, wakeAt, absolute, remain));
            return Family.BLOCKS;
        }
        return finishSleep(sys, state, end, absolute, remain);
    }

    /** nanosleep's end once the clock is where it may end: 0 at its end, -EINTR (the time left written) for a signal. */
    private static long finishSleep(Syscalls sys, LinuxProcess state, long end, boolean absolute, long remain) {
        if (SignalWaits.wait(state, OptionalLong.of(end), 0, false) == SignalWaits.Woken.TIMEOUT) {
            return 0;
        }
        if (!absolute && remain != 0 && !sys.copyToUser(remain, Timespecs.of(Math.max(0, end - state.now())), 16)) {
            return -Errno.EFAULT.code();
        }
        return -Errno.EINTR.code();
    }

    /** Whether another process of {@code state}'s run has not ended: one that can run while this one sleeps. */
    private boolean hasCompany(LinuxProcess state) {
        for (LinuxProcess other : processes.values()) {
            if (other != state && other.sameRun(state) && !other.hasEnded()) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether {@code p} can run now, for a scheduler: not waiting for a child, not asleep. A
     * sleeper whose wake time the run's clock has reached is woken first (its call finished and
     * its thread resumed).
     */
    public boolean runnable(Process p) {
        LinuxProcess state = processes.get(p.pid());
        if (state == null) {
            return true;
        }
        Sleep s = state.sleeping();
        if (s != null && state.now() >= s.wakeAt()) {
            wakeSleeper(p, state);
        }
        PipeWait pw = state.pipeWait();
        if (pw != null && pw.ready()) {
            // a blocked read or write goes on: it may finish (the thread resumed) or move part and wait again
            long result = PipeTransfers.resume(syscalls.apply(p), state, pw);
            if (result != Family.BLOCKS) {
                wake(p, state, pw.call().linuxName(), result);
            }
        }
        DescriptorWait.Waiting poll = state.pollWait();
        if (poll != null) {
            // an epoll_pwait still asleep on its epoll does not look, at its timeout neither (ep_poll)
            boolean looks = poll.watch().woken();
            int ready = looks ? poll.watch().scan(state) : 0;
            if (ready > 0 || timedOut(state, poll)) {
                state.setPollWait(null);
                wake(p, state, poll.watch().call(), SignalWaits.pollEnd(syscalls.apply(p), state, poll.watch(), poll.back(),
                        ready));
            } else if (looks) {
                poll.watch().blocks(); // an epoll_pwait woken for nothing waits on its epoll again, at the head
            }
        }
        if ((state.pipeWait() != null || state.pollWait() != null) && ownTimerDue(state)) {
            // its own timer expired while it waits on a pipe or in a ppoll or pselect6: SIGALRM ends the call as
            // another process's signal would (EINTR, or pipe I/O restarted under SA_RESTART)
            IntervalTimers.expireDue(state);
            if (LinuxSignals.deliverable(state)) {
                interruptDescriptorWait(p, state);
            }
        }
        ChildWait w = state.waiting();
        SignalTake take = w == null ? null : w.take();
        if (w != null && timerDue(state, w) && (take == null || take.end().isEmpty()
                || state.realTimer().expires() < take.end().getAsLong())) {
            // its own timer expired while it waits: SIGALRM is sent, and wakes it as another
            // process's signal would (EINTR, a restart under SA_RESTART, or the default action;
            // an rt_sigtimedwait whose set holds it takes it)
            IntervalTimers.expireDue(state);
            if (w.vforkChild() != 0) {
                killVforkParent(p, state);
            } else if (w.signalWait() != null && LinuxSignals.endsWait(state)) {
                wakeSignalWait(p, state, w);
            } else if (LinuxSignals.deliverable(state)) {
                interruptChildWait(p, state, w);
            }
        }
        if (take != null && state.waiting() == w && take.timedOut(state.now())) {
            wakeSignalWait(p, state, w); // its timeout came first: EAGAIN
        }
        return state.waiting() == null && state.sleeping() == null && state.pipeWait() == null
                && state.pollWait() == null;
    }

    /**
     * Whether {@code state}'s interval timer has expired on the run's clock while it waits in
     * {@code w} and its SIGALRM may end the wait. A vfork parent's only when SIGALRM would kill it:
     * Linux's vfork waits killable (wait_for_vfork_done in TASK_KILLABLE), so only a fatal signal
     * ends that wait (the process dies); any other stays pending until the child ends.
     */
    private static boolean timerDue(LinuxProcess state, ChildWait w) {
        return timerWakes(state, w) && state.now() >= state.realTimer().expires();
    }

    /**
     * Whether {@code state} waits in {@code w} with a timer armed whose expiry ends the wait: its
     * SIGALRM neither blocked nor ignored (for a vfork parent, fatal). A blocked one is no wake: its
     * expiry is seen when the wait ends otherwise, as every call's way out sees it.
     */
    private static boolean timerWakes(LinuxProcess state, ChildWait w) {
        return state.realTimer().armed() && (w.vforkChild() == 0
                ? LinuxSignals.wouldWake(state, IntervalTimers.SIGALRM)
                : LinuxSignals.wouldKill(state, IntervalTimers.SIGALRM));
    }

    /**
     * When {@code state}'s interval timer expires, if it is armed and its SIGALRM would end a wait
     * under the current mask (neither blocked nor ignored): a wake time of a pipe wait, a ppoll or a pselect6.
     */
    private static OptionalLong ownExpiry(LinuxProcess state) {
        RealTimer timer = state.realTimer();
        return timer.armed() && LinuxSignals.wouldWake(state, IntervalTimers.SIGALRM)
                ? OptionalLong.of(timer.expires()) : OptionalLong.empty();
    }

    /** Whether the run's clock has reached {@link #ownExpiry}. */
    private static boolean ownTimerDue(LinuxProcess state) {
        OptionalLong at = ownExpiry(state);
        return at.isPresent() && state.now() >= at.getAsLong();
    }

    /**
     * A vfork parent with a fatal signal pending ({@link LinuxSignals#fatalPending}: SIGKILL, or a
     * default that kills without dumping core and no handler) dies, as Linux's killable wait for the
     * child lets it; its child goes on, orphaned. Nothing happens for any other signal: it stays
     * pending until the child ends.
     */
    private void killVforkParent(Process p, LinuxProcess state) {
        int fatal = LinuxSignals.fatalPending(state);
        if (fatal == 0) {
            return;
        }
        state.setWaiting(null);
        InvocationResult frame = sel4.tcbReadRegisters(p.tcbCptr(), false, 1);
        syscalls.apply(p).killBySignal(fatal, frame.isOk() ? frame.mr(0) : 0, "a fatal signal ends a vfork"
                + " parent's wait for its child (Linux's wait_for_vfork_done is killable)");
    }

    /**
     * Ends {@code w}, a wait for a signal that a signal it lets through or its timeout ends, and
     * resumes {@code p}: pause, sigsuspend and ppoll with EINTR, the signal delivered on the way out;
     * rt_sigtimedwait as Linux's do_sigtimedwait ends ({@link SignalWaits#finishTake}: the mask
     * before back, a signal of its set taken with its siginfo, else EINTR for another signal or
     * EAGAIN at its timeout).
     */
    private void wakeSignalWait(Process p, LinuxProcess state, ChildWait w) {
        SignalTake take = w.take();
        long result = take == null ? -Errno.EINTR.code()
                : SignalWaits.finishTake(syscalls.apply(p), state, p.pid(), take, LinuxSignals.endsWait(state));
        wake(p, state, w.signalWait(), result);
    }

    /** The call a wait is in, as a wake names it. */
    private static String waitName(ChildWait w) {
        return w.signalWait() != null ? w.signalWait() : w.waitid() ? "waitid" : "wait4";
    }

    /**
     * Whether {@link #runnable} would answer true now, found without its side effect: a sleeper
     * whose time has come counts as runnable, but is not woken.
     */
    public boolean wouldRun(Process p) {
        LinuxProcess state = processes.get(p.pid());
        if (state == null) {
            return true;
        }
        Sleep s = state.sleeping();
        PipeWait pw = state.pipeWait();
        DescriptorWait.Waiting poll = state.pollWait();
        ChildWait w = state.waiting();
        if (w != null) {
            return timerDue(state, w) || w.take() != null && w.take().timedOut(state.now());
        }
        boolean timerEnds = ownTimerDue(state);
        return (s == null || state.now() >= s.wakeAt()) && (pw == null || pw.finishes() || timerEnds)
                && (poll == null || timedOut(state, poll) || timerEnds
                        || poll.watch().woken() && poll.watch().ready(state) > 0);
    }

    /** Whether the run's clock has reached a blocked ppoll's or pselect6's timeout. */
    private static boolean timedOut(LinuxProcess state, DescriptorWait.Waiting poll) {
        return poll.end().isPresent() && state.now() >= poll.end().getAsLong();
    }

    /**
     * When {@code state}'s blocking wait ends on the run's clock: a sleep's wake time, a ppoll's or
     * pselect6's timeout, the expiry of its interval timer while it waits on a pipe, in a ppoll or
     * pselect6, or for a
     * child or a signal (a vfork parent's only when fatal, see {@link #timerDue}); else none.
     */
    private static OptionalLong blockedUntil(LinuxProcess state) {
        if (state == null) {
            return OptionalLong.empty();
        }
        Sleep s = state.sleeping();
        if (s != null) {
            return OptionalLong.of(s.wakeAt());
        }
        DescriptorWait.Waiting poll = state.pollWait();
        if (poll != null || state.pipeWait() != null) {
            // a ppoll's or pselect6's timeout or its own timer's expiry
            return earlier(poll != null ? poll.end() : OptionalLong.empty(), ownExpiry(state));
        }
        ChildWait w = state.waiting();
        OptionalLong expiry = w != null && timerWakes(state, w) ? OptionalLong.of(state.realTimer().expires())
                : OptionalLong.empty();
        // an rt_sigtimedwait's timeout or its own timer's expiry
        return earlier(w == null || w.take() == null ? OptionalLong.empty() : w.take().end(), expiry);
    }

    /** Whichever of two times comes first; either alone when the other is none; none when both are. */
    private static OptionalLong earlier(OptionalLong end, OptionalLong expiry) {
        return end.isEmpty() || expiry.isPresent() && expiry.getAsLong() < end.getAsLong() ? expiry : end;
    }

    /**
     * When {@code p}'s blocking sleep ends on the run's clock, if it sleeps, or when its interval
     * timer expires, if it waits (for a child or a signal) with one armed: the times
     * {@link #jumpToEarliestWake} compares. Not for a vfork parent (see {@link #timerDue}).
     */
    public OptionalLong wakeTime(Process p) {
        return blockedUntil(processes.get(p.pid()));
    }

    /**
     * Every process of a run is blocked: moves the run's clock to the earliest time one of
     * {@code run}'s sleepers wakes, a ppoll or pselect6 of theirs times out or the timer of one waiting for a
     * child or a signal expires ({@link #wakeTime}). False when none has such a time (they all wait
     * for each other).
     */
    public boolean jumpToEarliestWake(List<Process> run) {
        LinuxProcess earliest = null;
        long at = Long.MAX_VALUE;
        for (Process p : run) {
            LinuxProcess state = processes.get(p.pid());
            OptionalLong until = blockedUntil(state);
            if (until.isPresent() && (earliest == null || until.getAsLong() < at)) {
                earliest = state;
                at = until.getAsLong();
            }
        }
        if (earliest == null) {
            return false;
        }
        earliest.jumpClockTo(Math.max(at, earliest.now()));
        return true;
    }

    /** Ends {@code p}'s blocking sleep as nanosleep would now (0, or -EINTR for a signal) and resumes it. */
    private void wakeSleeper(Process p, LinuxProcess state) {
        Sleep s = state.sleeping();
        state.setSleeping(null);
        state.slept(Math.min(state.now(), s.end()) - s.start());
        long result = finishSleep(syscalls.apply(p), state, s.end(), s.absolute(), s.remain());
        wake(p, state, s.call(), result);
    }

    /** struct rusage on AArch64: two timevals, then fourteen longs from ru_maxrss. */
    private static final int RUSAGE_SIZE = 144;
    private static final int RU_MAXRSS = 32;
    /** ru_maxrss is in KiB. */
    private static final long BYTES_PER_KIB = 1024;
    private static final int RU_MINFLT = 64;

    /**
     * getrusage of the process itself (RUSAGE_SELF, 0) or its one thread (RUSAGE_THREAD, 1), which
     * Linux answers alike for a single thread: user time is the process's clock (it has no other);
     * ru_maxrss is the most pages it has had mapped at once, in KiB; ru_minflt the page faults SOS
     * served for it ({@link Process#minorFaults()}); ru_majflt 0 (there is no swap or file to read
     * a page from); the rest 0. For RUSAGE_CHILDREN (-1), the same figures of the children it has
     * reaped (user times and faults summed, ru_maxrss the largest), as Linux.
     */
    private static long getrusage(Syscalls sys, LinuxProcess state, Process p, int who, long usage) {
        if (who != 0 && who != 1 && who != -1) {
            return -Errno.EINVAL.code();
        }
        ByteBuffer bytes = ByteBuffer.allocate(RUSAGE_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        if (who == -1) {
            return sys.copyToUser(usage, Family.usage(state.childrenCpuNanos(), state.childrenMinorFaults(),
                    state.childrenMaxRssKib()), RUSAGE_SIZE) ? 0 : -Errno.EFAULT.code();
        }
        long micros = state.cpuNanos() / 1000;
        bytes.putLong(micros / 1_000_000).putLong(micros % 1_000_000);
        bytes.putLong(RU_MAXRSS, (long) p.peakResidentPages() * (Syscalls.pageSize() / BYTES_PER_KIB));
        bytes.putLong(RU_MINFLT, p.minorFaults());
        return sys.copyToUser(usage, bytes.array(), RUSAGE_SIZE) ? 0 : -Errno.EFAULT.code();
    }

    private static final int RLIMIT_NOFILE = 7;
    /** RLIM_INFINITY. */
    private static final long UNLIMITED = -1;
    /** Resource numbers 0 to 15 (RLIMIT_CPU to RLIMIT_RTTIME); Linux's RLIM_NLIMITS is 16. */
    private static final int RESOURCE_LIMITS = 16;

    /**
     * The limits SOS's processes live under, as getrlimit reads them: the 8 MiB stack (RLIMIT_STACK,
     * 3; no hard limit, as Linux's default), RLIMIT_NPROC (6) 1, a figure from before fork that
     * bounds nothing (the process is root, whose forks Linux does not hold to it either; what
     * bounds a run's processes is SOS's ASIDs and memory), no core dumps (RLIMIT_CORE, 4), the queued
     * real-time signals (RLIMIT_SIGPENDING, 11); nothing else is limited but by memory.
     * RLIMIT_NOFILE (7) is each process's own ({@link Descriptors}).
     */
    private static long[] limit(int resource) {
        return switch (resource) {
            case 3 -> new long[] {org.capbuddy.sos.addrspace.Layout.STACK_SIZE, UNLIMITED};
            case 4 -> new long[] {0, 0};
            case 6 -> new long[] {1, 1};
            case 11 -> new long[] {LinuxProcess.MAX_QUEUED, LinuxProcess.MAX_QUEUED};
            default -> new long[] {UNLIMITED, UNLIMITED};
        };
    }

    /**
     * prlimit64 (and getrlimit) of the caller: the old limit is written; a new one is refused with
     * ENOSYS and counted, as SOS could not enforce it (a smaller stack, say), but for RLIMIT_NOFILE,
     * which the descriptor table enforces ({@link DescriptorCalls#setFileLimit}: the new limit is set
     * before the old one is written, as Linux's do_prlimit). The resource is an
     * unsigned int; only prlimit64 may pass no place for the old limit (getrlimit's NULL is EFAULT).
     */
    private static long prlimit(Syscalls sys, LinuxProcess state, int resource, long newLimit, long oldLimit,
            boolean oldOptional, String call) {
        if (Integer.compareUnsigned(resource, RESOURCE_LIMITS) >= 0) {
            return -Errno.EINVAL.code();
        }
        long[] limit = resource == RLIMIT_NOFILE
                ? new long[] {state.descriptors().softLimit(), state.descriptors().hardLimit()} : limit(resource);
        if (newLimit != 0 && resource == RLIMIT_NOFILE) {
            long set = DescriptorCalls.setFileLimit(sys, state, newLimit);
            if (set != 0) {
                return set;
            }
        } else if (newLimit != 0) {
            state.refuse(call + ": setting a resource limit");
            return -Errno.ENOSYS.code();
        }
        return oldLimit == 0 && oldOptional || sys.copyToUser(oldLimit, Timespecs.pair(limit[0], limit[1]), 16) ? 0
                : -Errno.EFAULT.code();
    }

    private static long uname(Syscalls sys, long buffer) {
        byte[] bytes = new byte[UTSNAME.length * 65];
        for (int i = 0; i < UTSNAME.length; i++) {
            byte[] field = UTSNAME[i].getBytes(java.nio.charset.StandardCharsets.US_ASCII);
            System.arraycopy(field, 0, bytes, 65 * i, field.length);
        }
        return sys.copyToUser(buffer, bytes, bytes.length) ? 0 : -Errno.EFAULT.code();
    }

    /** getrandom's flags: GRND_NONBLOCK, GRND_RANDOM and GRND_INSECURE. */
    private static final int GRND_FLAGS = 7;
    private static final int GRND_RANDOM_OR_INSECURE = 6;

    /**
     * getrandom as Linux answers it: unknown flags, or GRND_INSECURE with GRND_RANDOM, are EINVAL
     * before the buffer is looked at (the flags are an unsigned int); the count is cut to
     * MAX_RW_COUNT, then access_ok; then the bytes are drawn and written in pieces up to the first
     * page that is not writable, which ends the call with what was written (EFAULT when nothing
     * was). Only the bytes written are drawn from the process's stream.
     */
    private static long getrandom(Syscalls sys, LinuxProcess state, long buffer, long count, int flags) {
        if ((flags & ~GRND_FLAGS) != 0 || (flags & GRND_RANDOM_OR_INSECURE) == GRND_RANDOM_OR_INSECURE) {
            return -Errno.EINVAL.code();
        }
        long total = Long.compareUnsigned(count, MAX_RW_COUNT) > 0 ? MAX_RW_COUNT : count;
        if (!accessOk(buffer, total)) {
            return -Errno.EFAULT.code();
        }
        long done = 0;
        while (done < total) {
            int n = (int) Math.min(MAX_TRANSFER, total - done);
            if (sys.checkUserBuffer(buffer + done, n, true) != null) {
                n = (int) Math.min(n, Syscalls.pageSize() - ((buffer + done) & (Syscalls.pageSize() - 1)));
                if (sys.checkUserBuffer(buffer + done, n, true) != null) {
                    break;
                }
            }
            if (!sys.copyToUser(buffer + done, state.randomBytes(n), n)) {
                break;
            }
            done += n;
        }
        return total > 0 && done == 0 ? -Errno.EFAULT.code() : done;
    }
}
