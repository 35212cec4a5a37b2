package org.capbuddy.sos.run;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import org.capbuddy.kernel.trace.TraceEvent;
import org.capbuddy.kernel.trace.TraceKind;
import org.capbuddy.sos.Sos;

/**
 * A program started paused before its first instruction, with a {@link Stepper} the machine's
 * trace feeds, as step mode and the browser view drive it. The trace starts before the program
 * does, so that the first pause shows the process made and its stack written: those events wait
 * for the stepper to exist. After {@link #finish} the trace goes on to the sink alone (teardown's
 * events, for a trace file), with no one left to pause.
 */
public final class PausedStart {
    private final ProgramRunner.Started started;
    private final Stepper stepper;
    private final List<TraceEvent> early = new ArrayList<>();
    private Stepper ready;
    private boolean over;

    private PausedStart(Sos sos, ProgramRunner.Launch launch, Set<Stepper.PauseOn> pauseOn, long every,
            Set<TraceKind> kinds, Consumer<TraceEvent> sink) {
        Set<TraceKind> traced = EnumSet.noneOf(TraceKind.class);
        traced.addAll(kinds);
        traced.addAll(Stepper.kindsNeeded(pauseOn));
        sos.tracer().start(traced, -1, event -> {
            sink.accept(event);
            if (over) {
                return;
            }
            if (ready == null) {
                early.add(event);
            } else {
                ready.accept(event);
            }
        });
        started = new ProgramRunner(sos).start(launch);
        if (started.run() == null) {
            stepper = null;
            return;
        }
        stepper = new Stepper(started.run(), pauseOn, every);
        early.forEach(stepper);
        early.clear();
        ready = stepper;
    }

    /**
     * Starts {@code launch} in {@code sos}, paused before its first instruction, tracing
     * {@code kinds} (and what the stepper needs to pause on {@code pauseOn}) into {@code sink} and
     * the stepper; {@code every} as {@link Stepper}'s.
     */
    public static PausedStart start(Sos sos, ProgramRunner.Launch launch, Set<Stepper.PauseOn> pauseOn, long every,
            Set<TraceKind> kinds, Consumer<TraceEvent> sink) {
        return new PausedStart(sos, launch, pauseOn, every, kinds, sink);
    }

    /** The stepper, or null when SOS refused the program ({@link #refused}). */
    public Stepper stepper() {
        return stepper;
    }

    /** Why SOS refused the program (nothing ran, nothing is left), or null when it started. */
    public ProgramResult refused() {
        return started.refused();
    }

    /**
     * Ends the run where it is and collects its result; the process is torn down when
     * {@code tearDown}, else kept (in the answer) for inspection until {@link Sos#destroy}. For a
     * refused program, the refusal.
     */
    public ProgramRunner.Finished finish(boolean tearDown) {
        over = true;
        if (stepper == null) {
            return new ProgramRunner.Finished(started.refused(), null);
        }
        ProgramResult result = started.run().finish(tearDown);
        return new ProgramRunner.Finished(result, tearDown ? null : started.run().process());
    }
}
