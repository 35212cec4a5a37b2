package org.capbuddy.kernel.invariant;

import java.util.List;

/** The outcome of an invariant check: every violation found, in words. */
public record InvariantReport(List<String> violations, long capsChecked, long objectsChecked) {

    public InvariantReport {
        violations = List.copyOf(violations);
    }

    public boolean ok() {
        return violations.isEmpty();
    }

    @Override
    public String toString() {
        return ok() ? "invariants hold (" + capsChecked + " caps, " + objectsChecked + " objects)"
                : violations.size() + " invariant violation(s): " + String.join("; ", violations);
    }
}
