package org.capbuddy.sos.linux;

import java.util.ArrayList;
import java.util.List;

/**
 * An open file description, as Linux's struct file: what the descriptors naming it reach (standard
 * input's bytes, the console, one end of a {@link Pipe}, or an {@link Epoll}), its status flags
 * (O_NONBLOCK, O_APPEND: F_GETFL and F_SETFL, shared by every descriptor naming it, across fork
 * too), how many descriptors of all the run's processes name it, and the epoll registrations
 * watching it (Linux's f_ep). When the last descriptor is closed, as Linux's __fput: the
 * registrations watching it go (eventpoll_release), then a pipe's end closes or an epoll is freed.
 */
final class OpenFile {
    /** What a description reaches. */
    enum Kind {
        /** Standard input: the run's --stdin bytes, read-only. */
        STDIN,
        /** The console, where standard output and error go: write-only. */
        CONSOLE,
        PIPE_READ,
        PIPE_WRITE,
        /** An epoll instance (epoll_create1), open for reading and writing though it can do neither. */
        EPOLL
    }

    static final int O_WRONLY = 1;
    static final int O_RDWR = 2;
    static final int O_NONBLOCK = 0x800;
    static final int O_APPEND = 0x400;

    private final Kind kind;
    private final Pipe pipe;
    private final Epoll epoll;
    private final byte[] input;
    /** The epoll registrations of this description, in any epoll (Linux's f_ep). */
    private final List<EpollItem> watchers = new ArrayList<>();
    /** Standard input's read position, which every descriptor of this description moves. */
    private int read;
    private int statusFlags;
    private int references;
    /** Whether standard input has been read (asked for bytes, whether any were left). */
    private boolean inputRead;

    private OpenFile(Kind kind, Pipe pipe, byte[] input, int statusFlags) {
        this(kind, pipe, null, input, statusFlags);
    }

    private OpenFile(Kind kind, Pipe pipe, Epoll epoll, byte[] input, int statusFlags) {
        this.kind = kind;
        this.pipe = pipe;
        this.epoll = epoll;
        this.input = input;
        this.statusFlags = statusFlags;
    }

    static OpenFile stdin(byte[] bytes) {
        return new OpenFile(Kind.STDIN, null, bytes.clone(), 0);
    }

    static OpenFile console() {
        return new OpenFile(Kind.CONSOLE, null, null, 0);
    }

    /** One end of {@code pipe}, with O_NONBLOCK when {@code nonblocking}. */
    static OpenFile pipeEnd(Pipe pipe, boolean readEnd, boolean nonblocking) {
        return new OpenFile(readEnd ? Kind.PIPE_READ : Kind.PIPE_WRITE, pipe, null, nonblocking ? O_NONBLOCK : 0);
    }

    /** A new epoll instance's description (epoll_create1). */
    static OpenFile epoll() {
        return new OpenFile(Kind.EPOLL, null, new Epoll(), null, 0);
    }

    Kind kind() {
        return kind;
    }

    boolean isPipe() {
        return pipe != null;
    }

    Pipe pipe() {
        return pipe;
    }

    boolean isEpoll() {
        return epoll != null;
    }

    /** The epoll instance of an epoll's description; null for any other. */
    Epoll epollInstance() {
        return epoll;
    }

    /** Whether it is open for reading (Linux's FMODE_READ): an epoll is, though read on it is EINVAL. */
    boolean readable() {
        return kind == Kind.STDIN || kind == Kind.PIPE_READ || kind == Kind.EPOLL;
    }

    /** Whether it is open for writing (FMODE_WRITE): an epoll is, though write on it is EINVAL. */
    boolean writable() {
        return kind == Kind.CONSOLE || kind == Kind.PIPE_WRITE || kind == Kind.EPOLL;
    }

    /**
     * Whether epoll can watch it (Linux's file_can_poll: a poll of its own): a pipe's end or an
     * epoll; standard input and the console, a file and /dev/null, have none (EPERM).
     */
    boolean canPoll() {
        return pipe != null || epoll != null;
    }

    /** {@code item} watches this description (ep_insert). */
    void watch(EpollItem item) {
        watchers.add(item);
        if (pipe != null) {
            pipe.addWaiter(kind == Kind.PIPE_READ, item);
        }
    }

    /** {@code item} no longer does (ep_remove). */
    void unwatch(EpollItem item) {
        watchers.remove(item);
        if (pipe != null) {
            pipe.removeWaiter(kind == Kind.PIPE_READ, item);
        }
    }

    /** How many epoll registrations watch it. */
    int watcherCount() {
        return watchers.size();
    }

    boolean nonblocking() {
        return (statusFlags & O_NONBLOCK) != 0;
    }

    /** F_GETFL: the access mode (O_RDONLY 0, O_WRONLY, or O_RDWR for an epoll) and the status flags. */
    int flags() {
        return (kind == Kind.EPOLL ? O_RDWR : writable() ? O_WRONLY : 0) | statusFlags;
    }

    /** F_SETFL's flags SOS keeps: O_NONBLOCK and O_APPEND (which changes nothing on a pipe or the console). */
    void setStatusFlags(int flags) {
        statusFlags = flags & (O_NONBLOCK | O_APPEND);
    }

    void retain() {
        references++;
    }

    /**
     * A descriptor naming this description was closed; the last one removes the epoll
     * registrations watching it, then closes a pipe's end or frees an epoll, in __fput's order.
     */
    void release() {
        references--;
        if (references != 0) {
            return;
        }
        for (EpollItem item : new ArrayList<>(watchers)) {
            item.epoll().remove(item);
        }
        if (epoll != null) {
            epoll.free();
        }
        if (pipe != null) {
            pipe.closeEnd(kind == Kind.PIPE_READ);
        }
    }

    /** Bytes of standard input not read yet. */
    int inputLeft() {
        return input.length - read;
    }

    /** Up to {@code max} bytes of standard input not read yet (none at its end). */
    byte[] takeInput(int max) {
        inputRead = true;
        int n = Math.max(0, Math.min(max, input.length - read));
        byte[] bytes = new byte[n];
        System.arraycopy(input, read, bytes, 0, n);
        read += n;
        return bytes;
    }

    boolean inputRead() {
        return inputRead;
    }

    /** Puts back the last {@code n} bytes taken: a read could not copy them. */
    void giveBackInput(int n) {
        read -= n;
    }
}
