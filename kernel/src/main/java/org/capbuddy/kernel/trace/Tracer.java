package org.capbuddy.kernel.trace;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.capbuddy.kernel.host.MachineGuard;

/**
 * A machine's event trace: off until {@link #start}, after which each layer's events of the kinds
 * asked for go, numbered, to a sink. Off, it costs each place that could emit one check of an int
 * ({@link #on}); callers test it before building an event's fields.
 *
 * <p>The kernel, the pool and allocman know no processes: their events name none. While a layer
 * above works for a process ({@link #serve}: SOS running its thread, answering its fault or
 * system call, creating or tearing it down), such an event is the process's: it carries that
 * process's pid and, when it has none of its own, the instructions the process had retired, so
 * that a trace of one process keeps the invocations made for it.
 */
public final class Tracer {
    /** What a null subject is served as: no process. */
    private static final Subject NO_PROCESS = new Pid(-1);

    private final MachineGuard guard;
    private int kinds;
    private int pid = -1;
    private Consumer<TraceEvent> sink = e -> { };
    private long seq;
    /** The processes being served, innermost last: a stack, as a fault can come inside a run. */
    private Subject[] served = new Subject[4];
    private int servedDepth;

    /** A process as a layer above the kernel knows it: what an event made for it carries. */
    public interface Subject {
        int pid();

        /** The instructions it has retired, or a negative number when it runs none yet. */
        long instructionsNow();
    }

    /** A process known by its pid alone, before it can run (while it is being made). */
    public record Pid(int pid) implements Subject {
        @Override
        public long instructionsNow() {
            return -1;
        }
    }

    /** The trace of the machine {@code guard} guards: a sink runs outside its assured-headroom scopes. */
    public Tracer(MachineGuard guard) {
        this.guard = guard;
    }

    /** Whether events of {@code kind} are being traced. */
    public boolean on(TraceKind kind) {
        return (kinds & (1 << kind.ordinal())) != 0;
    }

    /**
     * Traces {@code traced} from now on into {@code into}, only those of process {@code onlyPid}
     * when it is not negative (events that name no process and are made for none are then left
     * out too). Returns false, changing nothing, when {@code traced} or {@code into} is null or
     * {@code traced} holds null.
     */
    public boolean start(Set<TraceKind> traced, int onlyPid, Consumer<TraceEvent> into) {
        if (traced == null || into == null) {
            return false;
        }
        int mask = 0;
        // not traced.contains(null): Set.of and TreeSet throw on it instead of answering
        for (TraceKind k : traced) {
            if (k == null) {
                return false;
            }
            mask |= 1 << k.ordinal();
        }
        kinds = mask;
        pid = onlyPid;
        sink = into;
        return true;
    }

    /** Stops tracing; the numbering goes on where it was if tracing starts again. */
    public void stop() {
        kinds = 0;
        sink = e -> { };
    }

    /**
     * Work for {@code subject} starts: until the matching {@link #endService}, events that name no
     * process are its (none's, for a null subject: work for no process inside another's).
     * Services nest; each must be ended, in a {@code finally}, by its starter.
     */
    public void serve(Subject subject) {
        if (servedDepth == served.length) {
            served = Arrays.copyOf(served, servedDepth * 2);
        }
        served[servedDepth++] = subject == null ? NO_PROCESS : subject;
    }

    /** The innermost service started by {@link #serve} ends. */
    public void endService() {
        if (servedDepth > 0) {
            served[--servedDepth] = null;
        }
    }

    /** Events emitted so far. */
    public long emitted() {
        return seq;
    }

    /**
     * Emits an event of {@code kind} if it is traced: {@code keyValues} alternate field names and
     * values. A {@code process} below 0 (none) is the served process's, if one is being served.
     */
    public void emit(TraceKind kind, int process, long instructions, String name, Object... keyValues) {
        if (!on(kind)) {
            return;
        }
        if (process < 0 && servedDepth > 0) {
            Subject subject = served[servedDepth - 1];
            process = subject.pid();
            instructions = instructions < 0 ? subject.instructionsNow() : instructions;
        }
        if (pid >= 0 && process != pid) {
            return;
        }
        Map<String, Object> fields = new LinkedHashMap<>();
        for (int i = 0; i + 1 < keyValues.length; i += 2) {
            fields.put(String.valueOf(keyValues[i]), keyValues[i + 1]);
        }
        TraceEvent event = new TraceEvent(++seq, kind, process, instructions, name, fields);
        // The sink is not the driver's bounded loop: whatever it makes the machine do is probed.
        int suspension = guard.suspendAssuredHeadroom();
        try {
            sink.accept(event);
        } finally {
            guard.resumeAssuredHeadroom(suspension);
        }
    }
}
