package org.capbuddy.libos.vka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.capbuddy.kernel.host.MachineGuard;
import org.junit.jupiter.api.Test;

/** The undo log: steps undone newest first on an error value or a throwable, none after commit. */
class UndoTest {
    private final MachineGuard guard = new MachineGuard();
    private final List<Integer> undone = new ArrayList<>();

    private Undo.Step step(int i) {
        return () -> {
            undone.add(i);
            return Result.done();
        };
    }

    @Test
    void anUncommittedLogUndoesEveryStepNewestFirst() {
        try (Undo undo = Undo.begin(guard, "six steps")) {
            for (int i = 1; i <= 6; i++) {
                undo.push(step(i));
            }
        }
        assertThat(undone).containsExactly(6, 5, 4, 3, 2, 1);
        assertThat(guard.isBroken()).isFalse();
    }

    @Test
    void aCommittedLogUndoesNothing() {
        try (Undo undo = Undo.begin(guard, "one step")) {
            undo.push(step(1));
            undo.commit();
        }
        assertThat(undone).isEmpty();
    }

    @Test
    void aThrowableUndoesTheStepsAndStillPropagates() {
        StackOverflowError cut = new StackOverflowError("cut short");
        assertThatThrownBy(() -> {
            try (Undo undo = Undo.begin(guard, "two steps")) {
                undo.push(step(1));
                undo.push(step(2));
                throw cut;
            }
        }).isSameAs(cut);
        assertThat(undone).containsExactly(2, 1);
        assertThat(guard.isBroken()).isFalse();
    }

    @Test
    void anUndoThatFailsMarksTheMachineBrokenAndTheOthersStillRun() {
        try (Undo undo = Undo.begin(guard, "three steps")) {
            undo.push(step(1));
            undo.push(() -> Result.fail(AllocErrorKind.NOT_ALLOCATED, "slot 7 is not allocated"));
            undo.push(step(3));
        }
        assertThat(undone).containsExactly(3, 1);
        assertThat(guard.brokenBecause()).contains("undoing three steps").contains("slot 7 is not allocated");
    }
}
