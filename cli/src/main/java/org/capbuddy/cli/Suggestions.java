package org.capbuddy.cli;

/** Whether a mistyped word is close enough to a command's name to suggest it. */
final class Suggestions {
    private Suggestions() {
    }

    /**
     * True when {@code word} is within two edits (insert, delete, change, or swap of neighbours)
     * of {@code name}, or one starts the other: "dmeo" and "bnech" are close to "demo" and "bench".
     */
    static boolean close(String word, String name) {
        if (word.isEmpty()) {
            return false;
        }
        if (name.startsWith(word) || word.startsWith(name)) {
            return true;
        }
        return distance(word, name) <= 2;
    }

    /** Optimal string alignment distance: Levenshtein's, with a swap of two neighbours one edit. */
    static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) {
            d[i][0] = i;
        }
        for (int j = 0; j <= b.length(); j++) {
            d[0][j] = j;
        }
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
