package org.capbuddy.cli.common;

import java.util.ArrayList;
import java.util.List;

/** A plain aligned text table: left-aligned text, right-aligned numbers. */
public final class TextTable {
    private final List<String> headers;
    private final List<List<String>> rows = new ArrayList<>();

    public TextTable(String... headers) {
        this.headers = List.of(headers);
    }

    public TextTable row(Object... cells) {
        List<String> r = new ArrayList<>();
        for (Object c : cells) {
            r.add(String.valueOf(c));
        }
        rows.add(r);
        return this;
    }

    public String render() {
        int[] width = new int[headers.size()];
        boolean[] numeric = new boolean[headers.size()];
        java.util.Arrays.fill(numeric, true);
        for (int i = 0; i < headers.size(); i++) {
            width[i] = headers.get(i).length();
        }
        for (List<String> r : rows) {
            for (int i = 0; i < r.size() && i < width.length; i++) {
                width[i] = Math.max(width[i], r.get(i).length());
                numeric[i] &= r.get(i).matches("[-+]?[0-9.,]+( [KMGT]?i?B)?|0x[0-9a-f_]+");
            }
        }
        StringBuilder out = new StringBuilder();
        line(out, headers, width, numeric);
        StringBuilder rule = new StringBuilder();
        for (int i = 0; i < width.length; i++) {
            rule.append(i == 0 ? "" : "  ").append("-".repeat(width[i]));
        }
        out.append(rule).append('\n');
        for (List<String> r : rows) {
            line(out, r, width, numeric);
        }
        return out.toString();
    }

    private static void line(StringBuilder out, List<String> cells, int[] width, boolean[] numeric) {
        StringBuilder l = new StringBuilder();
        for (int i = 0; i < cells.size(); i++) {
            String c = cells.get(i);
            String pad = " ".repeat(Math.max(0, width[i] - c.length()));
            l.append(i == 0 ? "" : "  ").append(numeric[i] ? pad + c : c + pad);
        }
        out.append(l.toString().stripTrailing()).append('\n');
    }
}
