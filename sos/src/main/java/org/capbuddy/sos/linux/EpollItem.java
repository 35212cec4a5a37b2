package org.capbuddy.sos.linux;

/**
 * One registration of an {@link Epoll}, as Linux's struct epitem: the open file description and
 * the descriptor number it was added under (the pair is its key), the events asked (with EPOLLERR
 * and EPOLLHUP always added, and EPOLLET, EPOLLONESHOT, EPOLLEXCLUSIVE, EPOLLWAKEUP kept as given),
 * the 64-bit user data returned as given, and whether it is on its epoll's ready list. A oneshot
 * registration reported once keeps only those private bits: it is disabled until EPOLL_CTL_MOD
 * arms it again.
 */
final class EpollItem {
    private final Epoll epoll;
    private final OpenFile file;
    private final int fd;
    private int events;
    private long data;
    /** On its epoll's ready list (Linux's ep_is_linked). */
    private boolean linked;

    EpollItem(Epoll epoll, OpenFile file, int fd, int events, long data) {
        this.epoll = epoll;
        this.file = file;
        this.fd = fd;
        this.events = events;
        this.data = data;
    }

    Epoll epoll() {
        return epoll;
    }

    OpenFile file() {
        return file;
    }

    int fd() {
        return fd;
    }

    int events() {
        return events;
    }

    long data() {
        return data;
    }

    void set(int events, long data) {
        this.events = events;
        this.data = data;
    }

    void setEvents(int events) {
        this.events = events;
    }

    boolean linked() {
        return linked;
    }

    void setLinked(boolean linked) {
        this.linked = linked;
    }

    /** What its file has now of what it asks (Linux's ep_item_poll): 0 when disabled or not ready. */
    int revents() {
        return PollMask.of(file) & events;
    }

    /** Whether a oneshot report has disabled it (only private bits left: Linux's ep_poll_callback ignores it). */
    boolean disabled() {
        return (events & ~Epoll.PRIVATE_BITS) == 0;
    }
}
