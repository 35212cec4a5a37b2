package org.capbuddy.cli.bench;

import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Locale;

/**
 * A workload's unit of work: what a run's {@code reached} counts, named in its reports by
 * {@link #words()}.
 */
public enum WorkUnit {
    /** mcmc and the original's experiments: a block allocated, others freed. */
    ITERATION,
    /** single and utilisation: one 4 KiB frame allocated. */
    FRAME,
    /** contiguous: one block of 2^k frames allocated and freed. */
    BLOCK,
    /** paging: one page touched. */
    PAGE;

    /** The unit as reports write it: {@code iteration}, {@code frame}, {@code block}, {@code page}. */
    @JsonValue
    public String words() {
        return name().toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return words();
    }
}
