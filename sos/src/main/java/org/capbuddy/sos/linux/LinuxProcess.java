package org.capbuddy.sos.linux;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.capbuddy.sos.exec.ProgramTable;

/**
 * What SOS's Linux personality keeps per process: its standard input, the random stream that
 * getrandom reads (from the run's seed), the address set_tid_address gave, the time it has slept,
 * its signal mask, each signal's action, the signals pending, its alternate signal stack, the
 * handlers SOS entered, its descriptor table ({@link Descriptors}: standard streams and pipes), the
 * read or write of a pipe or the ppoll or pselect6 it is blocked in, its ITIMER_REAL timer, the
 * mask a wait (sigsuspend, ppoll, pselect6) put aside to restore, the programs its execve may
 * load and how many times it exec'd (the state stays with the pid across an exec, as Linux keeps
 * it: {@link #execed}), and the count of each system call it made (served ones by name, others by
 * number, and what SOS refused of the ones it serves).
 */
public final class LinuxProcess {
    /**
     * The clock of a run: every process forked from the one a run started shares it, so they all
     * read one time. It moves a millisecond per system call of any of them, and forward by the
     * time one sleeps.
     */
    private static final class Clock {
        long nanos;
    }

    /** Its descriptors: standard input, output and error to start with, pipes and their copies. */
    private final Descriptors descriptors;
    private final Clock clock;
    private final SplittableRandom random;
    /** Bytes drawn from {@link #random} but not taken yet ({@link #peekRandom}): the stream goes on from them. */
    private byte[] peeked = new byte[0];
    /** The programs execve may load: the run's, which every process forked from its first shares. */
    private final ProgramTable programs;
    /** How many times the process has exec'd. */
    private int execs;
    /** The parent's pid; 0 when SOS started the process, or reaps it (an orphan). */
    private int parent;
    /**
     * The process group and the session (Linux's PIDTYPE_PGID and PIDTYPE_SID): a pid of the run
     * once setpgid or setsid made one, else the group and session the run started in, which lie
     * outside it ({@link ProcessGroups#outside}); fork passes both on, execve keeps them. 0 until attached.
     */
    private int group;
    private int session;
    /** The signal the parent gets when this process ends (clone's CSIGNAL bits; SIGCHLD for fork). */
    private int exitSignal = 17;
    /** Set once the process has ended. */
    private boolean ended;
    /** Its general registers at the clone that sent it through fork's routine, until the routine's end; else null. */
    private long[] forkRegisters;
    /** The sleep the process is blocked in, or null. */
    private Sleep sleeping;
    /** The wait4 the process is blocked in, or null. */
    private ChildWait waiting;
    /** The read or write of a pipe the process is blocked in, or null. */
    private PipeWait pipeWait;
    /** The ppoll or pselect6 on descriptors the process is blocked in, or null. */
    private DescriptorWait.Waiting pollWait;
    /** The resource usage of the children it has reaped (getrusage's RUSAGE_CHILDREN). */
    private long childrenCpuNanos;
    private long childrenMinorFaults;
    private long childrenMaxRssKib;
    private long clearChildTid;
    private final Map<LinuxSyscall, Long> calls = new EnumMap<>(LinuxSyscall.class);
    private final Map<Long, Long> unknown = new TreeMap<>();
    private final List<Long> mmaps = new ArrayList<>();
    private final Map<String, Long> refused = new TreeMap<>();
    private long sleptNanos;
    /** Bytes of the process's writes the console has kept; the rest is counted in {@link #consoleDropped}. */
    private long consoleKept;
    private long consoleDropped;
    /** Signal n is bit n - 1, as in a Linux sigset_t. */
    private long blockedSignals;
    /**
     * The pending signals, in Linux's two lists: the process's, which kill sends to, and the
     * thread's own, which tkill, tgkill and the kernel's forced signals go on and which is
     * dequeued first. A standard signal merges only with one pending on the same list.
     */
    private final PendingSignals shared = new PendingSignals();
    private final PendingSignals own = new PendingSignals();
    /** Each signal's action (index = signal number); null is SIG_DFL with nothing else set. */
    private final SignalAction[] actions = new SignalAction[65];
    /** The alternate signal stack (sigaltstack): base and size, 0 and 0 when there is none. */
    private long altStackBase;
    private long altStackSize;
    /** Signals whose handler SOS entered, by name, in the order first delivered. */
    private final Map<String, Long> delivered = new LinkedHashMap<>();
    /** Which call sent the instance of each signal last taken for delivery, for the kill report. */
    private final String[] sentBy = new String[65];
    /**
     * The last fault's address and syndrome, Linux's thread.fault_address and fault_code: every
     * signal frame carries them (the syndrome as an esr_context when not 0) until the next fault.
     */
    private long faultAddress;
    private long faultCode;
    /** A signal whose default action ends the process in the call being served; 0 for none. */
    private int dying;
    private RealTimer realTimer = RealTimer.DISARMED;
    /**
     * The periods of ITIMER_VIRTUAL and ITIMER_PROF: neither can be armed (the model has no CPU
     * time), but Linux keeps the period a disarming setitimer gives, and getitimer reads it back.
     */
    private final long[] cpuTimerPeriods = new long[2];
    /**
     * The mask a wait put aside while it waits under another (Linux's saved_sigmask with
     * TIF_RESTORE_SIGMASK): the first handler's frame saves it, and it is restored on the way out
     * when no handler runs.
     */
    private boolean restoreMask;
    private long savedMask;
    /** The mask before sigtimedwait unblocked the signals it waits for (Linux's real_blocked); 0 otherwise. */
    private long realBlocked;

    public LinuxProcess(byte[] stdin, long seed) {
        this(stdin, seed, ProgramTable.empty());
    }

    /** A run's first process, whose execve (and its children's) may load the programs of {@code programs}. */
    public LinuxProcess(byte[] stdin, long seed, ProgramTable programs) {
        this(Descriptors.standard(stdin), new Clock(), new SplittableRandom(seed ^ 0x6765_7472_616E_646FL),
                programs == null ? ProgramTable.empty() : programs);
    }

    private LinuxProcess(Descriptors descriptors, Clock clock, SplittableRandom random, ProgramTable programs) {
        this.descriptors = descriptors;
        this.clock = clock;
        this.random = random;
        this.programs = programs;
    }

    /** The programs execve may load. */
    ProgramTable programs() {
        return programs;
    }

    /** How many times the process has exec'd a new program. */
    public int execs() {
        return execs;
    }

    /**
     * What Linux's execve changes of the process's own state once past its point of no return
     * (begin_new_exec, flush_signal_handlers, do_close_on_exec): every handled signal goes back to
     * SIG_DFL and an ignored one stays ignored, each with its flags, restorer and mask cleared; the
     * alternate signal stack is disabled; the descriptors with FD_CLOEXEC are closed (a pipe end
     * only they held closes); set_tid_address's address is forgotten, as mm_release clears
     * clear_child_tid. Kept, as on Linux: the pid, the parent, the children and their zombies,
     * the pending signals and the mask, the interval timers, the other descriptors, the
     * resource usage and the call counts.
     */
    void execed() {
        for (int signal = 1; signal < actions.length; signal++) {
            SignalAction a = actions[signal];
            if (a != null) {
                actions[signal] = a.handler() == SignalAction.SIG_IGN ? new SignalAction(SignalAction.SIG_IGN, 0, 0, 0)
                        : null;
            }
        }
        altStackBase = 0;
        altStackSize = 0;
        descriptors.closeOnExec();
        clearChildTid = 0;
        execs++;
    }

    /**
     * The state of a child forked from this process, as Linux's fork copies it: the signal actions,
     * the mask, the alternate signal stack and the descriptor table are copied, each descriptor
     * naming the same open file description (standard input's read position, a pipe's end, the
     * status flags), and the run's clock is shared; the child
     * draws its own random stream (split from this one, so a run repeats). Not inherited, as on
     * Linux: pending signals, the interval timers, set_tid_address's address, the call counts and
     * resource usage (they start at zero), the handlers entered and the last fault.
     */
    LinuxProcess forkChild(int parentPid, int signal) {
        LinuxProcess child = new LinuxProcess(descriptors.forkCopy(), clock, random.split(), programs);
        child.blockedSignals = blockedSignals;
        System.arraycopy(actions, 0, child.actions, 0, actions.length);
        child.altStackBase = altStackBase;
        child.altStackSize = altStackSize;
        child.parent = parentPid;
        child.group = group;
        child.session = session;
        child.exitSignal = signal;
        child.forkRegisters = forkRegisters == null ? null : forkRegisters.clone();
        return child;
    }

    int parent() {
        return parent;
    }

    /** Whether the process has ended (its SOS process is about to go, its zombie, if any, kept apart). */
    boolean hasEnded() {
        return ended;
    }

    void markEnded() {
        ended = true;
    }

    /** Its parent ended: SOS reaps it from now on, and getppid reads 0, as for a parent outside its namespace. */
    void orphaned() {
        parent = 0;
    }

    int group() {
        return group;
    }

    /** A run's first process, {@code pid}, starts in the group and session outside the run that started it. */
    void startOutsideIfNone(int pid) {
        if (group == 0) {
            group = ProcessGroups.outside(pid);
            session = group;
        }
    }

    int session() {
        return session;
    }

    /** setpgid moved it into {@code group}. */
    void joinGroup(int group) {
        this.group = group;
    }

    /** setsid made it the leader of a new session and of a new group, both {@code pid}. */
    void startSession(int pid) {
        group = pid;
        session = pid;
    }

    int exitSignal() {
        return exitSignal;
    }

    ChildWait waiting() {
        return waiting;
    }

    long[] forkRegisters() {
        return forkRegisters;
    }

    void setForkRegisters(long[] registers) {
        forkRegisters = registers;
    }

    Sleep sleeping() {
        return sleeping;
    }

    void setSleeping(Sleep sleep) {
        sleeping = sleep;
    }

    /** Whether {@code other} is a process of the same run (their clock is one). */
    boolean sameRun(LinuxProcess other) {
        return other.clock == clock;
    }

    /**
     * Moves the run's clock to {@code time} when it is later: every process of the run is blocked
     * and this is the earliest a sleeper wakes.
     */
    void jumpClockTo(long time) {
        clock.nanos = Math.max(clock.nanos, time);
    }

    /** A blocking sleep has ended after {@code nanos} of the run's clock: its own time counts them, as a sleep does. */
    void slept(long nanos) {
        sleptNanos += Math.max(0, nanos);
    }

    void setWaiting(ChildWait wait) {
        waiting = wait;
    }

    PipeWait pipeWait() {
        return pipeWait;
    }

    void setPipeWait(PipeWait wait) {
        pipeWait = wait;
    }

    DescriptorWait.Waiting pollWait() {
        return pollWait;
    }

    /** Blocks in {@code wait}, or ends the wait blocked in (null); an epoll's waiters follow. */
    void setPollWait(DescriptorWait.Waiting wait) {
        if (pollWait != null) {
            pollWait.watch().unblocks();
        }
        pollWait = wait;
        if (wait != null) {
            wait.watch().blocks();
        }
    }

    Descriptors descriptors() {
        return descriptors;
    }

    /** Adds a reaped child's usage to the children's (getrusage's RUSAGE_CHILDREN: summed, ru_maxrss the largest). */
    void reaped(long cpuNanos, long minorFaults, long maxRssKib) {
        childrenCpuNanos += cpuNanos;
        childrenMinorFaults += minorFaults;
        childrenMaxRssKib = Math.max(childrenMaxRssKib, maxRssKib);
    }

    long childrenCpuNanos() {
        return childrenCpuNanos;
    }

    long childrenMinorFaults() {
        return childrenMinorFaults;
    }

    long childrenMaxRssKib() {
        return childrenMaxRssKib;
    }

    /**
     * The process's own time, as its user time reads: a millisecond per system call it made but
     * rt_sigreturn, plus its sleeps.
     */
    long cpuNanos() {
        return (totalCalls() - calls.getOrDefault(LinuxSyscall.RT_SIGRETURN, 0L)) * 1_000_000 + sleptNanos;
    }

    /**
     * Counts a call served, and moves the run's clock a millisecond, but for rt_sigreturn: a
     * handler's return is the end of a signal's delivery, which takes the clock no time, so that a
     * periodic timer as short as the clock's step (setitimer of 1 ms) cannot find itself due again
     * at every handler's return and never let the program run.
     */
    void count(LinuxSyscall call) {
        calls.merge(call, 1L, Long::sum);
        if (call != LinuxSyscall.RT_SIGRETURN) {
            clock.nanos += 1_000_000;
        }
    }

    void countUnknown(long number) {
        unknown.merge(number, 1L, Long::sum);
        clock.nanos += 1_000_000;
    }

    void mapped(long address) {
        mmaps.add(address);
    }

    /** The addresses successful mmap calls returned, in order. */
    public List<Long> mmapAddresses() {
        return List.copyOf(mmaps);
    }

    /** Calls served, by call. */
    public Map<LinuxSyscall, Long> calls() {
        return Map.copyOf(calls);
    }

    void refuse(String what) {
        refused.merge(what, 1L, Long::sum);
    }

    /**
     * What SOS answered with -ENOSYS in calls it serves, because SOS does not model it (a signal
     * handler, say), by what it was, in words.
     */
    public Map<String, Long> refusedCalls() {
        return Map.copyOf(refused);
    }

    long sleptNanos() {
        return sleptNanos;
    }

    void sleep(long nanos) {
        sleptNanos += nanos;
        clock.nanos += nanos;
    }

    long blockedSignals() {
        return blockedSignals;
    }

    void setBlockedSignals(long mask) {
        blockedSignals = mask;
    }

    SignalAction action(int signal) {
        SignalAction a = actions[signal];
        return a == null ? SignalAction.DEFAULT : a;
    }

    void setAction(int signal, SignalAction action) {
        actions[signal] = action;
    }

    /** SIGRTMIN as the kernel counts: signals from it up are queued, each instance delivered. */
    static final int SIGRTMIN = 32;
    /** RLIMIT_SIGPENDING: the real-time signal instances a process may have queued at once. */
    static final int MAX_QUEUED = 4096;

    /** The clock never runs past this (about 146 years): long sleeps and timers saturate. */
    static final long CLOCK_LIMIT = Long.MAX_VALUE / 2;

    /**
     * Makes {@code signal} pending with {@code instance} on the process's list ({@code toProcess},
     * as kill sends) or the thread's own: a standard one already pending on that list is merged
     * with it (the first's siginfo kept, Linux's legacy_queue), a real-time one is queued as one
     * more instance. False, with nothing changed, for a real-time signal not sent with SI_USER
     * when MAX_QUEUED are queued on both lists (Linux's EAGAIN); one sent with SI_USER then is
     * made pending without an instance of its own, as Linux then sends it without its siginfo
     * (SI_USER, no sender).
     */
    boolean queue(int signal, PendingSignal instance, boolean toProcess) {
        PendingSignals list = toProcess ? shared : own;
        if (signal < SIGRTMIN) {
            if (!list.has(signal)) {
                list.add(signal, instance);
            }
            return true;
        }
        if (shared.realTimeInstances() + own.realTimeInstances() >= MAX_QUEUED) {
            if (instance.code() != 0) {
                return false;
            }
            list.addWithoutInstance(signal, instance.call());
            return true;
        }
        list.add(signal, instance);
        return true;
    }

    /**
     * Takes one instance of pending {@code signal} for delivery from the thread's list when it is
     * pending there, else from the process's: the standard signal, or the oldest queued instance
     * of a real-time one, which stays pending while others are queued.
     */
    PendingSignal take(int signal) {
        boolean fromProcess = !own.has(signal);
        PendingSignal instance = (fromProcess ? shared : own).take(signal);
        sentBy[signal] = instance.call();
        if (fromProcess && signal == IntervalTimers.SIGALRM) {
            realTimer = realTimer.rearmedAfter(now());
        }
        return instance;
    }

    /**
     * The run's clock in nanoseconds since the run started: a millisecond per system call of any
     * of its processes, plus their sleeps (for a run of one process, its own calls and sleeps).
     */
    long now() {
        return clock.nanos;
    }

    RealTimer realTimer() {
        return realTimer;
    }

    void setRealTimer(RealTimer timer) {
        realTimer = timer;
    }

    /** The period of ITIMER_VIRTUAL (1) or ITIMER_PROF (2). */
    long cpuTimerPeriod(int which) {
        return cpuTimerPeriods[which - 1];
    }

    void setCpuTimerPeriod(int which, long period) {
        cpuTimerPeriods[which - 1] = period;
    }

    /** Waits under {@code mask}, putting the current mask aside to be restored ({@link #restoreSavedMask}). */
    void waitUnder(long mask) {
        savedMask = blockedSignals;
        restoreMask = true;
        blockedSignals = mask;
    }

    /** The mask a handler's frame saves: the one a wait put aside, else the current one. */
    long maskToSave() {
        return restoreMask ? savedMask : blockedSignals;
    }

    /** A frame has saved the put-aside mask: rt_sigreturn restores it, not the way out. */
    void savedMaskTaken() {
        restoreMask = false;
    }

    /** On the way out with no handler entered: the mask a wait put aside is the mask again. */
    void restoreSavedMask() {
        if (restoreMask) {
            blockedSignals = savedMask;
            restoreMask = false;
        }
    }

    long realBlocked() {
        return realBlocked;
    }

    void setRealBlocked(long mask) {
        realBlocked = mask;
    }

    /** Discards every pending instance of {@code signal}, on both lists. */
    void discard(int signal) {
        shared.discard(signal);
        own.discard(signal);
    }

    /** How many instances of {@code signal} are pending on both lists: 0 to 2 for a standard signal. */
    int pendingCount(int signal) {
        return shared.count(signal) + own.count(signal);
    }

    long altStackBase() {
        return altStackBase;
    }

    long altStackSize() {
        return altStackSize;
    }

    void setAltStack(long base, long size) {
        altStackBase = base;
        altStackSize = size;
    }

    void delivered(String signal) {
        delivered.merge(signal, 1L, Long::sum);
    }

    /** How many times SOS entered the process's handler for each signal, by name (SIGSEGV, ...). */
    public Map<String, Long> signalsDelivered() {
        return Collections.unmodifiableMap(new LinkedHashMap<>(delivered));
    }

    /** The signals pending on either list. */
    long pendingSignals() {
        return shared.set() | own.set();
    }

    /** The signals pending on the thread's own list, which Linux's dequeue_signal takes from first. */
    long threadPendingSignals() {
        return own.set();
    }

    String sentBy(int signal) {
        return sentBy[signal];
    }

    long faultAddress() {
        return faultAddress;
    }

    long faultCode() {
        return faultCode;
    }

    void setLastFault(long address, long code) {
        faultAddress = address;
        faultCode = code;
    }

    int dying() {
        return dying;
    }

    void setDying(int signal) {
        dying = signal;
    }

    /** Calls SOS answered with -ENOSYS, by number. */
    public Map<Long, Long> unknownCalls() {
        return Map.copyOf(unknown);
    }

    public long totalCalls() {
        return calls.values().stream().mapToLong(Long::longValue).sum()
                + unknown.values().stream().mapToLong(Long::longValue).sum();
    }


    /**
     * How many of the next {@code n} bytes written the console keeps: all while the process has
     * written less than {@link LinuxSyscalls#CONSOLE_LIMIT}, then none (they are counted as dropped).
     */
    int consoleRoom(int n) {
        int room = (int) Math.max(0, Math.min(n, LinuxSyscalls.CONSOLE_LIMIT - consoleKept));
        consoleKept += room;
        consoleDropped += n - room;
        return room;
    }

    /** Bytes written beyond what the console keeps. */
    long consoleDropped() {
        return consoleDropped;
    }



    /** The next {@code n} bytes of the process's random stream (getrandom's, execve's AT_RANDOM), taken. */
    byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        int kept = Math.min(n, peeked.length);
        System.arraycopy(peeked, 0, bytes, 0, kept);
        peeked = Arrays.copyOfRange(peeked, kept, peeked.length);
        for (int i = kept; i < n; i++) {
            bytes[i] = (byte) random.nextInt(256);
        }
        return bytes;
    }

    /**
     * The next {@code n} bytes of the random stream, left in it: the next {@link #randomBytes}
     * returns them again. An execve reads its AT_RANDOM bytes this way and takes them only past
     * its point of no return, as Linux draws them only then, so a failed one leaves the stream as it was.
     */
    byte[] peekRandom(int n) {
        byte[] bytes = randomBytes(n);
        byte[] rest = peeked;
        peeked = new byte[bytes.length + rest.length];
        System.arraycopy(bytes, 0, peeked, 0, bytes.length);
        System.arraycopy(rest, 0, peeked, bytes.length, rest.length);
        return bytes;
    }

    void setClearChildTid(long address) {
        clearChildTid = address;
    }

    /** Whether a process of its run has read the run's standard input (not a pipe), through any descriptor. */
    public boolean readStandardInput() {
        return descriptors.inputRead();
    }

    public long clearChildTid() {
        return clearChildTid;
    }
}
