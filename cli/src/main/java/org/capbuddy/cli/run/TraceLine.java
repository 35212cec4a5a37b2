package org.capbuddy.cli.run;

import java.util.Map;
import org.capbuddy.kernel.trace.TraceEvent;

/**
 * One trace event as a JSON line ({@code --trace-format json}): its kind as {@code --trace} names
 * it ({@code faults}, not {@code FAULTS}), and null where an event has no process or no
 * instruction count, rather than the model's -1.
 */
record TraceLine(long seq, String kind, Integer pid, Long instructions, String name, Map<String, Object> fields) {
    static TraceLine of(TraceEvent e) {
        return new TraceLine(e.seq(), e.kind().optionName(), e.pid() < 0 ? null : e.pid(),
                e.instructions() < 0 ? null : e.instructions(), e.name(), e.fields());
    }
}
