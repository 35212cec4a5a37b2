package org.capbuddy.fuzz.sos;

/**
 * The last few operations of a fuzz run, kept cheaply (a name and three numbers each, formatted
 * only when something fails) so that a failure report says what led up to it.
 */
final class OpTrace {
    private static final int SIZE = 12;

    private final String[] names = new String[SIZE];
    private final long[][] args = new long[SIZE][3];
    private long count;

    /** Records an operation on process {@code pid} with up to two arguments. */
    void record(String name, long pid, long a, long b) {
        int i = (int) (count++ % SIZE);
        names[i] = name;
        args[i][0] = pid;
        args[i][1] = a;
        args[i][2] = b;
    }

    /** The recorded operations, oldest first, one per line. */
    String describe() {
        StringBuilder out = new StringBuilder();
        for (long n = Math.max(0, count - SIZE); n < count; n++) {
            int i = (int) (n % SIZE);
            out.append(String.format("%n    #%d %s pid %d 0x%x 0x%x", n + 1, names[i], args[i][0], args[i][1],
                    args[i][2]));
        }
        return out.toString();
    }
}
