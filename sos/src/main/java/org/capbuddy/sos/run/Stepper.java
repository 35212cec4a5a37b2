package org.capbuddy.sos.run;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.capbuddy.kernel.trace.TraceEvent;
import org.capbuddy.kernel.trace.TraceKind;

/**
 * Runs a {@link ProgramRun} the way a debugger's step and continue buttons do: a given number of
 * instructions, or on to the next fault or system call (after the instruction during which it
 * happened: SOS has answered it and the instruction has completed) or the next multiple of N
 * instructions, or to the end. It learns of faults and system calls from the machine's trace,
 * whose events it is handed ({@link #accept}), so whoever starts the trace must include
 * {@link #kindsNeeded()}.
 *
 * <p>It also stops at breakpoints: {@link #resume} pauses before the instruction at a breakpoint's
 * address runs (as a debugger's breakpoint does; a resume from that very address runs it first,
 * so a pause that lands on a breakpoint for another reason says so). An execve drops them: their
 * addresses were the old program's, and the pause after it says so.
 * And at watches: {@link #resume} pauses after an instruction that changed the bytes a watch
 * covers, read through SOS's window after every instruction (a page never touched reads as zero,
 * as a demand-zero page will; one paged out or dropped clean, as its next fault will bring it back).
 *
 * <p>Waiting for an event or a breakpoint runs one instruction at a time (every instruction
 * interpreted, none in a translated block): slower, and the program does exactly the same, as the
 * differential tests of translation show.
 */
public final class Stepper implements Consumer<TraceEvent> {
    /** What {@link #resume} stops at. */
    public enum PauseOn {
        /** A VM fault or user exception the kernel delivered (not the UnknownSyscall of an {@code svc}). */
        FAULTS,
        /** A system call SOS served. */
        SYSCALLS
    }

    /**
     * Where a step or resume left the program.
     *
     * @param reason why it paused: "step", "every N instructions", the event's name, or "ended"
     * @param events the trace events since the previous pause, in order
     * @param instructions instructions retired so far
     * @param ended whether the program can run no further (see {@link ProgramRun#ended})
     */
    public record Pause(String reason, List<TraceEvent> events, long instructions, boolean ended) {
        public Pause {
            events = List.copyOf(events);
        }
    }

    private final ProgramRun run;
    private final Set<PauseOn> pauseOn;
    private final long every;
    private final List<TraceEvent> seen = new ArrayList<>();
    /** Breakpoint addresses, in order. */
    private final java.util.TreeSet<Long> breakpoints = new java.util.TreeSet<>();
    /** The run's execve count when the stepper last looked ({@link #droppedAtExec}). */
    private int execsSeen;
    /** Watches by address, in order, each with the value last seen. */
    private final java.util.TreeMap<Long, WatchState> watches = new java.util.TreeMap<>();

    /** A watch: {@code size} bytes (1, 2, 4 or 8, naturally aligned) at {@code address}. */
    public record Watch(long address, int size) {
    }

    /** A watch and what it last read (a page never touched, or unmapped, reads as 0). */
    private static final class WatchState {
        final Watch watch;
        long value;
        boolean mapped;

        WatchState(Watch watch) {
            this.watch = watch;
        }
    }
    private String pending;

    /**
     * @param pauseOn the events {@link #resume} stops after
     * @param every {@link #resume} also stops when the instruction count reaches a multiple of
     *     this; 0 for never
     */
    public Stepper(ProgramRun run, Set<PauseOn> pauseOn, long every) {
        this.run = run;
        this.pauseOn = pauseOn == null || pauseOn.isEmpty() ? EnumSet.noneOf(PauseOn.class) : EnumSet.copyOf(pauseOn);
        this.every = Math.max(0, every);
        this.execsSeen = run.execs();
    }

    /** The trace kinds the stepper must be handed to see the events it pauses on. */
    public Set<TraceKind> kindsNeeded() {
        return kindsNeeded(pauseOn);
    }

    /** The trace kinds a stepper pausing on {@code pauseOn} must be handed. */
    public static Set<TraceKind> kindsNeeded(Set<PauseOn> pauseOn) {
        Set<TraceKind> kinds = EnumSet.noneOf(TraceKind.class);
        if (pauseOn.contains(PauseOn.FAULTS)) {
            kinds.add(TraceKind.FAULTS);
        }
        if (pauseOn.contains(PauseOn.SYSCALLS)) {
            kinds.add(TraceKind.SYSCALLS);
        }
        return kinds;
    }

    public ProgramRun run() {
        return run;
    }

    /** A trace event: kept for the next pause, and marks a pause when it is one the stepper stops at. */
    @Override
    public void accept(TraceEvent event) {
        seen.add(event);
        if (pending == null && stopsAt(event)) {
            pending = event.kind() == TraceKind.SYSCALLS ? "syscall " + event.name() : event.name();
        }
    }

    private boolean stopsAt(TraceEvent e) {
        if (e.kind() == TraceKind.SYSCALLS) {
            return pauseOn.contains(PauseOn.SYSCALLS);
        }
        return e.kind() == TraceKind.FAULTS && pauseOn.contains(PauseOn.FAULTS)
                && (e.name().equals("vm_fault") || e.name().equals("user_exception"));
    }

    /** The pause before anything runs: the events so far (the process made, its stack written). */
    public Pause atStart() {
        return pause("start");
    }

    /** Runs exactly {@code n} instructions (fewer if the program ends), whatever happens during them. */
    public Pause step(long n) {
        run.advance(n);
        return pause(droppedAtExec() ? "step; " + DROPPED : "step");
    }

    /** Why a pause came at an execve: the breakpoints went with the program they were set in. */
    static final String DROPPED = "an execve replaced a program: the breakpoints, at its addresses, dropped";

    /**
     * Whether a process exec'd since this was last asked while breakpoints were set: they are
     * then dropped, as their addresses were the old program's (the new one has other code there,
     * and a debugger does not keep them either).
     */
    private boolean droppedAtExec() {
        if (run.execs() == execsSeen) {
            return false;
        }
        execsSeen = run.execs();
        if (breakpoints.isEmpty()) {
            return false;
        }
        breakpoints.clear();
        return true;
    }

    /**
     * Sets a breakpoint at {@code address}; false (and nothing set) when an instruction cannot be
     * there (not 4-byte aligned, or negative as an address, above the 48-bit user range).
     */
    public boolean addBreakpoint(long address) {
        if ((address & 3) != 0 || address < 0 || address >= 1L << 48) {
            return false;
        }
        breakpoints.add(address);
        return true;
    }

    /** Removes the breakpoint at {@code address}; false when there was none. */
    public boolean removeBreakpoint(long address) {
        return breakpoints.remove(address);
    }

    /** Removes every breakpoint. */
    public void clearBreakpoints() {
        breakpoints.clear();
    }

    /** The breakpoint addresses, lowest first. */
    public List<Long> breakpoints() {
        return List.copyOf(breakpoints);
    }

    /**
     * Watches {@code size} bytes at {@code address}; false (and nothing set) unless the size is
     * 1, 2, 4 or 8 and the address is aligned to it and in the 48-bit user range. Watching an
     * address already watched replaces its size.
     */
    public boolean addWatch(long address, int size) {
        if (Integer.bitCount(size) != 1 || size > 8 || (address & (size - 1)) != 0 || address < 0
                || address >= 1L << 48) {
            return false;
        }
        WatchState w = new WatchState(new Watch(address, size));
        observe(w);
        watches.put(address, w);
        return true;
    }

    /** Stops watching {@code address}; false when it was not watched. */
    public boolean removeWatch(long address) {
        return watches.remove(address) != null;
    }

    /** Removes every watch. */
    public void clearWatches() {
        watches.clear();
    }

    /** The watches, lowest address first. */
    public List<Watch> watches() {
        return watches.values().stream().map(w -> w.watch).toList();
    }

    /** Reads a watch's bytes now; true when they differ from what it last read. */
    private boolean observe(WatchState w) {
        java.util.OptionalLong now = run.sos().pages().peek(run.process(), w.watch.address(), w.watch.size());
        long value = now.orElse(0);
        boolean changed = value != w.value;
        w.value = value;
        w.mapped = now.isPresent();
        return changed;
    }

    /**
     * Runs on to the next event it pauses on, the next breakpoint, the next change of a watched
     * value, the next multiple of {@code every}, or the end.
     */
    public Pause resume() {
        pending = null;
        long boundary = every > 0 ? (run.instructions() / every + 1) * every : Long.MAX_VALUE;
        if (pauseOn.isEmpty() && breakpoints.isEmpty() && watches.isEmpty()) {
            run.advance(boundary - run.instructions());
            execsSeen = run.execs();
        } else {
            // what the watches read now, so that a step taken since is not reported as a change
            watches.values().forEach(this::observe);
            boolean first = true;
            while (!run.ended() && pending == null && run.instructions() < boundary) {
                if (!first && breakpoints.contains(run.pc())) {
                    return pause(String.format("breakpoint 0x%x", run.pc()));
                }
                first = false;
                long pc = run.pc();
                run.advance(1);
                if (droppedAtExec()) {
                    pending = pending == null ? DROPPED : pending + "; " + DROPPED;
                }
                String changed = changedWatch(pc);
                if (changed != null) {
                    // the instruction that faulted or called may also have changed a watch: say both
                    pending = pending == null ? changed : pending + "; " + changed;
                }
            }
        }
        if (pending != null) {
            return pause(pending);
        }
        return pause(run.instructions() >= boundary && !run.ended() ? "every " + every + " instructions" : "step");
    }

    /** The first watch the instruction at {@code pc} changed, in words, or null; every watch is re-read. */
    private String changedWatch(long pc) {
        String first = null;
        for (WatchState w : watches.values()) {
            long before = w.value;
            boolean wasMapped = w.mapped;
            if (observe(w) && first == null) {
                String page = wasMapped == w.mapped ? "" : w.mapped ? " (its page mapped since)"
                        : " (its page unmapped since)";
                first = String.format("watch 0x%x: 0x%x -> 0x%x%s, by the instruction at 0x%x", w.watch.address(),
                        before, w.value, page, pc);
            }
        }
        return first;
    }

    /** Runs to the end without pausing. */
    public Pause finishRun() {
        while (!run.ended()) {
            run.advance(1L << 22);
        }
        return pause("ended");
    }

    private Pause pause(String reason) {
        // paused on a breakpoint's address for another reason: said, since the resume from here
        // runs that instruction without stopping at the breakpoint
        String why = !run.ended() && !reason.startsWith("breakpoint") && breakpoints.contains(run.pc())
                ? String.format("%s, at breakpoint 0x%x", reason, run.pc()) : reason;
        Pause p = new Pause(run.ended() ? "ended" : why, seen, run.instructions(), run.ended());
        seen.clear();
        pending = null;
        return p;
    }
}
