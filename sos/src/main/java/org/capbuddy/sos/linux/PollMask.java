package org.capbuddy.sos.linux;

/**
 * What a descriptor's poll answers, the one readiness test that ppoll ({@link DescriptorPoll}) and
 * pselect6 ({@link DescriptorSelect}) share, as Linux's vfs_poll serves do_poll and do_select: a
 * pipe's read end is readable (POLLIN, POLLRDNORM) while it holds bytes and POLLHUP once no write
 * end is left, its write end writable (POLLOUT, POLLWRNORM) while a page buffer is free and
 * POLLERR once no read end is left; standard input and the console, which have no poll of their
 * own (a file, /dev/null), are always readable and writable (Linux's DEFAULT_POLLMASK); an epoll
 * is readable (POLLIN, POLLRDNORM) while one of its ready registrations has an event to report
 * (Linux's ep_eventpoll_poll).
 */
final class PollMask {
    static final int POLLIN = 0x1;
    static final int POLLPRI = 0x2;
    static final int POLLOUT = 0x4;
    static final int POLLERR = 0x8;
    static final int POLLHUP = 0x10;
    static final int POLLNVAL = 0x20;
    static final int POLLRDNORM = 0x40;
    static final int POLLRDBAND = 0x80;
    static final int POLLWRNORM = 0x100;
    static final int POLLWRBAND = 0x200;
    private static final int DEFAULT_POLLMASK = POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM;

    private PollMask() {
    }

    /** The events {@code file} has now (a pipe end's own, as Linux's pipe_poll gives them for its access mode). */
    static int of(OpenFile file) {
        if (file.isEpoll()) {
            return file.epollInstance().readyCount(1) > 0 ? POLLIN | POLLRDNORM : 0;
        }
        if (!file.isPipe()) {
            return DEFAULT_POLLMASK;
        }
        Pipe pipe = file.pipe();
        if (file.kind() == OpenFile.Kind.PIPE_READ) {
            return (pipe.isEmpty() ? 0 : POLLIN | POLLRDNORM) | (pipe.writerOpen() ? 0 : POLLHUP);
        }
        return (pipe.isFull() ? 0 : POLLOUT | POLLWRNORM) | (pipe.readerOpen() ? 0 : POLLERR);
    }
}
