package org.capbuddy.cli.bench;

import org.capbuddy.libos.vka.AllocError;

/**
 * Why a workload run stopped: it reached its limit (the iterations, frames, blocks or pages it was
 * asked for), or a request was refused because memory, slots or bookkeeping ran out, or because
 * of another error (its text).
 *
 * @param kind what stopped the run
 * @param detail the refusal in words (empty when the limit was reached)
 */
public record StopReason(Kind kind, String detail) {

    /** What stopped a run. */
    public enum Kind {
        /** The run did all the work it was asked for; its words name the unit ("frame limit reached"). */
        LIMIT_REACHED("limit reached"),
        MEMORY_EXHAUSTED("memory exhausted"),
        SLOTS_EXHAUSTED("slots exhausted"),
        BOOKKEEPING_EXHAUSTED("bookkeeping exhausted"),
        ERROR("error");

        private final String words;

        Kind(String words) {
            this.words = words;
        }

        /** The kind in the words of the tables and CSVs; the limit names its run's unit of work. */
        public String words(WorkUnit unit) {
            return this == LIMIT_REACHED ? unit.words() + " " + words : words;
        }

        /**
         * The kind a report's JSON names, or null for a name no version wrote. Reports written
         * before the limit named its unit say {@code ITERATION_LIMIT} for every unit.
         */
        static Kind fromJson(String name) {
            if (name.equals("ITERATION_LIMIT")) {
                return LIMIT_REACHED;
            }
            for (Kind k : values()) {
                if (k.name().equals(name)) {
                    return k;
                }
            }
            return null;
        }
    }

    static final StopReason LIMIT = new StopReason(Kind.LIMIT_REACHED, "");

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

    /** The reason in words, the limit naming {@code unit}: "frame limit reached", "slots exhausted (...)". */
    public String words(WorkUnit unit) {
        return detail.isEmpty() ? kind.words(unit) : kind.words(unit) + " (" + detail + ")";
    }
}
