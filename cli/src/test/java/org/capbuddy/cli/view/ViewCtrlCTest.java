package org.capbuddy.cli.view;

import static org.assertj.core.api.Assertions.assertThat;
import static org.capbuddy.cli.view.ViewCli.program;

import java.util.concurrent.atomic.AtomicInteger;
import org.capbuddy.cli.CliRun;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Ctrl-C while the view is open ends the session where the program is, and the report and status
 * follow as after the page's quit. The test raises SIGINT in its own JVM, with a guard handler of
 * its own installed first: a session that lost its handler lets the guard count the signal (an
 * assertion fails) instead of the JVM's default ending the test run. It runs only where the JVM
 * may take the signal (not one started with SIGINT ignored, as a background job is, nor with
 * -Xrs), unless {@code CAPBUDDY_SIGINT_TESTS=required} (CI, where its shell does not ignore
 * SIGINT), when that fails it instead.
 */
@Timeout(300)
class ViewCtrlCTest {
    private static final Signal INT = new Signal("INT");

    /** Whether a handler of SIGINT can be installed and would be called. */
    private static boolean interruptsHeard() {
        try {
            SignalHandler before = Signal.handle(INT, signal -> { });
            Signal.handle(INT, before);
            return before != SignalHandler.SIG_IGN;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static void requireInterrupts() {
        boolean heard = interruptsHeard();
        if ("required".equals(System.getenv("CAPBUDDY_SIGINT_TESTS"))) {
            assertThat(heard).as("CAPBUDDY_SIGINT_TESTS=required, but this JVM ignores SIGINT or keeps it to itself")
                    .isTrue();
        }
        Assumptions.assumeTrue(heard, "this JVM ignores SIGINT or keeps it to itself");
    }

    @Test
    void ctrlCEndsTheSessionWhereTheProgramIsAndTheReportFollows() {
        requireInterrupts();
        AtomicInteger guardHeard = new AtomicInteger();
        SignalHandler guard = signal -> guardHeard.incrementAndGet();
        SignalHandler original = Signal.handle(INT, guard);
        SignalHandler after;
        CliRun r;
        try (ViewCli view = ViewCli.start("run", program("hello"), "--view")) {
            // answered by the session's loop, which listens for Ctrl-C from before it takes a command
            assertThat(view.post("/api/step?n=10").status()).isEqualTo(200);
            Signal.raise(INT);
            r = view.await();
        } finally {
            after = Signal.handle(INT, original);
        }
        assertThat(guardHeard).as("the session's handler, not the guard, heard the Ctrl-C").hasValue(0);
        assertThat(after).as("the session put the guard back").isSameAs(guard);
        assertThat(r.exitCode()).as(r.err()).isEqualTo(1);
        assertThat(r.out()).contains("(Ctrl-C: the session ends; the report follows)\n"
                + "Stopped by request after 10 instructions.\n", "Stopped before the end.",
                "leaked frames 0, slots 0");
    }

    /** A handler installed over a session's (an overlapping one's) stays when the session closes. */
    @Test
    void aSessionClosingPutsItsPredecessorBackOnlyOverItsOwnHandler() {
        requireInterrupts();
        SignalHandler guard = signal -> { };
        SignalHandler later = signal -> { };
        SignalHandler original = Signal.handle(INT, guard);
        try {
            AtomicInteger heard = new AtomicInteger();
            CtrlC first = CtrlC.install(heard::incrementAndGet);
            CtrlC second = CtrlC.install(heard::incrementAndGet); // overlapping: its before is first's
            first.close(); // must not put the guard back over second's live handler
            Signal.raise(INT);
            assertThat(awaitCount(heard, 1)).as("the second session's handler heard it").isTrue();
            // second's handler put first's back when it ran; closing second now changes nothing
            second.close();
            Signal.handle(INT, later);
            CtrlC third = CtrlC.install(() -> { });
            third.close();
            assertThat(Signal.handle(INT, later)).as("the handler before the third is back").isSameAs(later);
        } finally {
            Signal.handle(INT, original);
        }
    }

    private static boolean awaitCount(AtomicInteger n, int expected) {
        for (int i = 0; i < 3000 && n.get() < expected; i++) {
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return n.get() == expected;
    }
}
