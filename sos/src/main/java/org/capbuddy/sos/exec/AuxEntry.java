package org.capbuddy.sos.exec;

import java.util.Objects;

/** One auxiliary vector entry: a type and its word. */
public record AuxEntry(AuxType type, long value) {
    public AuxEntry {
        Objects.requireNonNull(type, "type");
    }

    @Override
    public String toString() {
        return "AT_" + type + "=0x" + Long.toHexString(value);
    }
}
