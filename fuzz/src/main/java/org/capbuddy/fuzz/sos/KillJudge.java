package org.capbuddy.fuzz.sos;

import java.util.Objects;
import java.util.function.BooleanSupplier;
import org.capbuddy.kernel.cpu.AccessKind;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.addrspace.Region;
import org.capbuddy.sos.frametable.FrameTable;
import org.capbuddy.sos.process.KillReport;
import org.capbuddy.sos.process.ProcessState;

/**
 * Decides whether a kill SOS made is the one the model expects. An access is a sequence of
 * pieces, one per page it touches (a page-crossing load is two); SOS must kill the process at the
 * first piece the model refuses, reporting that address, the access and the region there. The
 * one excuse for killing earlier is running out of memory: a full frame table (with paging, a
 * full page file too, or no page the policy could take), or an allocation the fuzzer failed on
 * purpose ({@link InjectedFailures}).
 *
 * <p>An accepted kill updates the model (the pieces before it were mapped; the process is
 * killed) and adds the kill's console line to what the operation must print.
 */
final class KillJudge {
    private final FrameTable frames;
    private final ConsoleModel expectedConsole;
    /** Whether an allocation failed on purpose during the access being judged. */
    private final BooleanSupplier injected;
    private long kills;
    private long outOfMemoryKills;
    private long injectedKills;

    KillJudge(FrameTable frames, ConsoleModel expectedConsole, BooleanSupplier injected) {
        this.frames = frames;
        this.expectedConsole = expectedConsole;
        this.injected = injected;
    }

    /**
     * Judges a running process's access that did not complete.
     *
     * @param pieces the addresses the access's pieces start at, in order
     * @param count how many of {@code pieces} there are
     * @param refused the first piece the model refuses, or -1 when it allows them all
     * @return null when the kill is right, else what is wrong
     */
    String judge(ModelProcess p, long[] pieces, int count, int refused, AccessKind kind) {
        KillReport report = p.process.killReport();
        if (p.process.state() != ProcessState.KILLED || report == null) {
            return kind + " at 0x" + Long.toHexString(pieces[0]) + " did not complete, but " + p.process.pid()
                    + " is " + p.process.state() + (refused < 0 ? " and the model allows it" : "");
        }
        int at = -1;
        for (int i = 0; i < count && at < 0; i++) {
            if (pieces[i] == report.address()) {
                at = i;
            }
        }
        if (at < 0 || report.access() != kind) {
            return "process " + p.pid() + " " + report + ", but the access was a " + kind + " starting at 0x"
                    + Long.toHexString(pieces[0]) + (refused < 0 ? " (allowed)"
                            : " refused at 0x" + Long.toHexString(pieces[refused]));
        }
        if (at == refused) {
            String problem = refusalMatches(p, pieces[at], report);
            if (problem != null) {
                return problem;
            }
        } else if (!outOfMemory(report) || (refused >= 0 && at > refused)) {
            return "process " + p.pid() + " " + report + ", but the model allows a " + kind + " at 0x"
                    + Long.toHexString(pieces[at]) + " (region " + p.space.find(pieces[at]) + ")";
        } else if (injected.getAsBoolean()) {
            injectedKills++;
        } else {
            outOfMemoryKills++;
        }
        for (int i = 0; i < at; i++) {
            p.touch(pieces[i] & -Layout.PAGE);
        }
        p.killed();
        kills++;
        expectedConsole.kill("[sos] process " + p.pid() + " " + report);
        return null;
    }

    private static String refusalMatches(ModelProcess p, long address, KillReport report) {
        Region region = p.space.find(address);
        String expected = region == null ? null : region.kind().label();
        if (!Objects.equals(expected, report.region())) {
            return "process " + p.pid() + " " + report + ", but the model has region " + expected + " there";
        }
        if ((address & -Layout.PAGE) == Layout.GUARD_PAGE && !report.reason().contains("guard page")) {
            return "process " + p.pid() + " " + report + ": a guard page hit not reported as one";
        }
        return null;
    }

    /** Kills accepted as right. */
    long kills() {
        return kills;
    }

    /** Kills for want of a frame: accesses the model allows, made when the frame table was full. */
    long outOfMemoryKills() {
        return outOfMemoryKills;
    }

    /** Kills for an allocation the fuzzer failed on purpose. */
    long injectedKills() {
        return injectedKills;
    }

    private boolean outOfMemory(KillReport report) {
        return report.reason().startsWith("out of memory")
                && (frames.framesInUse() >= frames.limit() || injected.getAsBoolean());
    }
}
