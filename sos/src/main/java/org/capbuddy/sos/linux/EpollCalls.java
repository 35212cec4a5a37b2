package org.capbuddy.sos.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.capbuddy.sos.Errno;
import org.capbuddy.sos.Syscalls;

/**
 * epoll_create1 and epoll_ctl, in the order of Linux 6.1's checks (fs/eventpoll.c); the waits,
 * epoll_pwait and epoll_pwait2, are {@link SignalWaits#epollPwait}'s. An epoll is an {@link
 * OpenFile} of its own kind naming an {@link Epoll}, closed on exec with EPOLL_CLOEXEC and shared
 * across fork like any description. It watches pipes' ends; standard input and the console are a
 * file and /dev/null to Linux, which epoll refuses (EPERM). An epoll inside another is refused
 * with ENOSYS, counted in the run report: SOS does not model nested epolls (their wakeups through
 * each other, ELOOP and the depth limit), though poll and select may watch an epoll.
 */
final class EpollCalls {
    /** EPOLL_CLOEXEC, which is O_CLOEXEC. */
    static final int EPOLL_CLOEXEC = DescriptorCalls.O_CLOEXEC;
    static final int EPOLL_CTL_ADD = 1;
    static final int EPOLL_CTL_DEL = 2;
    static final int EPOLL_CTL_MOD = 3;

    private EpollCalls() {
    }

    /** epoll_create1: flags other than EPOLL_CLOEXEC are EINVAL; the lowest free descriptor (EMFILE). */
    static long create1(LinuxProcess state, int flags) {
        if ((flags & ~EPOLL_CLOEXEC) != 0) {
            return -Errno.EINVAL.code();
        }
        Descriptors d = state.descriptors();
        int fd = d.lowestFree(0);
        if (fd < 0) {
            return -Errno.EMFILE.code();
        }
        d.install(fd, OpenFile.epoll(), (flags & EPOLL_CLOEXEC) != 0);
        return fd;
    }

    /**
     * epoll_ctl in Linux's order: the event read for any op but DEL (EFAULT); epfd, then fd, not
     * open (EBADF); a target with no poll (EPERM); epfd the target itself or not an epoll
     * (EINVAL); EPOLLEXCLUSIVE with MOD, or on ADD with bits outside EPOLLEXCLUSIVE_OK_BITS
     * (EINVAL); an epoll added to another (ENOSYS, counted: not modelled); then ADD of a
     * registration there already (EEXIST), DEL or MOD of one that is not (ENOENT), MOD of an
     * exclusive one (EINVAL), and any other op (EINVAL). ADD and MOD add EPOLLERR and EPOLLHUP to
     * the events, which are otherwise kept as given. A failure changes nothing.
     */
    static long ctl(Syscalls sys, LinuxProcess state, long epfd, long op, long fd, long event) {
        int operation = (int) op;
        boolean hasEvent = operation != EPOLL_CTL_DEL;
        int events = 0;
        long data = 0;
        if (hasEvent) {
            byte[] bytes = sys.copyFromUser(event, EpollWait.EVENT);
            if (bytes == null) {
                return -Errno.EFAULT.code();
            }
            ByteBuffer b = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
            events = b.getInt(0);
            data = b.getLong(8);
        }
        Descriptors d = state.descriptors();
        OpenFile file = d.get((int) epfd);
        if (file == null) {
            return -Errno.EBADF.code();
        }
        OpenFile target = d.get((int) fd);
        if (target == null) {
            return -Errno.EBADF.code();
        }
        if (!target.canPoll()) {
            return -Errno.EPERM.code();
        }
        if (file == target || !file.isEpoll()) {
            return -Errno.EINVAL.code();
        }
        if (hasEvent && (events & Epoll.EPOLLEXCLUSIVE) != 0) {
            if (operation == EPOLL_CTL_MOD) {
                return -Errno.EINVAL.code();
            }
            if (operation == EPOLL_CTL_ADD && (target.isEpoll() || (events & ~Epoll.EXCLUSIVE_OK_BITS) != 0)) {
                return -Errno.EINVAL.code();
            }
        }
        if (operation == EPOLL_CTL_ADD && target.isEpoll()) {
            state.refuse("epoll_ctl: an epoll added to another epoll (nested epolls)");
            return -Errno.ENOSYS.code();
        }
        Epoll epoll = file.epollInstance();
        EpollItem item = epoll.find(target, (int) fd);
        switch (operation) {
            case EPOLL_CTL_ADD -> {
                if (item != null) {
                    return -Errno.EEXIST.code();
                }
                epoll.insert(target, (int) fd, events | Epoll.EPOLLERR | Epoll.EPOLLHUP, data);
                return 0;
            }
            case EPOLL_CTL_DEL -> {
                if (item == null) {
                    return -Errno.ENOENT.code();
                }
                epoll.remove(item);
                return 0;
            }
            case EPOLL_CTL_MOD -> {
                if (item == null) {
                    return -Errno.ENOENT.code();
                }
                if ((item.events() & Epoll.EPOLLEXCLUSIVE) != 0) {
                    return -Errno.EINVAL.code();
                }
                epoll.modify(item, events | Epoll.EPOLLERR | Epoll.EPOLLHUP, data);
                return 0;
            }
            default -> {
                return -Errno.EINVAL.code();
            }
        }
    }
}
