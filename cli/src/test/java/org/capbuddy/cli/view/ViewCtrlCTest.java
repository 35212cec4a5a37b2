package org.capbuddy.cli.view;

import static org.assertj.core.api.Assertions.assertThat;
import static org.capbuddy.cli.view.ViewCli.program;

import org.capbuddy.cli.CliRun;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import sun.misc.Signal;
import sun.misc.SignalHandler;

/**
 * Ctrl-C while the view is open ends the session where the program is, and the report and status
 * follow as after the page's quit. The test raises SIGINT in its own JVM, so it runs only where
 * the JVM may take the signal (not one started with SIGINT ignored, as a background job is, nor
 * with -Xrs): there a SIGINT with no handler of ours would end the test run itself.
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

    @Test
    void ctrlCEndsTheSessionWhereTheProgramIsAndTheReportFollows() {
        Assumptions.assumeTrue(interruptsHeard(), "this JVM ignores SIGINT or keeps it to itself");
        try (ViewCli view = ViewCli.start("run", program("hello"), "--view")) {
            // answered by the session's loop, which listens for Ctrl-C from before it takes a command
            assertThat(view.post("/api/step?n=10").status()).isEqualTo(200);
            Signal.raise(INT);
            CliRun r = view.await();
            assertThat(r.exitCode()).as(r.err()).isEqualTo(1);
            assertThat(r.out()).contains("(Ctrl-C: the session ends; the report follows)\n"
                    + "Stopped by request after 10 instructions.\n", "Stopped before the end.",
                    "leaked frames 0, slots 0");
        }
    }
}
