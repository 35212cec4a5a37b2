package org.capbuddy.sos.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/** The kernel's sigset_t on AArch64: 64 signals, signal n at bit n - 1, in 8 bytes. */
final class Sigsets {
    /** The size a sigset must be given with (rt_sigaction, rt_sigprocmask, the waits). */
    static final long SIZE = 8;
    /** SIGKILL and SIGSTOP: never blocked, whatever mask a call is given. */
    static final long UNBLOCKABLE = bit(9) | bit(19);

    private Sigsets() {
    }

    /** The set holding only {@code signal} (1 to 64). */
    static long bit(int signal) {
        return 1L << (signal - 1);
    }

    /** The set in the first 8 bytes of {@code bytes}, as the process wrote it (little-endian). */
    static long read(byte[] bytes) {
        return ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
    }
}
