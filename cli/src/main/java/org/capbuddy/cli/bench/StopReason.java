package org.capbuddy.cli.bench;

import org.capbuddy.libos.vka.AllocError;

/**
 * Why a workload run stopped: it reached its iteration limit, or a request was refused because
 * memory, slots or bookkeeping ran out, or because of another error (its text).
 *
 * @param kind what stopped the run
 * @param detail the refusal in words (empty when the limit was reached)
 */
public record StopReason(Kind kind, String detail) {

    /** What stopped a run. */
    public enum Kind {
        ITERATION_LIMIT("iteration limit reached"),
        MEMORY_EXHAUSTED("memory exhausted"),
        SLOTS_EXHAUSTED("slots exhausted"),
        BOOKKEEPING_EXHAUSTED("bookkeeping exhausted"),
        ERROR("error");

        private final String words;

        Kind(String words) {
            this.words = words;
        }

        public String words() {
            return words;
        }
    }

    static final StopReason LIMIT = new StopReason(Kind.ITERATION_LIMIT, "");

    /** The reason a refused request gives. */
    static StopReason of(AllocError refusal) {
        if (refusal == null) {
            return new StopReason(Kind.ERROR, "a request was refused without a reason");
        }
        Kind kind = switch (refusal.kind()) {
            case OUT_OF_MEMORY -> Kind.MEMORY_EXHAUSTED;
            case OUT_OF_SLOTS -> Kind.SLOTS_EXHAUSTED;
            case OUT_OF_BOOKKEEPING -> Kind.BOOKKEEPING_EXHAUSTED;
            default -> Kind.ERROR;
        };
        return new StopReason(kind, refusal.toString());
    }

    /** True when the run ended because memory ran out (the one stop a utilisation figure may have). */
    public boolean memoryBound() {
        return kind == Kind.MEMORY_EXHAUSTED;
    }

    @Override
    public String toString() {
        return detail.isEmpty() ? kind.words() : kind.words() + " (" + detail + ")";
    }
}
