package org.capbuddy.fuzz.sos;

/**
 * What SOS's console must show after an operation: the text the process wrote and the lines of its
 * kills. Whether the console is in the middle of a line carries over from one operation to the
 * next, as SOS's own does: a kill notice after an unfinished line starts a line of its own.
 */
final class ConsoleModel {
    private final StringBuilder expected = new StringBuilder();
    private boolean midLine;

    /** A write to the console of {@code text}. */
    void write(String text) {
        expected.append(text);
        if (!text.isEmpty()) {
            midLine = text.charAt(text.length() - 1) != '\n';
        }
    }

    /** SOS's line about a kill, {@code notice} without its newline. */
    void kill(String notice) {
        expected.append(midLine ? "\n" : "").append(notice).append('\n');
        midLine = false;
    }

    boolean isEmpty() {
        return expected.length() == 0;
    }

    /** The text expected since the last take, which is emptied; the line state stays. */
    String take() {
        String text = expected.toString();
        expected.setLength(0);
        return text;
    }
}
