package org.capbuddy.sos.linux;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An epoll instance, as Linux 6.1's struct eventpoll (fs/eventpoll.c): the interest list, keyed
 * by (open file description, descriptor number) as ep_find keys it, and the ready list. A
 * registration goes on the ready list when it is added or modified while its file is ready
 * (ep_insert, ep_modify) and when its file's wait queue is woken with events it asks for
 * (ep_poll_callback, which a {@link Pipe} calls as pipe_write, pipe_read and pipe_release wake
 * their readers and writers). {@link #send} is ep_send_events: each registration on the list is
 * asked again, one with nothing is dropped, one with something is reported; a level-triggered one
 * goes back on the list, an edge-triggered one does not (the next wakeup puts it back), a oneshot
 * one is disabled. A registration is removed by EPOLL_CTL_DEL, when its description is finally
 * closed (eventpoll_release: not when one of several descriptors naming it is), and with the
 * instance when the epoll's own description is (ep_free). Not a value: one instance is shared by
 * every descriptor naming its description, across fork too.
 */
final class Epoll {
    static final int EPOLLIN = PollMask.POLLIN;
    static final int EPOLLOUT = PollMask.POLLOUT;
    static final int EPOLLERR = PollMask.POLLERR;
    static final int EPOLLHUP = PollMask.POLLHUP;
    static final int EPOLLRDNORM = PollMask.POLLRDNORM;
    static final int EPOLLWRNORM = PollMask.POLLWRNORM;
    static final int EPOLLRDHUP = 0x2000;
    static final int EPOLLEXCLUSIVE = 1 << 28;
    static final int EPOLLWAKEUP = 1 << 29;
    static final int EPOLLONESHOT = 1 << 30;
    static final int EPOLLET = 1 << 31;
    /** The bits that are not events (Linux's EP_PRIVATE_BITS): what a oneshot registration keeps once reported. */
    static final int PRIVATE_BITS = EPOLLWAKEUP | EPOLLONESHOT | EPOLLET | EPOLLEXCLUSIVE;
    /** The bits EPOLLEXCLUSIVE may come with (Linux's EPOLLEXCLUSIVE_OK_BITS). */
    static final int EXCLUSIVE_OK_BITS = EPOLLIN | EPOLLOUT | EPOLLERR | EPOLLHUP | EPOLLWAKEUP | EPOLLET
            | EPOLLEXCLUSIVE;

    /** A registration's key: the description (by identity) and the descriptor number. */
    private record Key(OpenFile file, int fd) {
    }

    /** One event {@link #send} reported, and the events its registration had before ({@link #putBack} undoes it). */
    record Sent(EpollItem item, int revents, long data, int eventsBefore) {
    }

    private final Map<Key, EpollItem> interest = new LinkedHashMap<>();
    /**
     * The epoll_pwait calls blocked on it (Linux's ep->wq), the last to block at the head, as
     * ep_poll queues itself with __add_wait_queue_exclusive: a wakeup takes the head off, one
     * waiter only (ep_autoremove_wake_function), and a woken one that looks again and finds
     * nothing goes back at the head. Only one taken off looks at the ready list ({@link #woken}).
     */
    private final ArrayDeque<EpollWait> waiters = new ArrayDeque<>();
    /** The ready list, in Linux's order: woken ones at its tail, those not reached at its head. */
    private final ArrayDeque<EpollItem> ready = new ArrayDeque<>();

    /** The registration of {@code fd} naming {@code file}, or null (Linux's ep_find). */
    EpollItem find(OpenFile file, int fd) {
        return interest.get(new Key(file, fd));
    }

    /** How many registrations there are. */
    int size() {
        return interest.size();
    }

    /** EPOLL_CTL_ADD (ep_insert): registered on the file's wait queue, and on the ready list when ready now. */
    void insert(OpenFile file, int fd, int events, long data) {
        EpollItem item = new EpollItem(this, file, fd, events, data);
        interest.put(new Key(file, fd), item);
        file.watch(item);
        if (item.revents() != 0) {
            linkAndWake(item);
        }
    }

    /** EPOLL_CTL_MOD (ep_modify): the new events and data; on the ready list when ready now (a oneshot one is armed again). */
    void modify(EpollItem item, int events, long data) {
        item.set(events, data);
        if (item.revents() != 0) {
            linkAndWake(item);
        }
    }

    /** ep_insert's and ep_modify's: a registration ready now and not yet on the list goes on it and wakes one waiter. */
    private void linkAndWake(EpollItem item) {
        if (!item.linked()) {
            link(item);
            waiters.pollFirst();
        }
    }

    /** EPOLL_CTL_DEL, or its description finally closed (ep_remove). */
    void remove(EpollItem item) {
        interest.remove(new Key(item.file(), item.fd()));
        item.file().unwatch(item);
        if (item.linked()) {
            ready.remove(item);
            item.setLinked(false);
        }
    }

    /** The epoll's own description closed (ep_free): every registration goes. */
    void free() {
        for (EpollItem item : new ArrayList<>(interest.values())) {
            remove(item);
        }
    }

    /** An epoll_pwait blocks on it (again): at the head of its waiters, unless already there. */
    void addWaiter(EpollWait w) {
        if (!waiters.contains(w)) {
            waiters.addFirst(w);
        }
    }

    /** Whether {@code w} is not among the waiters: never blocked, or taken off by a wakeup (or its end). */
    boolean woken(EpollWait w) {
        return !waiters.contains(w);
    }

    void removeWaiter(EpollWait w) {
        waiters.remove(w);
    }

    /** How many epoll_pwait calls are blocked on it and not woken. */
    int waiters() {
        return waiters.size();
    }

    /**
     * {@code item}'s file's wait queue woken with {@code key} (0: every event, as a wake_up_all),
     * as Linux's ep_poll_callback: a disabled oneshot registration, or one asking none of the
     * key's events, is left alone; any other goes on the ready list (once) and wakes the
     * epoll_pwait at the head of its waiters (the last to block), which leaves them; the others
     * sleep on. Returns the callback's ewake: whether
     * an exclusive registration woke a waiter that asks the key's direction (EPOLLIN or EPOLLOUT;
     * a key of neither counts), which ends an exclusive wakeup's walk ({@link Pipe#wake}); true
     * for a registration not exclusive, which never ends it.
     */
    boolean wake(EpollItem item, int key) {
        boolean exclusive = (item.events() & EPOLLEXCLUSIVE) != 0;
        if (item.disabled() || key != 0 && (key & item.events()) == 0) {
            return !exclusive;
        }
        link(item);
        if (waiters.isEmpty()) {
            return !exclusive;
        }
        waiters.pollFirst();
        return !exclusive || switch (key & (EPOLLIN | EPOLLOUT)) {
            case EPOLLIN -> (item.events() & EPOLLIN) != 0;
            case EPOLLOUT -> (item.events() & EPOLLOUT) != 0;
            case 0 -> true;
            default -> false;
        };
    }

    private void link(EpollItem item) {
        if (!item.linked()) {
            item.setLinked(true);
            ready.addLast(item);
        }
    }

    /**
     * How many of the first {@code max} registrations {@link #send} would report now: the ready
     * list asked without changing it (what a blocked epoll_pwait and a poll of the epoll look at).
     */
    int readyCount(int max) {
        int n = 0;
        for (EpollItem item : ready) {
            if (n >= max) {
                break;
            }
            n += item.revents() != 0 ? 1 : 0;
        }
        return n;
    }

    /**
     * Linux's ep_send_events: up to {@code max} events from the ready list, in its order. Each
     * registration reached is taken off and asked again: nothing, and it stays off; something,
     * and it is reported, a oneshot one disabled, a level-triggered one put back at the tail. Those
     * not reached stay at the head, before the ones put back (ep_done_scan's splice). A list not
     * empty then wakes the next waiter, as ep_done_scan does, so a level-triggered event reaches
     * every waiter in turn.
     */
    List<Sent> send(int max) {
        List<Sent> sent = new ArrayList<>();
        List<EpollItem> again = new ArrayList<>();
        while (!ready.isEmpty() && sent.size() < max) {
            EpollItem item = ready.pollFirst();
            item.setLinked(false);
            int revents = item.revents();
            if (revents == 0) {
                continue;
            }
            int before = item.events();
            if ((before & EPOLLONESHOT) != 0) {
                item.setEvents(before & PRIVATE_BITS);
            } else if ((before & EPOLLET) == 0) {
                again.add(item);
            }
            sent.add(new Sent(item, revents, item.data(), before));
        }
        for (EpollItem item : again) {
            link(item);
        }
        doneScan();
        return sent;
    }

    /** ep_done_scan's wakeup: the ready list not empty wakes one waiter. */
    private void doneScan() {
        if (!ready.isEmpty()) {
            waiters.pollFirst();
        }
    }

    /**
     * Undoes the reports of {@code unsent} (the tail of what {@link #send} returned, from the first
     * whose copy to the process failed): each has its events back and goes to the head of the
     * ready list in its order, as Linux puts the one that failed back and splices the rest after it,
     * and wakes the next waiter (ep_done_scan).
     */
    void putBack(List<Sent> unsent) {
        for (int i = unsent.size() - 1; i >= 0; i--) {
            Sent s = unsent.get(i);
            EpollItem item = s.item();
            item.setEvents(s.eventsBefore());
            if (item.linked()) {
                ready.remove(item);
            }
            item.setLinked(true);
            ready.addFirst(item);
        }
        doneScan();
    }
}
