package org.capbuddy.cli.view;

import java.io.PrintWriter;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import org.capbuddy.aarch64.elf.ElfSymbols;
import org.capbuddy.kernel.trace.TraceEvent;
import org.capbuddy.sos.machine.SosMachine;
import org.capbuddy.sos.run.InstructionText;
import org.capbuddy.sos.run.Stepper;

/**
 * The browser view of a paused program ({@code --view}): on the thread that owns the machine, it
 * takes the page's commands from the {@link Desk} one at a time, runs the program as they say
 * through its {@link Stepper} (step N instructions, continue to the next pause, run to the end)
 * and answers each with the state read afresh. It ends at finish, once the program has ended, or
 * at quit (the page's, or Ctrl-C's), leaving the run for the caller to finish and report.
 */
public final class ViewSession {
    /** The trace events a pause keeps (the last ones); the earlier ones are counted. */
    public static final int EVENTS_KEPT = 500;
    /** The console text the state carries (the last characters). */
    public static final int CONSOLE_KEPT = 64 * 1024;
    /** Instructions run between two looks at Ctrl-C while stepping or running far. */
    private static final long CHUNK = 1L << 22;

    /** How the session ended. */
    public enum Ending {
        /** The program ran to its end and the page's finish was pressed. */
        FINISHED,
        /** Quit (the page's, or Ctrl-C): the program stops where it is, unless it had ended. */
        QUIT
    }

    private final Stepper stepper;
    private final StateReader reader;
    private final Predicate<TraceEvent> shown;
    private final Desk desk;
    private final Deque<ViewState.Event> events = new ArrayDeque<>();
    private long leftOut;
    private String reason = "start";
    private final StringBuilder console = new StringBuilder();
    private volatile boolean interrupted;

    private ViewSession(Stepper stepper, StateReader reader, Predicate<TraceEvent> shown, Desk desk) {
        this.stepper = stepper;
        this.reader = reader;
        this.shown = shown;
        this.desk = desk;
    }

    /**
     * Serves the view of {@code stepper}'s program on {@code server} until finish or quit; the
     * page's address, and how the session ended, are said on {@code out}. Call it on the thread
     * that owns the machine, with the program paused before its first instruction.
     *
     * @param shown which trace events the page lists
     * @param name the program as the page names it
     * @param pauseOn the events continue stops after
     * @param every continue also stops at each multiple of this many instructions (0: never), as
     *     the stepper was built with
     */
    public static Ending serve(ViewServer server, SosMachine machine, Stepper stepper, ElfSymbols symbols,
            Predicate<TraceEvent> shown, String name, Set<Stepper.PauseOn> pauseOn, long every, PrintWriter out) {
        Desk desk = new Desk();
        StateReader reader = new StateReader(machine, stepper.run(), new InstructionText(stepper.run(), symbols), name,
                pauseOnText(pauseOn, every));
        ViewSession session = new ViewSession(stepper, reader, shown, desk);
        server.open(desk);
        out.println("View: " + server.url());
        out.println("(the program is paused before its first instruction: step, continue or run it in the page;"
                + " finish there, or Ctrl-C here, ends the session and prints the report)");
        out.flush();
        Ending ending;
        try (CtrlC ctrlC = CtrlC.install(() -> {
            session.interrupted = true;
            desk.post(Desk.Command.QUIT);
        })) {
            ending = session.loop();
        } finally {
            desk.close();
        }
        if (session.interrupted) {
            out.println("(Ctrl-C: the session ends; the report follows)");
        }
        if (ending == Ending.QUIT && !stepper.run().ended()) {
            long n = stepper.run().instructions();
            out.printf("Stopped by request after %,d instruction%s.%n", n, n == 1 ? "" : "s");
        }
        out.flush();
        return ending;
    }

    /** What continue stops after, in words, as the page shows it. */
    static String pauseOnText(Set<Stepper.PauseOn> pauseOn, long every) {
        List<String> stops = new ArrayList<>();
        for (Stepper.PauseOn p : Stepper.PauseOn.values()) {
            if (pauseOn.contains(p)) {
                stops.add(p == Stepper.PauseOn.FAULTS ? "faults" : "system calls");
            }
        }
        if (every > 0) {
            stops.add("every " + every + " instructions"); // as the stepper names the pause
        }
        return stops.isEmpty() ? "nothing (continue runs to the end)" : String.join(" and ", stops);
    }

    private Ending loop() {
        absorb(stepper.atStart());
        while (true) {
            Desk.Request request;
            try {
                request = desk.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return Ending.QUIT;
            }
            Desk.Reply reply;
            try {
                reply = execute(request);
            } catch (RuntimeException | Error e) {
                request.answer().complete(new Desk.Reply(500, new Desk.Problem("the machine failed: " + e)));
                throw e;
            }
            request.answer().complete(reply);
            if (request.command() == Desk.Command.QUIT
                    || request.command() == Desk.Command.FINISH && reply.status() == 200) {
                return request.command() == Desk.Command.QUIT ? Ending.QUIT : Ending.FINISHED;
            }
        }
    }

    private Desk.Reply execute(Desk.Request request) {
        boolean ended = stepper.run().ended();
        switch (request.command()) {
            case STATE, QUIT -> {
                return ok();
            }
            case FINISH -> {
                return ended ? ok() : new Desk.Reply(409, new Desk.Problem("the program has not ended: run it to the"
                        + " end first, or quit to stop it where it is"));
            }
            default -> {
                if (ended) {
                    return new Desk.Reply(409, new Desk.Problem("the program has ended: nothing more runs; finish"
                            + " ends the session and prints the report"));
                }
            }
        }
        events.clear();
        leftOut = 0;
        switch (request.command()) {
            case STEP -> {
                for (long left = request.count(); left > 0 && !stepper.run().ended() && !interrupted; left -= CHUNK) {
                    absorb(stepper.step(Math.min(left, CHUNK)));
                }
            }
            case CONTINUE -> absorb(stepper.resume());
            case RUN -> {
                while (!stepper.run().ended() && !interrupted) {
                    absorb(stepper.step(CHUNK));
                }
                if (stepper.run().ended()) {
                    reason = "ended";
                }
            }
            default -> throw new IllegalStateException("not a command that runs: " + request.command());
        }
        if (interrupted && !stepper.run().ended()) {
            reason = "interrupted (Ctrl-C)";
        }
        return ok();
    }

    /** A pause: its events (the shown ones, the last {@link #EVENTS_KEPT}), its reason, the console's new text. */
    private void absorb(Stepper.Pause pause) {
        for (TraceEvent e : pause.events()) {
            if (!shown.test(e)) {
                continue;
            }
            if (events.size() == EVENTS_KEPT) {
                events.removeFirst();
                leftOut++;
            }
            events.addLast(new ViewState.Event(e.seq(), e.kind().optionName(), e.pid() < 0 ? null : e.pid(),
                    e.instructions() < 0 ? null : e.instructions(), e.name(), e.text()));
        }
        reason = pause.reason();
        console.append(stepper.run().newOutput());
        if (console.length() > CONSOLE_KEPT) {
            console.delete(0, console.length() - CONSOLE_KEPT);
        }
    }

    private Desk.Reply ok() {
        return new Desk.Reply(200, reader.read(reason, new ViewState.Events(new ArrayList<>(events), leftOut),
                console.toString()));
    }
}
