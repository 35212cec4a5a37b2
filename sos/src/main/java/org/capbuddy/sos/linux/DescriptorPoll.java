package org.capbuddy.sos.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.capbuddy.sos.Errno;
import org.capbuddy.sos.Syscalls;

/**
 * ppoll on descriptors, as Linux's do_poll asks each one (struct pollfd: an int descriptor, short
 * events, short revents): a negative descriptor is skipped, one not open is POLLNVAL, an open one
 * answers with its {@link PollMask}. Each revents is what was asked, POLLERR and POLLHUP, or
 * POLLNVAL; the result is how many are not 0. A ppoll that finds none ready waits ({@link
 * DescriptorWait.Waiting}) until one is, a signal, or its timeout.
 *
 * <p>Not a value: it holds the array as read and {@link #scan} fills that copy's revents in place,
 * for {@link #finish} to write back; {@link #ready} asks the same question without filling them.
 */
final class DescriptorPoll implements DescriptorWait {
    /** A pollfd's size. */
    static final int ENTRY = 8;

    /** Where the pollfd array is. */
    private final long fds;
    /** The array as read, its revents filled by {@link #scan}. */
    private final byte[] entries;

    private DescriptorPoll(long fds, byte[] entries) {
        this.fds = fds;
        this.entries = entries;
    }

    /** A ppoll of no descriptors (one that waits for its timeout or a signal only): nothing to write back. */
    static DescriptorPoll none(long fds) {
        return new DescriptorPoll(fds, new byte[0]);
    }

    /** The pollfd array at {@code fds}, {@code count} entries; null when it cannot be read (EFAULT). */
    static DescriptorPoll read(Syscalls sys, long fds, int count) {
        byte[] entries = sys.copyFromUser(fds, count * ENTRY);
        return entries == null ? null : new DescriptorPoll(fds, entries);
    }

    @Override
    public String call() {
        return "ppoll";
    }

    /** Each revents, filled with {@code fill}: how many are not 0. */
    @Override
    public int ask(LinuxProcess state, boolean fill) {
        ByteBuffer b = ByteBuffer.wrap(entries).order(ByteOrder.LITTLE_ENDIAN);
        int ready = 0;
        for (int at = 0; at < entries.length; at += ENTRY) {
            int fd = b.getInt(at);
            int events = b.getShort(at + 4) & 0xFFFF;
            int revents = fd < 0 ? 0 : revents(state.descriptors().get(fd), events);
            if (fill) {
                b.putShort(at + 6, (short) revents);
            }
            ready += revents != 0 ? 1 : 0;
        }
        return ready;
    }

    private static int revents(OpenFile file, int events) {
        return file == null ? PollMask.POLLNVAL : PollMask.of(file) & (events | PollMask.POLLERR | PollMask.POLLHUP);
    }

    /** Writes every revents back, as Linux does whatever the result: -EFAULT when it cannot, else {@code result}. */
    @Override
    public long finish(Syscalls sys, long result) {
        return entries.length == 0 || sys.copyToUser(fds, entries, entries.length) ? result : -Errno.EFAULT.code();
    }
}
