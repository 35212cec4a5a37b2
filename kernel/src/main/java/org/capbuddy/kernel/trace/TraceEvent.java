package org.capbuddy.kernel.trace;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One event of a machine's trace: its number in the trace (from 1, with no gaps among the kinds
 * traced), its kind, the SOS process it concerns (-1 when the kernel cannot say), the instructions
 * the thread had retired when it happened (-1 where no count applies or is known), a name, and
 * its fields in the order they were given. Nothing in it depends on the host (no clock), so the
 * same run gives the same trace.
 */
public record TraceEvent(long seq, TraceKind kind, int pid, long instructions, String name, Map<String, Object> fields) {
    public TraceEvent {
        fields = Collections.unmodifiableMap(new LinkedHashMap<>(fields));
    }

    /** One line: {@code #seq kind name [pid N] [@instructions] key=value ...}. */
    public String text() {
        StringBuilder s = new StringBuilder(String.format("#%d %s %s", seq, kind.optionName(), name));
        if (pid >= 0) {
            s.append(" pid ").append(pid);
        }
        if (instructions >= 0) {
            s.append(" @").append(instructions);
        }
        fields.forEach((k, v) -> s.append(' ').append(k).append('=').append(text(v)));
        return s.toString();
    }

    /** Numbers above a page in hex (addresses, cptrs, masks), small ones in decimal; lists as {@code [a,b]}. */
    private static String text(Object value) {
        if (value instanceof Long l && Math.abs(l) > 4096) {
            return "0x" + Long.toHexString(l);
        }
        if (value instanceof List<?> list) {
            StringBuilder s = new StringBuilder("[");
            for (int i = 0; i < list.size(); i++) {
                s.append(i == 0 ? "" : ",").append(text(list.get(i)));
            }
            return s.append(']').toString();
        }
        return String.valueOf(value);
    }
}
