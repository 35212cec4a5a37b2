package org.capbuddy.sos.process;

import org.capbuddy.kernel.cpu.AccessKind;

/**
 * Why SOS killed a process: the faulting address, what the access was, the region it fell in
 * (its kind's {@code RegionKind.label()}, or null for none) and the reason in words.
 */
public record KillReport(long address, AccessKind access, String region, String reason) {

    @Override
    public String toString() {
        return String.format("killed: %s at 0x%x (%s): %s", access.name().toLowerCase(java.util.Locale.ROOT), address,
                region == null ? "no region" : region, reason);
    }
}
