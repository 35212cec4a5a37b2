package org.capbuddy.sos.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.OptionalLong;

/**
 * Linux AArch64's {@code struct timespec} (and the other two-long structs the calls exchange:
 * timeval, rlimit) as the system calls read and write them: two little-endian longs.
 */
final class Timespecs {
    static final int SIZE = 16;
    static final long NANOS_PER_SECOND = 1_000_000_000L;

    private Timespecs() {
    }

    /**
     * The nanoseconds a timespec names, saturating at the clock's limit (a wait of centuries
     * does not wrap the clock); empty when Linux would refuse it with EINVAL (seconds below 0,
     * nanoseconds outside 0 to 999,999,999).
     */
    static OptionalLong nanos(byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        long seconds = b.getLong(0);
        long nanos = b.getLong(8);
        if (seconds < 0 || nanos < 0 || nanos >= NANOS_PER_SECOND) {
            return OptionalLong.empty();
        }
        return OptionalLong.of(seconds >= LinuxProcess.CLOCK_LIMIT / NANOS_PER_SECOND ? LinuxProcess.CLOCK_LIMIT
                : seconds * NANOS_PER_SECOND + nanos);
    }

    /** The timespec of {@code nanos} (not negative). */
    static byte[] of(long nanos) {
        return pair(nanos / NANOS_PER_SECOND, nanos % NANOS_PER_SECOND);
    }

    /** Two longs, little-endian, as a timespec, timeval or rlimit lays them out. */
    static byte[] pair(long first, long second) {
        return ByteBuffer.allocate(SIZE).order(ByteOrder.LITTLE_ENDIAN).putLong(first).putLong(second).array();
    }
}
