package org.capbuddy.sos.linux;

import java.util.Arrays;
import org.capbuddy.sos.Syscalls;

/**
 * The user buffers of one read, write, readv or writev, in order ({@code bases}, {@code lengths},
 * already checked and cut to MAX_RW_COUNT in all): a pipe transfer moves bytes at an offset of
 * their concatenation, through SOS's copies to and from the process (which map, fault in and
 * mark dirty as every system call's copy does), up to the first page that cannot be reached.
 */
record IoVector(long[] bases, long[] lengths) {
    static IoVector of(long base, long length) {
        return new IoVector(new long[] {base}, new long[] {length});
    }

    long total() {
        return Arrays.stream(lengths).sum();
    }

    /** Bytes [offset, offset + n) read from the process: fewer (to the first page it cannot read) when one cannot be. */
    byte[] copyIn(Syscalls sys, long offset, int n) {
        byte[] out = new byte[n];
        int done = 0;
        long skip = offset;
        for (int i = 0; i < bases.length && done < n; i++) {
            if (skip >= lengths[i]) {
                skip -= lengths[i];
                continue;
            }
            int take = (int) Math.min(lengths[i] - skip, n - done);
            int got = copyInRange(sys, bases[i] + skip, take, out, done);
            done += got;
            skip = 0;
            if (got < take) {
                break;
            }
        }
        return done == n ? out : Arrays.copyOf(out, done);
    }

    /** Writes {@code bytes} into the process from offset 0; the count written, short at the first page it cannot write. */
    long copyOut(Syscalls sys, byte[] bytes) {
        int done = 0;
        for (int i = 0; i < bases.length && done < bytes.length; i++) {
            int take = (int) Math.min(lengths[i], bytes.length - done);
            int put = copyOutRange(sys, bases[i], Arrays.copyOfRange(bytes, done, done + take));
            done += put;
            if (put < take) {
                break;
            }
        }
        return done;
    }

    private static int copyInRange(Syscalls sys, long address, int n, byte[] into, int at) {
        byte[] whole = sys.copyFromUser(address, n);
        if (whole != null) {
            System.arraycopy(whole, 0, into, at, n);
            return n;
        }
        // as Linux's copy, up to the page that cannot be read
        int done = 0;
        while (done < n) {
            int piece = (int) Math.min(n - done, Syscalls.pageSize() - ((address + done) & (Syscalls.pageSize() - 1)));
            byte[] bytes = sys.copyFromUser(address + done, piece);
            if (bytes == null) {
                break;
            }
            System.arraycopy(bytes, 0, into, at + done, piece);
            done += piece;
        }
        return done;
    }

    private static int copyOutRange(Syscalls sys, long address, byte[] bytes) {
        if (sys.copyToUser(address, bytes, bytes.length)) {
            return bytes.length;
        }
        int done = 0;
        while (done < bytes.length) {
            int piece = (int) Math.min(bytes.length - done,
                    Syscalls.pageSize() - ((address + done) & (Syscalls.pageSize() - 1)));
            if (!sys.copyToUser(address + done, Arrays.copyOfRange(bytes, done, done + piece), piece)) {
                break;
            }
            done += piece;
        }
        return done;
    }
}
