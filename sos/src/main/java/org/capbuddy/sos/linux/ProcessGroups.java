package org.capbuddy.sos.linux;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.capbuddy.sos.Errno;
import org.capbuddy.sos.process.Process;

/**
 * Linux's process groups and sessions among the processes of a run: kernel/sys.c's setpgid,
 * getpgid, getsid and setsid, and the members a kill of a group (kill_pgrp) finds. A run is like a
 * pid namespace of its own: its first process starts, as a program a shell without job control
 * started, in a group and a session that are not its own and lie outside the run (the shell's).
 * getpgid and getsid read 0 for those, as Linux's pid_vnr does for a pid outside the caller's
 * namespace (and as getppid reads 0 for the first process's parent), and no pid names them, so
 * setpgid cannot join them by number. A group or a session a process of the run makes has its
 * pid. fork passes both on and execve keeps them ({@link LinuxProcess}); a zombie keeps its own
 * until it is reaped ({@link Family.Zombie}); a group with no process, live or zombie, is gone.
 * There is no controlling terminal, so a session has no foreground group, and no process ever
 * stops, so an orphaned group is never sent SIGHUP and SIGCONT.
 */
final class ProcessGroups {
    private final Map<Integer, LinuxProcess> states;
    private final Map<Integer, Process> live;
    private final Family family;

    /** A process of a run as these calls see it, live or a zombie. */
    private record Member(int pid, int parent, int group, int session, boolean execed) {
        static Member of(int pid, LinuxProcess s) {
            return new Member(pid, s.parent(), s.group(), s.session(), s.execs() > 0);
        }

        static Member of(Family.Zombie z) {
            return new Member(z.pid(), z.parent(), z.group(), z.session(), z.execed());
        }

        boolean leadsSession() {
            return session == pid;
        }
    }

    ProcessGroups(Map<Integer, LinuxProcess> states, Map<Integer, Process> live, Family family) {
        this.states = states;
        this.live = live;
        this.family = family;
    }

    /** The id of the group and the session outside the run whose first process is {@code firstPid}: below 0, so no pid names them. */
    static int outside(int firstPid) {
        return -firstPid;
    }

    /** A group or session id as a process of the run reads it: 0 for one outside the run. */
    static long visible(int id) {
        return id > 0 ? id : 0;
    }

    /**
     * setpgid(pid, pgid) for {@code caller}, in Linux's order: pid 0 is the caller and pgid 0 is
     * pid; EINVAL for pgid below 0; ESRCH when pid is no process of the run (a zombie is one), or
     * is neither the caller nor its child; for a child, EPERM when it is in another session and
     * EACCES once it has exec'd; EPERM for a session leader; EPERM when pgid is not pid and no
     * process of the caller's session is in group pgid. A zombie child is moved too, as Linux's
     * change_pid moves one.
     */
    long setpgid(int callerPid, LinuxProcess caller, int pid, int pgid) {
        if (pid == 0) {
            pid = callerPid;
        }
        if (pgid == 0) {
            pgid = pid;
        }
        if (pgid < 0) {
            return -Errno.EINVAL.code();
        }
        Member target = find(pid, caller);
        if (target == null) {
            return -Errno.ESRCH.code();
        }
        if (target.parent() == callerPid) {
            if (target.session() != caller.session()) {
                return -Errno.EPERM.code();
            }
            if (target.execed()) {
                return -Errno.EACCES.code();
            }
        } else if (pid != callerPid) {
            return -Errno.ESRCH.code();
        }
        if (target.leadsSession()) {
            return -Errno.EPERM.code();
        }
        if (pgid != pid) {
            int group = pgid;
            Member any = members(caller).stream().filter(m -> m.group() == group).findFirst().orElse(null);
            if (any == null || any.session() != caller.session()) {
                return -Errno.EPERM.code();
            }
        }
        LinuxProcess state = liveState(pid, caller);
        if (state != null) {
            state.joinGroup(pgid);
        } else {
            family.regroup(pid, pgid);
        }
        return 0;
    }

    /** getpgid(pid): the group of the caller (pid 0) or of process pid of its run (a zombie too); ESRCH for none. */
    long getpgid(LinuxProcess caller, int pid) {
        if (pid == 0) {
            return visible(caller.group());
        }
        Member m = find(pid, caller);
        return m == null ? -Errno.ESRCH.code() : visible(m.group());
    }

    /** getsid(pid): as {@link #getpgid}, the session. */
    long getsid(LinuxProcess caller, int pid) {
        if (pid == 0) {
            return visible(caller.session());
        }
        Member m = find(pid, caller);
        return m == null ? -Errno.ESRCH.code() : visible(m.session());
    }

    /**
     * setsid for {@code caller}: EPERM when it leads a session already or a group with its pid
     * exists (it leads its group, or a zombie or another process is still in the group it once
     * led), as Linux's ksys_setsid; else it leads a new session and a new group, both its pid,
     * which it returns.
     */
    long setsid(int callerPid, LinuxProcess caller) {
        if (caller.session() == callerPid || members(caller).stream().anyMatch(m -> m.group() == callerPid)) {
            return -Errno.EPERM.code();
        }
        caller.startSession(callerPid);
        return callerPid;
    }

    /** The pids of group {@code group}'s processes in {@code caller}'s run, zombies included, ascending: kill_pgrp's targets. */
    List<Integer> pidsOf(LinuxProcess caller, int group) {
        return members(caller).stream().filter(m -> m.group() == group).map(Member::pid).sorted().toList();
    }

    /** The pids of every process of {@code caller}'s run, zombies included, ascending: kill(-1)'s. */
    List<Integer> pidsOfRun(LinuxProcess caller) {
        return members(caller).stream().map(Member::pid).sorted().toList();
    }

    private LinuxProcess liveState(int pid, LinuxProcess caller) {
        LinuxProcess s = states.get(pid);
        return s != null && !s.hasEnded() && live.containsKey(pid) && s.sameRun(caller) ? s : null;
    }

    /** Process {@code pid} of {@code caller}'s run, live or a zombie; null for none. */
    private Member find(int pid, LinuxProcess caller) {
        LinuxProcess s = liveState(pid, caller);
        if (s != null) {
            return Member.of(pid, s);
        }
        Family.Zombie z = family.zombieOfRun(pid, caller);
        return z == null ? null : Member.of(z);
    }

    private List<Member> members(LinuxProcess caller) {
        List<Member> all = new ArrayList<>();
        for (int pid : states.keySet()) {
            LinuxProcess s = liveState(pid, caller);
            if (s != null) {
                all.add(Member.of(pid, s));
            }
        }
        for (Family.Zombie z : family.zombiesOfRun(caller)) {
            all.add(Member.of(z));
        }
        return all;
    }
}
