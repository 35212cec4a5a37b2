package org.capbuddy.libos.vka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.capbuddy.kernel.host.MachineGuard;
import org.junit.jupiter.api.Test;

/**
 * The reusable undo log: steps undone newest first on an error value or a throwable, none after
 * commit, nested scopes undone or forgotten on their own, no allocation per push; and, over
 * seeded random nested operations, exactly what {@link Undo} does.
 */
class UndoLogTest {
    private final MachineGuard guard = new MachineGuard();
    private final UndoLog log = new UndoLog(guard);
    private final List<Long> undone = new ArrayList<>();
    private final UndoLog.Action record = (a, b, attachment) -> {
        undone.add(a);
        return Result.done();
    };

    @Test
    void anUncommittedScopeUndoesEveryStepNewestFirstWithItsArguments() {
        List<Object> seen = new ArrayList<>();
        UndoLog.Action both = (a, b, attachment) -> {
            seen.add(a + "/" + b + "/" + attachment);
            return Result.done();
        };
        try (UndoLog l = log.begin("three steps", 3)) {
            l.push(both, 1, 10);
            l.push(both, 2, 20, "table");
            l.push(both, 3, 30);
        }
        assertThat(seen).containsExactly("3/30/null", "2/20/table", "1/10/null");
        assertThat(log.size()).isZero();
        assertThat(log.depth()).isZero();
        assertThat(guard.isBroken()).isFalse();
    }

    @Test
    void aCommittedScopeUndoesNothingAndTheLogIsReusable() {
        for (int round = 0; round < 3; round++) {
            try (UndoLog l = log.begin("one step", 1)) {
                l.push(record, round, 0);
                l.commit();
            }
            assertThat(log.size()).isZero();
        }
        assertThat(undone).isEmpty();
    }

    @Test
    void aThrowableUndoesTheStepsAndStillPropagates() {
        StackOverflowError cut = new StackOverflowError("cut short");
        assertThatThrownBy(() -> {
            try (UndoLog l = log.begin("two steps", 0x4000, 2)) {
                l.push(record, 1, 0);
                l.push(record, 2, 0);
                throw cut;
            }
        }).isSameAs(cut);
        assertThat(undone).containsExactly(2L, 1L);
        assertThat(guard.isBroken()).isFalse();
    }

    @Test
    void anUndoThatFailsOrThrowsMarksTheMachineBrokenAndTheOthersStillRun() {
        try (UndoLog l = log.begin("four steps at", 0x7000, 4)) {
            l.push(record, 1, 0);
            l.push((a, b, x) -> Result.fail(AllocErrorKind.NOT_ALLOCATED, "slot 7 is not allocated"), 2, 0);
            l.push((a, b, x) -> {
                throw new IllegalStateException("boom");
            }, 3, 0);
            l.push(record, 4, 0);
        }
        assertThat(undone).containsExactly(4L, 1L);
        // Newest first: the throwing step failed first, and only the first failure is kept.
        assertThat(guard.brokenBecause()).contains("undoing four steps at 0x7000").contains("boom");
    }

    @Test
    void aNestedScopeIsUndoneOrForgottenOnItsOwn() {
        try (UndoLog outer = log.begin("outer", 3)) {
            outer.push(record, 1, 0);
            try (UndoLog inner = log.begin("inner, committed", 2)) {
                inner.push(record, 2, 0);
                inner.commit();
            }
            try (UndoLog inner = log.begin("inner, failed", 2)) {
                inner.push(record, 3, 0);
                inner.push(record, 4, 0);
            }
            assertThat(undone).containsExactly(4L, 3L);
            assertThat(log.depth()).isEqualTo(1);
            outer.push(record, 5, 0);
        }
        assertThat(undone).containsExactly(4L, 3L, 5L, 1L);
        assertThat(log.size()).isZero();
    }

    @Test
    void moreStepsThanReservedIsABugThatBreaksTheMachine() {
        assertThatThrownBy(() -> {
            try (UndoLog l = log.begin("one step", 1)) {
                l.push(record, 1, 0);
                l.push(record, 2, 0);
            }
        }).isInstanceOf(IllegalStateException.class).hasMessageContaining("more steps than one step reserved");
        assertThat(undone).containsExactly(1L);
        assertThat(guard.brokenBecause()).contains("recording an undo step");
    }

    @Test
    void aLogGrowsForDeepNestingAndManySteps() {
        int depth = 40;
        for (int d = 0; d < depth; d++) {
            log.begin("level", d, 5);
            for (int i = 0; i < 5; i++) {
                log.push(record, d * 10L + i, 0);
            }
        }
        assertThat(log.depth()).isEqualTo(depth);
        assertThat(log.size()).isEqualTo(5 * depth);
        for (int d = 0; d < depth; d++) {
            log.close();
        }
        assertThat(undone).hasSize(5 * depth);
        assertThat(undone.get(0)).isEqualTo((depth - 1) * 10L + 4);
        assertThat(undone.get(undone.size() - 1)).isZero();
    }

    @Test
    void pushingIntoAReservedScopeAllocatesNothing() {
        com.sun.management.ThreadMXBean threads =
                (com.sun.management.ThreadMXBean) java.lang.management.ManagementFactory.getThreadMXBean();
        UndoLog.Action nothing = (a, b, x) -> Result.done();
        Object attachment = new Object();
        // Warm up: the arrays grow once, then the log is reused.
        for (int i = 0; i < 20_000; i++) {
            try (UndoLog l = log.begin("warm", 3)) {
                l.push(nothing, i, i);
                l.push(nothing, i, i, attachment);
                l.commit();
            }
        }
        long before = threads.getCurrentThreadAllocatedBytes();
        for (int i = 0; i < 100_000; i++) {
            try (UndoLog l = log.begin("measured", 3)) {
                l.push(nothing, i, i);
                l.push(nothing, i, i, attachment);
                l.commit();
            }
        }
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        // A few hundred bytes of slack for the counter's own reading; a byte per operation would be 100 KB.
        assertThat(allocated).as("bytes allocated by 100,000 logged operations").isLessThan(4096);
    }

    // ---- differential: random nested operations, against Undo

    /** What an operation does after its items: commit, return a failure (no commit), or throw. */
    private enum Ending { COMMIT, FAIL, THROW }

    /** A random nested operation: steps (some whose undo fails) and nested operations, then an ending. */
    private record Op(List<Object> items, Ending ending, int reserve) {
    }

    private record Step(long id, boolean undoFails) {
    }

    private static Op randomOp(SplittableRandom random, int depth) {
        List<Object> items = new ArrayList<>();
        int n = random.nextInt(5);
        int steps = 0;
        for (int i = 0; i < n; i++) {
            if (depth < 4 && random.nextInt(4) == 0) {
                items.add(randomOp(random, depth + 1));
            } else {
                items.add(new Step(random.nextLong(1_000_000), random.nextInt(20) == 0));
                steps++;
            }
        }
        Ending ending = Ending.values()[random.nextInt(3)];
        return new Op(items, ending, steps + random.nextInt(3));
    }

    private static final class Thrown extends RuntimeException {
        Thrown() {
            super("injected", null, false, false);
        }
    }

    private static Result<?> undo(Step s, List<Long> undone) {
        undone.add(s.id());
        return s.undoFails() ? Result.fail(AllocErrorKind.NOT_ALLOCATED, "step " + s.id()) : Result.done();
    }

    /** Runs {@code op} with the reference, {@link Undo}: one log object per operation, a lambda per step. */
    private static void runWithUndo(Op op, MachineGuard guard, List<Long> undone) {
        try (Undo undo = Undo.begin(guard, "op")) {
            for (Object item : op.items()) {
                if (item instanceof Step s) {
                    undo.push(() -> undo(s, undone));
                } else {
                    runWithUndo((Op) item, guard, undone);
                }
            }
            end(op, () -> undo.commit());
        }
    }

    /** Runs {@code op} with one {@link UndoLog} shared by every level. */
    private static void runWithLog(Op op, UndoLog log, List<Long> undone) {
        UndoLog.Action action = (a, b, attachment) -> undo((Step) attachment, undone);
        try (UndoLog l = log.begin("op", op.reserve())) {
            for (Object item : op.items()) {
                if (item instanceof Step s) {
                    l.push(action, s.id(), 0, s);
                } else {
                    runWithLog((Op) item, log, undone);
                }
            }
            end(op, l::commit);
        }
    }

    private static void end(Op op, Runnable commit) {
        switch (op.ending()) {
            case COMMIT -> commit.run();
            case FAIL -> { }
            case THROW -> throw new Thrown();
        }
    }

    @Test
    void randomNestedOperationsUndoExactlyWhatUndoDoes() {
        long seed = Long.getLong("capbuddy.seed", 20261206);
        SplittableRandom random = new SplittableRandom(seed);
        MachineGuard logGuard = new MachineGuard();
        UndoLog shared = new UndoLog(logGuard);
        for (int round = 0; round < 20_000; round++) {
            Op op = randomOp(random, 0);
            String at = "seed " + seed + " round " + round + " (re-run with -Dcapbuddy.seed=" + seed + "): " + op;
            MachineGuard undoGuard = new MachineGuard();
            List<Long> expected = new ArrayList<>();
            boolean expectedThrow = false;
            try {
                runWithUndo(op, undoGuard, expected);
            } catch (Thrown t) {
                expectedThrow = true;
            }
            List<Long> actual = new ArrayList<>();
            boolean actualThrow = false;
            try {
                runWithLog(op, shared, actual);
            } catch (Thrown t) {
                actualThrow = true;
            }
            assertThat(actual).as(at).isEqualTo(expected);
            assertThat(actualThrow).as(at).isEqualTo(expectedThrow);
            assertThat(logGuard.isBroken()).as(at).isEqualTo(undoGuard.isBroken());
            assertThat(shared.size()).as(at).isZero();
            assertThat(shared.depth()).as(at).isZero();
            if (logGuard.isBroken()) {
                // A broken machine stays broken; start the next round on a sound one.
                logGuard = new MachineGuard();
                shared = new UndoLog(logGuard);
            }
        }
    }
}
