package org.capbuddy.cli.common;

/** A count and its noun for a report's sentence: "1 fault", "2 faults", "1,024 frames". */
public final class Counted {
    private Counted() {
    }

    /** {@code n} with thousands separators and {@code noun}, given an s unless {@code n} is one. */
    public static String of(long n, String noun) {
        return String.format("%,d %s%s", n, noun, n == 1 ? "" : "s");
    }
}
