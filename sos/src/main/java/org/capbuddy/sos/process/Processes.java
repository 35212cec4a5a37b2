package org.capbuddy.sos.process;

import org.capbuddy.kernel.trace.TraceKind;
import org.capbuddy.kernel.trace.Tracer;
import java.util.HashMap;
import java.util.Map;
import org.capbuddy.kernel.cpu.UserCpu;
import org.capbuddy.libos.vka.VkaObject;
import org.capbuddy.sos.addrspace.AddressSpace;

/**
 * SOS's process table: the live processes by pid, which is also the badge on each one's fault
 * endpoint, and the one place a process's state changes (running, killed, exited, destroyed).
 * Pids are handed out in order and a failed creation does not use one up.
 */
public final class Processes {
    private final Map<Integer, Process> live = new HashMap<>();
    private final Tracer tracer;
    private int nextPid = 1;

    /** A table whose changes go to {@code tracer} as process events. */
    public Processes(Tracer tracer) {
        this.tracer = tracer;
    }

    /** The machine's trace, for the process layer's other events (the fault handler's decisions). */
    Tracer tracer() {
        return tracer;
    }

    /** The pid the next process will get (its fault endpoint's badge is minted before it exists). */
    public int nextPid() {
        return nextPid;
    }

    /** Records a new running process under {@link #nextPid()}, made without a program file. */
    public Process add(VkaObject tcb, VkaObject cnode, VkaObject vspace, AddressSpace addressSpace, UserCpu cpu) {
        return add(tcb, cnode, vspace, addressSpace, cpu, null);
    }

    /** Records a new running process under {@link #nextPid()}, started from {@code program} (null for none). */
    public Process add(VkaObject tcb, VkaObject cnode, VkaObject vspace, AddressSpace addressSpace, UserCpu cpu,
            ProgramStart program) {
        Process p = new Process(nextPid, tcb, cnode, vspace, addressSpace, cpu, program);
        live.put(p.pid(), p);
        nextPid++;
        if (tracer.on(TraceKind.PROCESSES)) {
            tracer.emit(TraceKind.PROCESSES, p.pid(), -1, "created", "tcb", tcb.cptr(), "vspace", vspace.cptr());
        }
        return p;
    }

    /**
     * Makes the process that will take {@code pid}'s place at an execve, started from
     * {@code program}, without recording it: the live process of that pid stays the table's
     * until {@link #replace}, or {@link #discard} drops the new one.
     */
    public Process stage(int pid, VkaObject tcb, VkaObject cnode, VkaObject vspace, AddressSpace addressSpace,
            UserCpu cpu, ProgramStart program) {
        Process p = new Process(pid, tcb, cnode, vspace, addressSpace, cpu, program);
        if (tracer.on(TraceKind.PROCESSES)) {
            tracer.emit(TraceKind.PROCESSES, pid, -1, "created", "tcb", tcb.cptr(), "vspace", vspace.cptr(), "for",
                    "execve");
        }
        return p;
    }

    /** A {@link #stage staged} process is given up (its objects are gone): it never runs. */
    public void discard(Process staged) {
        staged.markDestroyed();
    }

    /**
     * The execve's point of no return: {@code image}, {@link #stage staged} for the pid of
     * {@code old}, becomes the table's process of that pid and {@code old} is destroyed. The
     * counts Linux keeps across an exec (the faults, as getrusage's ru_minflt, and the largest
     * resident set, ru_maxrss) go on from the old one's.
     */
    public void replace(Process old, Process image, String path) {
        long instructions = old.instructionsNow();
        image.faultsHandled += old.faultsHandled;
        image.pagesMappedForCalls += old.pagesMappedForCalls;
        image.peakPages = Math.max(image.peakPages, old.peakPages);
        live.put(image.pid(), image);
        old.markDestroyed();
        if (tracer.on(TraceKind.PROCESSES)) {
            tracer.emit(TraceKind.PROCESSES, old.pid(), instructions, "exec", "image", path, "tcb", image.tcbCptr(),
                    "vspace", image.vspaceCptr());
        }
    }

    /** The live process with this pid (a fault's badge), or null. */
    public Process get(long pid) {
        return pid < 1 || pid > Integer.MAX_VALUE ? null : live.get((int) pid);
    }

    /** True when {@code p} is this table's live process of its pid. */
    public boolean isLive(Process p) {
        return p != null && live.get(p.pid()) == p;
    }

    public int count() {
        return live.size();
    }

    /** SOS killed the process for an access it had no right to, or could not serve. */
    public void kill(Process p, KillReport report) {
        p.markKilled(report);
        if (tracer.on(TraceKind.PROCESSES) && report.sent()) {
            tracer.emit(TraceKind.PROCESSES, p.pid(), p.instructionsNow(), "killed", "signal", report.signal(), "pc",
                    report.address(), "reason", report.reason());
        } else if (tracer.on(TraceKind.PROCESSES)) {
            tracer.emit(TraceKind.PROCESSES, p.pid(), p.instructionsNow(), "killed", "address", report.address(), "access",
                    report.access().name().toLowerCase(), "region", String.valueOf(report.region()), "reason",
                    report.reason());
        }
    }

    /** The process asked to exit. */
    public void exit(Process p, long code) {
        p.markExited(code);
        if (tracer.on(TraceKind.PROCESSES)) {
            tracer.emit(TraceKind.PROCESSES, p.pid(), p.instructionsNow(), "exited", "code", code);
        }
    }

    /** The process is torn down: it leaves the table. */
    public void remove(Process p) {
        // the count its teardown's invocations carry, read while the process still has its CPU
        long instructions = p.instructionsNow();
        live.remove(p.pid());
        p.markDestroyed();
        if (tracer.on(TraceKind.PROCESSES)) {
            tracer.emit(TraceKind.PROCESSES, p.pid(), instructions, "destroyed");
        }
    }
}
