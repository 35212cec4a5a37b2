package org.capbuddy.sos.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.capbuddy.sos.Syscalls;

/**
 * Where a ppoll or pselect6 writes its time left back, and what from: the timeout as given (its
 * seconds and nanoseconds, unsaturated) and the run's clock when it was read. Linux's
 * poll_select_finish writes the time asked for less the time elapsed (never below zero); keeping
 * the request whole, rather than the end SOS's clock saturates at its limit, keeps that true for
 * timeouts of any size. An address of 0 writes nothing (no timeout, or a zero one).
 */
record TimeLeft(long address, long seconds, long nanos, long start) {
    static final TimeLeft NONE = new TimeLeft(0, 0, 0, 0);

    /** The timeout {@code bytes} (a valid timespec) read from {@code address} at {@code start}. */
    static TimeLeft of(long address, byte[] bytes, long start) {
        ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        return new TimeLeft(address, b.getLong(0), b.getLong(8), start);
    }

    /** Writes the time left at {@code now} back, ignoring a write that fails (as Linux does). */
    void write(Syscalls sys, long now) {
        if (address == 0) {
            return;
        }
        long elapsed = Math.max(0, now - start);
        long s = seconds - elapsed / Timespecs.NANOS_PER_SECOND;
        long n = nanos - elapsed % Timespecs.NANOS_PER_SECOND;
        if (n < 0) {
            n += Timespecs.NANOS_PER_SECOND;
            s--;
        }
        sys.copyToUser(address, s < 0 ? Timespecs.pair(0, 0) : Timespecs.pair(s, n), Timespecs.SIZE);
    }
}
