package org.capbuddy.sos.linux;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;

/**
 * A pipe's bytes as Linux keeps them: a ring of at most {@link #PAGES} page buffers (64 KiB), each
 * a 4 KiB page holding a run of bytes from an offset. A write smaller than a page whose size fits
 * in the last buffer's page is merged into it; every other piece takes a buffer of its own, so a
 * write of up to {@link #PIPE_BUF} bytes either finds its room at once or waits whole (atomic),
 * and small writes that do not fit the last page leave its rest unused, as on Linux. A read takes
 * bytes from the first buffer on, and a buffer read to its end is let go.
 *
 * <p>The pages are SOS's own memory (Java arrays standing for SOS's heap), not frames of the
 * process: a process reaches them only through read and write, which copy through SOS's window.
 * Whether each end is still open (any descriptor of any process names it) is kept here too, and
 * its two wait queues (Linux's rd_wait and wr_wait) as far as epoll uses them: the registrations
 * watching each end, woken as pipe_write, pipe_read and pipe_release wake them ({@link #wake}).
 */
final class Pipe {
    static final int PAGE = 4096;
    /** Linux's default pipe size in buffers (PIPE_DEF_BUFFERS). */
    static final int PAGES = 16;
    /** The bytes a pipe holds at most: 64 KiB. */
    static final int CAPACITY = PAGE * PAGES;
    /** The most a write may move atomically (POSIX's PIPE_BUF; Linux's is a page). */
    static final int PIPE_BUF = PAGE;

    /** One page buffer: the page and the run of unread bytes in it. */
    private static final class Buffer {
        final byte[] page = new byte[PAGE];
        int offset;
        int length;
    }

    private final ArrayDeque<Buffer> buffers = new ArrayDeque<>();
    private int bytes;
    private boolean readerOpen = true;
    private boolean writerOpen = true;
    /** The epoll registrations on rd_wait (watching the read end) and on wr_wait (the write end). */
    private final List<EpollItem> readWaiters = new ArrayList<>();
    private final List<EpollItem> writeWaiters = new ArrayList<>();

    /** Bytes waiting to be read. */
    int available() {
        return bytes;
    }

    boolean isEmpty() {
        return buffers.isEmpty();
    }

    /** Whether every buffer is taken: a write that cannot merge must wait. */
    boolean isFull() {
        return buffers.size() >= PAGES;
    }

    /** Buffers not taken. */
    int freeBuffers() {
        return PAGES - buffers.size();
    }

    boolean readerOpen() {
        return readerOpen;
    }

    boolean writerOpen() {
        return writerOpen;
    }

    /**
     * The last descriptor of an end was closed: readers then see EOF, writers EPIPE. As Linux's
     * pipe_release, when that leaves one end open, both wait queues are woken with every event.
     */
    void closeEnd(boolean readEnd) {
        if (readEnd) {
            readerOpen = false;
        } else {
            writerOpen = false;
        }
        if (readerOpen != writerOpen) {
            wake(true, 0);
            wake(false, 0);
        }
    }

    /**
     * An epoll registration waits on the read end's queue or the write end's: as add_wait_queue,
     * at the queue's head; an exclusive one (add_wait_queue_exclusive) at its tail.
     */
    void addWaiter(boolean readEnd, EpollItem item) {
        List<EpollItem> queue = readEnd ? readWaiters : writeWaiters;
        if ((item.events() & Epoll.EPOLLEXCLUSIVE) != 0) {
            queue.add(item);
        } else {
            queue.add(0, item);
        }
    }

    void removeWaiter(boolean readEnd, EpollItem item) {
        (readEnd ? readWaiters : writeWaiters).remove(item);
    }

    /**
     * Wakes the read end's queue or the write end's with {@code key}, each registration in the
     * queue's order (Linux's ep_poll_callback for each). Key 0 is pipe_release's
     * wake_up_interruptible_all: every registration. Any other is the _sync_poll wakeup of
     * pipe_read and pipe_write, which wakes one exclusive waiter (__wake_up_common with
     * nr_exclusive 1): the walk ends at the first EPOLLEXCLUSIVE registration that woke a task
     * blocked in epoll_pwait on its epoll, and those after it are not even put on their ready lists.
     */
    void wake(boolean readEnd, int key) {
        for (EpollItem item : new ArrayList<>(readEnd ? readWaiters : writeWaiters)) {
            boolean ewake = item.epoll().wake(item, key);
            if (key != 0 && ewake && (item.events() & Epoll.EPOLLEXCLUSIVE) != 0) {
                return;
            }
        }
    }

    /** Whether {@code n} bytes (1 to a page) fit after the last buffer's bytes in its page. */
    boolean canMerge(int n) {
        Buffer last = buffers.peekLast();
        return last != null && last.offset + last.length + n <= PAGE;
    }

    /** Appends {@code data} to the last buffer's page; {@link #canMerge} said it fits. */
    void merge(byte[] data) {
        Buffer last = buffers.getLast();
        System.arraycopy(data, 0, last.page, last.offset + last.length, data.length);
        last.length += data.length;
        bytes += data.length;
    }

    /** Puts {@code data} (at most a page) in a new buffer; the pipe is not full. */
    void append(byte[] data) {
        Buffer b = new Buffer();
        System.arraycopy(data, 0, b.page, 0, data.length);
        b.length = data.length;
        buffers.addLast(b);
        bytes += data.length;
    }

    /** A copy of the first {@code n} unread bytes (n at most {@link #available}), which stay in the pipe. */
    byte[] peek(int n) {
        byte[] out = new byte[n];
        int at = 0;
        for (Buffer b : buffers) {
            if (at == n) {
                break;
            }
            int take = Math.min(b.length, n - at);
            System.arraycopy(b.page, b.offset, out, at, take);
            at += take;
        }
        return out;
    }

    /**
     * Of a read of the first {@code n} unread bytes whose copy to the process stopped after
     * {@code copied}: the bytes of the buffers it copied whole (of the last one it reaches, the
     * part the read takes), from the first on, up to the first it did not.
     */
    int copiedWhole(int n, long copied) {
        int whole = 0;
        for (Buffer b : buffers) {
            int take = Math.min(b.length, n - whole);
            if (take == 0 || whole + take > copied) {
                break;
            }
            whole += take;
        }
        return whole;
    }

    /** Takes the first {@code n} unread bytes away, letting go of each buffer read to its end. */
    void consume(int n) {
        int left = n;
        while (left > 0) {
            Buffer b = buffers.getFirst();
            int take = Math.min(b.length, left);
            b.offset += take;
            b.length -= take;
            left -= take;
            if (b.length == 0) {
                buffers.removeFirst();
            }
        }
        bytes -= n;
    }
}
