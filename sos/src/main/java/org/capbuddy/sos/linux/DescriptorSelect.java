package org.capbuddy.sos.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.capbuddy.sos.Errno;
import org.capbuddy.sos.Syscalls;

/**
 * pselect6 on descriptors, as Linux's core_sys_select and do_select ask them: three fd_sets (read,
 * write, except; a null one asks nothing) of {@code n} bits, n capped at the size of the process's
 * descriptor table (Linux's max_fds, not RLIMIT_NOFILE: a bit past it is neither read nor
 * written), each read as whole 64-bit words. A bit naming a descriptor not open is EBADF, once,
 * before any is asked. Each descriptor asked answers with its {@link PollMask}: readable for
 * POLLIN, POLLRDNORM, POLLRDBAND, POLLHUP or POLLERR (so a pipe's read end with no writer left is
 * readable, end of file, and so is a write end with no reader), writable for POLLOUT, POLLWRNORM,
 * POLLWRBAND or POLLERR (a write end with no reader is writable: the write then fails with EPIPE),
 * exceptional for POLLPRI, which neither a pipe nor a standard stream ever has (no out-of-band
 * data), so an except set always comes back empty. The result counts bits, not descriptors (one
 * both readable and writable, asked for both, counts two). The sets go back holding only the bits
 * found, whole words written (bits past n in the last word are cleared), all clear at the
 * timeout; an interrupted select writes nothing back.
 *
 * <p>Not a value: it holds the sets as read and {@link #scan} fills the answer, for {@link #finish}
 * to write back; {@link #ready} counts without filling it.
 */
final class DescriptorSelect implements DescriptorWait {
    /** The three sets' order, Linux's: read, write, except. */
    private static final int SETS = 3;
    // Linux's POLLIN_SET, POLLOUT_SET and POLLEX_SET, each holding POLLNVAL
    private static final int READ_SET = PollMask.POLLIN | PollMask.POLLRDNORM | PollMask.POLLRDBAND | PollMask.POLLHUP
            | PollMask.POLLERR | PollMask.POLLNVAL;
    private static final int WRITE_SET = PollMask.POLLOUT | PollMask.POLLWRNORM | PollMask.POLLWRBAND
            | PollMask.POLLERR | PollMask.POLLNVAL;
    private static final int EXCEPT_SET = PollMask.POLLPRI | PollMask.POLLNVAL;
    private static final int[] WANTED = {READ_SET, WRITE_SET, EXCEPT_SET};

    /** Where each set is (0: none). */
    private final long[] addresses;
    /** The bits asked, as read (a null set's words are 0). */
    private final long[][] asked;
    /** The bits found by the last {@link #scan}. */
    private final long[][] found;
    /** The bytes each set spans: Linux's FDS_BYTES of n. */
    private final int bytes;
    /** n, capped at the table's size. */
    private final int n;

    private DescriptorSelect(long[] addresses, long[][] asked, int bytes, int n) {
        this.addresses = addresses;
        this.asked = asked;
        this.found = new long[SETS][asked[0].length];
        this.bytes = bytes;
        this.n = n;
    }

    /**
     * The three sets at {@code read}, {@code write} and {@code except} (0: none) of the first
     * {@code nfds} descriptors ({@code nfds} not negative), capped at {@code tableSize}; null when
     * one that is not null cannot be read (EFAULT).
     */
    static DescriptorSelect read(Syscalls sys, int nfds, int tableSize, long read, long write, long except) {
        int n = Math.min(nfds, tableSize);
        int words = (n + Long.SIZE - 1) / Long.SIZE;
        int bytes = words * Long.BYTES;
        long[] addresses = {read, write, except};
        long[][] asked = new long[SETS][words];
        for (int set = 0; set < SETS; set++) {
            if (addresses[set] == 0 || bytes == 0) {
                continue;
            }
            byte[] raw = sys.copyFromUser(addresses[set], bytes);
            if (raw == null) {
                return null;
            }
            ByteBuffer.wrap(raw).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(asked[set]);
        }
        // bits from n on in the last word are not asked (Linux's max_select_fd masks them off)
        if (n % Long.SIZE != 0) {
            for (long[] set : asked) {
                set[words - 1] &= (1L << (n % Long.SIZE)) - 1;
            }
        }
        return new DescriptorSelect(addresses, asked, bytes, n);
    }

    /** Whether a bit set in any of the three names a descriptor not open (EBADF, as Linux's max_select_fd). */
    boolean namesClosed(LinuxProcess state) {
        for (int fd = 0; fd < n; fd++) {
            if (isAsked(fd) && state.descriptors().get(fd) == null) {
                return true;
            }
        }
        return false;
    }

    /** Whether any bit is set: with none, the select only waits for its timeout or a signal. */
    boolean any() {
        for (long[] set : asked) {
            for (long word : set) {
                if (word != 0) {
                    return true;
                }
            }
        }
        return false;
    }

    private boolean isAsked(int fd) {
        long bit = 1L << (fd % Long.SIZE);
        int word = fd / Long.SIZE;
        return ((asked[0][word] | asked[1][word] | asked[2][word]) & bit) != 0;
    }

    @Override
    public String call() {
        return "pselect6";
    }

    /** The bits found, kept with {@code fill}: how many there are (a descriptor in two sets counts twice). */
    @Override
    public int ask(LinuxProcess state, boolean fill) {
        int count = 0;
        for (int word = 0; word < asked[0].length; word++) {
            long all = asked[0][word] | asked[1][word] | asked[2][word];
            long[] bits = new long[SETS];
            for (long rest = all; rest != 0; rest &= rest - 1) {
                int fd = word * Long.SIZE + Long.numberOfTrailingZeros(rest);
                long bit = Long.lowestOneBit(rest);
                OpenFile file = state.descriptors().get(fd);
                // one closed since the check (on Linux by another thread; in SOS nothing else
                // closes a blocked process's descriptors) answers POLLNVAL, which every one of
                // Linux's sets holds: do_select reports it in each set it was asked in
                int mask = file == null ? PollMask.POLLNVAL : PollMask.of(file);
                for (int set = 0; set < SETS; set++) {
                    if ((asked[set][word] & bit) != 0 && (mask & WANTED[set]) != 0) {
                        bits[set] |= bit;
                        count++;
                    }
                }
            }
            if (fill) {
                for (int set = 0; set < SETS; set++) {
                    found[set][word] = bits[set];
                }
            }
        }
        return count;
    }

    /**
     * Writes each set that is not null back, read then write then except, holding the bits found
     * ({@code result} a count, or 0 at the timeout: none): -EFAULT at the first that cannot be
     * written, as Linux's core_sys_select. An interrupted select ({@code result} negative) writes
     * nothing: Linux's goes out before its set_fd_set.
     */
    @Override
    public long finish(Syscalls sys, long result) {
        if (result < 0 || bytes == 0) {
            return result;
        }
        for (int set = 0; set < SETS; set++) {
            if (addresses[set] == 0) {
                continue;
            }
            ByteBuffer b = ByteBuffer.allocate(bytes).order(ByteOrder.LITTLE_ENDIAN);
            b.asLongBuffer().put(found[set]);
            if (!sys.copyToUser(addresses[set], b.array(), bytes)) {
                return -Errno.EFAULT.code();
            }
        }
        return result;
    }
}
