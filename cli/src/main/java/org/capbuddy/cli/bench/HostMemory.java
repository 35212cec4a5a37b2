package org.capbuddy.cli.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;

/**
 * The host process's resident set, as Linux reports it in {@code /proc/self/status} (VmRSS now,
 * VmHWM at its peak); empty on hosts without it.
 */
final class HostMemory {
    private static final Path STATUS = Path.of("/proc/self/status");

    private HostMemory() {
    }

    static OptionalLong residentBytes() {
        return field("VmRSS:");
    }

    static OptionalLong peakResidentBytes() {
        return field("VmHWM:");
    }

    /** A "Name:   1234 kB" line's value in bytes. */
    private static OptionalLong field(String name) {
        try {
            for (String line : Files.readAllLines(STATUS)) {
                if (line.startsWith(name)) {
                    String[] parts = line.substring(name.length()).trim().split("\\s+");
                    return OptionalLong.of(Long.parseLong(parts[0]) * 1024);
                }
            }
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
        return OptionalLong.empty();
    }
}
