package org.capbuddy.sos.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Map;
import java.util.TreeMap;
import org.capbuddy.sos.Errno;
import org.capbuddy.sos.Syscalls;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.process.ProcessState;

/**
 * Who is whose child among SOS's Linux processes, and the ended children nobody has waited for
 * (zombies: their SOS process is destroyed, every frame given back, only the pid, the wait status,
 * the resource usage and the group and session kept until wait4 reaps them). Which process is in
 * which group and session is {@link ProcessGroups}'; pids are SOS's.
 */
final class Family {
    /** wait4's options Linux knows: WNOHANG, WUNTRACED, WCONTINUED, __WNOTHREAD, __WALL, __WCLONE. */
    static final int WNOHANG = 1;
    /** waitid's events: a child stopped (WSTOPPED, wait4's WUNTRACED), ended (WEXITED), continued (WCONTINUED). */
    static final int WSTOPPED = 2;
    static final int WEXITED = 4;
    static final int WCONTINUED = 8;
    static final int WNOTHREAD = 0x2000_0000;
    static final int WALL = 0x4000_0000;
    static final int WCLONE = 0x8000_0000;
    private static final int KNOWN_OPTIONS = WNOHANG | WSTOPPED | WCONTINUED | WNOTHREAD | WALL | WCLONE;
    static final int SIGCHLD = 17;
    /** sigaction's SA_NOCLDWAIT: ended children are not kept for wait. */
    private static final long SA_NOCLDWAIT = 2;
    /** A wait that must block: no child has ended yet, and WNOHANG was not given. */
    static final long BLOCKS = Long.MIN_VALUE;
    /** struct rusage on AArch64 and the offsets wait4 fills. */
    static final int RUSAGE_SIZE = 144;
    static final int RU_MAXRSS = 32;
    static final int RU_MINFLT = 64;

    /** A child that ended and has not been reaped; {@code execed} whether it had exec'd (setpgid's EACCES). */
    record Zombie(int pid, int parent, int group, int session, boolean execed, int exitSignal, int status,
                  long cpuNanos, long minorFaults, long maxRssKib) {
        Zombie inGroup(int newGroup) {
            return new Zombie(pid, parent, newGroup, session, execed, exitSignal, status, cpuNanos, minorFaults,
                    maxRssKib);
        }
    }

    private final Map<Integer, LinuxProcess> states;
    private final TreeMap<Integer, Zombie> zombies = new TreeMap<>();

    Family(Map<Integer, LinuxProcess> states) {
        this.states = states;
    }

    /** {@code pid}'s SOS process is gone: its children's zombies nobody will reap go with it. */
    void forgetChildrenOf(int pid) {
        zombies.values().removeIf(z -> z.parent() == pid);
    }

    /** The zombie {@code pid} of a process of {@code run}'s run (its parent lives there), or null. */
    Zombie zombieOfRun(int pid, LinuxProcess run) {
        Zombie z = zombies.get(pid);
        LinuxProcess parent = z == null ? null : states.get(z.parent());
        return parent != null && parent.sameRun(run) ? z : null;
    }

    /** The zombies of {@code run}'s run, by pid: kill, setpgid and setsid find them as processes. */
    java.util.List<Zombie> zombiesOfRun(LinuxProcess run) {
        return zombies.keySet().stream().map(pid -> zombieOfRun(pid, run)).filter(java.util.Objects::nonNull).toList();
    }

    /** setpgid moved zombie {@code pid} into {@code group}: Linux's change_pid works on a zombie too. */
    void regroup(int pid, int group) {
        zombies.computeIfPresent(pid, (k, z) -> z.inGroup(group));
    }

    /** Zombies now, for reports and tests. */
    int zombies() {
        return zombies.size();
    }

    /**
     * wait4 for {@code caller}: the pid of an ended child it reaps (its status and usage written
     * where asked; -EFAULT when a write fails, the child reaped all the same, as Linux), 0 with
     * WNOHANG while its matching children all run, {@link #BLOCKS} without it, -ECHILD when no
     * child matches, -EINVAL for an unknown option, -ESRCH for INT_MIN (which Linux cannot negate).
     */
    long wait4(Process caller, LinuxProcess state, ChildWait w, Syscalls sys) {
        if (!w.waitid() && (w.options() & ~KNOWN_OPTIONS) != 0) {
            return -Errno.EINVAL.code();
        }
        if (w.pid() == Integer.MIN_VALUE) {
            return -Errno.ESRCH.code();
        }
        // waitid without WEXITED asks only for stops and continues, which SOS's children never make:
        // a zombie cannot give either, and (as Linux) does not count as a child to wait for
        boolean exits = !w.waitid() || (w.options() & WEXITED) != 0;
        for (Zombie z : zombies.values()) {
            if (exits && z.parent() == caller.pid() && matches(w, z.pid(), z.group(), z.exitSignal())) {
                return reap(state, z, w, sys);
            }
        }
        boolean running = false;
        for (Map.Entry<Integer, LinuxProcess> e : states.entrySet()) {
            LinuxProcess child = e.getValue();
            if (child.parent() == caller.pid() && !child.hasEnded() && matches(w, e.getKey(), child.group(), child.exitSignal())) {
                running = true;
                break;
            }
        }
        if (!running) {
            return -Errno.ECHILD.code();
        }
        if ((w.options() & WNOHANG) == 0) {
            return BLOCKS;
        }
        // waitid with WNOHANG and no child ended: its siginfo's fields say so (si_signo and si_pid 0)
        return w.waitid() && w.infop() != 0 && !sys.copyToUser(w.infop(), siginfo(0, 0, 0, 0), SIGINFO_FIELDS)
                ? -Errno.EFAULT.code() : 0;
    }

    /** waitid's WNOWAIT: the child is reported and left a zombie. */
    static final int WNOWAIT = 0x0100_0000;
    /** The siginfo fields waitid writes: si_signo, si_errno, si_code, the padding, si_pid, si_uid, si_status. */
    static final int SIGINFO_FIELDS = 28;

    /** waitid's siginfo fields: si_signo, si_errno 0, si_code, si_pid, si_uid 0, si_status. */
    private static byte[] siginfo(int signo, int code, int pid, int status) {
        return ByteBuffer.allocate(SIGINFO_FIELDS).order(ByteOrder.LITTLE_ENDIAN).putInt(0, signo).putInt(8, code)
                .putInt(16, pid).putInt(24, status).array();
    }

    /** Whether {@code p} has a child that has not ended (whose end would send it a signal). */
    boolean hasLiveChildren(Process p) {
        for (LinuxProcess s : states.values()) {
            if (s.parent() == p.pid() && !s.hasEnded()) {
                return true;
            }
        }
        return false;
    }

    /** Linux's eligible_child: the pid or group asked ({@link #waitsFor}), and a clone child (exit signal not SIGCHLD) only with __WCLONE, any with __WALL. */
    private static boolean matches(ChildWait w, int pid, int group, int exitSignal) {
        boolean kind = (w.options() & WALL) != 0 || (exitSignal != SIGCHLD) == ((w.options() & WCLONE) != 0);
        return waitsFor(w, pid, group) && kind;
    }

    /**
     * Linux's eligible_pid: whether wait {@code w} is for child {@code pid}, in {@code group} now
     * (its pid, its group, or any child). Only such a child's end wakes a blocked wait
     * (child_wait_callback); a wait4's 0 and -pgid came as the group, the caller's taken at the
     * call (Linux's get_task_pid).
     */
    static boolean waitsFor(ChildWait w, int pid, int group) {
        return w.group() != 0 ? group == w.group() : w.pid() <= 0 || pid == w.pid();
    }

    private long reap(LinuxProcess state, Zombie z, ChildWait w, Syscalls sys) {
        if (w.waitid()) {
            if ((w.options() & WNOWAIT) == 0) {
                zombies.remove(z.pid());
                state.reaped(z.cpuNanos(), z.minorFaults(), z.maxRssKib());
            }
            boolean faulted = w.infop() != 0 && !sys.copyToUser(w.infop(), siginfo(SIGCHLD,
                    ChildCode.of(z.status()).code(), z.pid(), ChildCode.statusOf(z.status())), SIGINFO_FIELDS);
            if (!faulted && w.rusage() != 0) {
                faulted = !sys.copyToUser(w.rusage(), usage(z.cpuNanos(), z.minorFaults(), z.maxRssKib()), RUSAGE_SIZE);
            }
            return faulted ? -Errno.EFAULT.code() : 0;
        }
        zombies.remove(z.pid());
        state.reaped(z.cpuNanos(), z.minorFaults(), z.maxRssKib());
        boolean faulted = false;
        if (w.status() != 0) {
            byte[] status = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(z.status()).array();
            faulted = !sys.copyToUser(w.status(), status, 4);
        }
        if (!faulted && w.rusage() != 0) {
            faulted = !sys.copyToUser(w.rusage(), usage(z.cpuNanos(), z.minorFaults(), z.maxRssKib()), RUSAGE_SIZE);
        }
        return faulted ? -Errno.EFAULT.code() : z.pid();
    }

    /** A struct rusage with the user time, ru_maxrss (KiB) and ru_minflt SOS knows; the rest 0. */
    static byte[] usage(long cpuNanos, long minorFaults, long maxRssKib) {
        ByteBuffer bytes = ByteBuffer.allocate(RUSAGE_SIZE).order(ByteOrder.LITTLE_ENDIAN);
        long micros = cpuNanos / 1000;
        bytes.putLong(micros / 1_000_000).putLong(micros % 1_000_000);
        bytes.putLong(RU_MAXRSS, maxRssKib);
        bytes.putLong(RU_MINFLT, minorFaults);
        return bytes.array();
    }

    /**
     * {@code p} ended (exited or was killed): its wait status as Linux encodes it (the exit code
     * times 256; the signal number for a kill, SOS's fault kills counting as SIGSEGV). Its
     * children are orphaned (SOS reaps them; getppid reads 0) and its zombies dropped. Kept as a
     * zombie for its parent unless it has none or the parent ignores SIGCHLD (SIG_IGN or
     * SA_NOCLDWAIT, as Linux's autoreap); the parent is sent its exit signal, except a SIGCHLD
     * it has at SIG_IGN (Linux's do_notify_parent sends none then). Returns the parent's
     * state, or null when SOS reaps it.
     */
    LinuxProcess ended(Process p, LinuxProcess state) {
        int status = status(p);
        state.markEnded();
        for (LinuxProcess s : states.values()) {
            if (s.parent() == p.pid()) {
                s.orphaned();
            }
        }
        zombies.values().removeIf(z -> z.parent() == p.pid());
        LinuxProcess parent = state.parent() == 0 ? null : states.get(state.parent());
        if (parent == null) {
            return null;
        }
        SignalAction onChild = parent.action(SIGCHLD);
        boolean autoreap = state.exitSignal() == SIGCHLD && (onChild.handler() == SignalAction.SIG_IGN
                || (onChild.flags() & SA_NOCLDWAIT) != 0);
        // do_notify_parent: SIG_IGN also sets sig to 0, so nothing is queued even when SIGCHLD is
        // blocked (blocked, it would not count as ignored); SA_NOCLDWAIT alone still sends it
        boolean silent = autoreap && onChild.handler() == SignalAction.SIG_IGN;
        if (!silent && state.exitSignal() > 0 && state.exitSignal() <= 64) {
            LinuxSignals.sendChildSignal(parent, state.exitSignal(), new ChildExit(p.pid(), status, state.cpuNanos()));
        }
        if (!autoreap) {
            zombies.put(p.pid(), new Zombie(p.pid(), state.parent(), state.group(), state.session(), state.execs() > 0,
                    state.exitSignal(), status,
                    state.cpuNanos(), p.minorFaults(), (long) p.peakResidentPages() * (Syscalls.pageSize() / 1024)));
        } else {
            parent.reaped(state.cpuNanos(), p.minorFaults(), (long) p.peakResidentPages() * (Syscalls.pageSize() / 1024));
        }
        return parent;
    }

    /** Linux's wait status of an ended process: code << 8 for an exit, the signal for a kill. */
    static int status(Process p) {
        if (p.state() == ProcessState.KILLED && p.killReport() != null) {
            return p.killReport().signal() & ChildCode.TERM_SIGNAL;
        }
        return (int) ((p.exitCode() & 0xFF) << 8);
    }
}
