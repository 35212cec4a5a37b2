package org.capbuddy.sos.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import org.capbuddy.sos.Errno;
import org.capbuddy.sos.Syscalls;

/**
 * epoll_pwait and epoll_pwait2 on an {@link Epoll}, as Linux's ep_poll: what is ready is what
 * ep_send_events reports ({@link Epoll#send}, at most {@code maxevents}), written back as struct
 * epoll_event (arm64's is not packed: a 32-bit events word, 4 bytes of padding, the 64-bit data)
 * one at a time. Unlike ppoll, a zero timeout that finds nothing returns 0 whatever signal is
 * pending: ep_poll looks at its timeout before signals. The blocking around it is ppoll's, in
 * {@link SignalWaits}.
 *
 * <p>Not a value: {@link #scan} takes the events off the ready list and keeps them, for {@link
 * #finish} to write back (putting back those it cannot, as ep_send_events does).
 */
final class EpollWait implements DescriptorWait {
    /** sizeof(struct epoll_event) on arm64. */
    static final int EVENT = 16;

    private final String call;
    private final Epoll epoll;
    private final long events;
    private final int max;
    private List<Epoll.Sent> sent = List.of();

    EpollWait(String call, Epoll epoll, long events, int max) {
        this.call = call;
        this.epoll = epoll;
        this.events = events;
        this.max = max;
    }

    @Override
    public String call() {
        return call;
    }

    /** With {@code keep}, the events taken off the ready list and kept; else only counted. */
    @Override
    public int ask(LinuxProcess state, boolean keep) {
        if (!keep) {
            return epoll.readyCount(max);
        }
        sent = epoll.send(max);
        return sent.size();
    }

    @Override
    public void blocks() {
        epoll.addWaiter(this);
    }

    @Override
    public boolean woken() {
        return epoll.woken(this);
    }

    @Override
    public void unblocks() {
        epoll.removeWaiter(this);
    }

    @Override
    public boolean zeroTimeoutSeesSignals() {
        return false;
    }

    /**
     * Writes the events kept, in order, when {@code result} counts them: one that cannot be
     * written goes back on the ready list with every one after it, and the result is those
     * written, or -EFAULT when none was, as Linux's ep_send_events. Any other result writes nothing.
     */
    @Override
    public long finish(Syscalls sys, long result) {
        if (result <= 0) {
            return result;
        }
        for (int i = 0; i < sent.size(); i++) {
            Epoll.Sent s = sent.get(i);
            long at = events + (long) i * EVENT;
            byte[] word = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(s.revents()).array();
            byte[] data = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(s.data()).array();
            // Linux puts the two fields, not the struct: the padding between them is left as it was
            if (!sys.copyToUser(at, word, 4) || !sys.copyToUser(at + 8, data, 8)) {
                epoll.putBack(sent.subList(i, sent.size()));
                sent = List.of();
                return i == 0 ? -Errno.EFAULT.code() : i;
            }
        }
        sent = List.of();
        return result;
    }
}
