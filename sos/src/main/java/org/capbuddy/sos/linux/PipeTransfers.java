package org.capbuddy.sos.linux;

import org.capbuddy.sos.Errno;
import org.capbuddy.sos.Syscalls;

/**
 * read, readv, write and writev on a pipe's descriptor, as Linux's pipe_read and pipe_write. A
 * read takes what the pipe holds, up to the count; of an empty pipe it is 0 (end of file) when no
 * descriptor of the write end is left, EAGAIN with O_NONBLOCK, else it blocks. A write to a pipe
 * whose read end no descriptor names sends the writer SIGPIPE and fails with EPIPE; else it fills
 * the pipe's page buffers ({@link Pipe}: a piece smaller than a page merged into the last page
 * when it fits, the rest a page at a time) and, when every buffer is taken, returns what it moved
 * with O_NONBLOCK (EAGAIN for nothing) or blocks until readers make room. A blocked call is a
 * {@link PipeWait} its process keeps; the scheduler's turns try it again ({@link #resume}). Each
 * wakes the pipe's wait queues as Linux 6.1's do, which epoll's registrations see ({@link
 * Pipe#wake}): a write, as it ends (whatever it moved, as pipe_write does once the pipe has been
 * polled) or as it blocks on a pipe it found empty, wakes the readers; a read of a pipe it found
 * full wakes the writers as it ends; a call that had to wait wakes the next of its kind as it
 * ends when there is still something for it (bytes to read, a free buffer); a write a signal
 * interrupts wakes as one that ends ({@link #interrupt}).
 */
final class PipeTransfers {
    /** SIGPIPE, which Linux's pipe_write sends the writer itself. */
    static final int SIGPIPE = 13;
    private static final int READERS_KEY = Epoll.EPOLLIN | Epoll.EPOLLRDNORM;
    private static final int WRITERS_KEY = Epoll.EPOLLOUT | Epoll.EPOLLWRNORM;

    private PipeTransfers() {
    }

    /** A read of {@code file}'s pipe into {@code io}: the count, 0 at end of file, -errno, or {@link Family#BLOCKS}. */
    static long read(Syscalls sys, LinuxProcess state, LinuxSyscall call, OpenFile file, IoVector io) {
        if (io.total() == 0) {
            return 0;
        }
        boolean wasFull = file.pipe().isFull();
        long r = tryRead(sys, file, io);
        if (r == Family.BLOCKS) {
            state.setPipeWait(new PipeWait(call, file, io, false, 0));
        } else if (wasFull) {
            file.pipe().wake(false, WRITERS_KEY);
        }
        return r;
    }

    private static long tryRead(Syscalls sys, OpenFile file, IoVector io) {
        Pipe pipe = file.pipe();
        if (pipe.isEmpty()) {
            if (!pipe.writerOpen()) {
                return 0;
            }
            return file.nonblocking() ? -Errno.EAGAIN.code() : Family.BLOCKS;
        }
        int n = (int) Math.min(pipe.available(), io.total());
        long copied = io.copyOut(sys, pipe.peek(n));
        // as Linux's pipe_read, which copies a buffer at a time and stops at one whose copy came up
        // short: only the buffers copied whole are taken (the short one's bytes stay, though what
        // of them reached the process is there), and none is EFAULT
        int taken = pipe.copiedWhole(n, copied);
        if (taken == 0) {
            return -Errno.EFAULT.code();
        }
        pipe.consume(taken);
        return taken;
    }

    /** A write of {@code io} into {@code file}'s pipe: the count, -errno (EPIPE with SIGPIPE), or {@link Family#BLOCKS}. */
    static long write(Syscalls sys, LinuxProcess state, LinuxSyscall call, OpenFile file, IoVector io) {
        long total = io.total();
        if (total == 0) {
            return 0;
        }
        Pipe pipe = file.pipe();
        boolean wasEmpty = pipe.isEmpty();
        long r = startWrite(sys, state, call, file, io);
        // pipe_write looks for a pending signal before its before-sleep wakeup: a write that will not
        // sleep (interrupted at its entry) wakes the readers once, as it leaves by out: (interrupt)
        boolean sleeps = r == Family.BLOCKS && !LinuxSignals.deliverable(state);
        if (r != Family.BLOCKS || wasEmpty && sleeps) {
            pipe.wake(true, READERS_KEY);
        }
        return r;
    }

    private static long startWrite(Syscalls sys, LinuxProcess state, LinuxSyscall call, OpenFile file, IoVector io) {
        long total = io.total();
        Pipe pipe = file.pipe();
        if (!pipe.readerOpen()) {
            return brokenPipe(state, call, 0);
        }
        long done = 0;
        int head = (int) (total & (Pipe.PAGE - 1));
        if (head != 0 && pipe.canMerge(head)) {
            // as Linux, only the piece a write ends with short of a page may share the last page
            byte[] bytes = io.copyIn(sys, 0, head);
            if (bytes.length < head) {
                return -Errno.EFAULT.code();
            }
            pipe.merge(bytes);
            done = head;
        }
        return fill(sys, state, new PipeWait(call, file, io, true, done));
    }

    /** Goes on with a blocked read or write: its result, or {@link Family#BLOCKS} with the wait kept (its progress too). */
    static long resume(Syscalls sys, LinuxProcess state, PipeWait w) {
        state.setPipeWait(null);
        Pipe pipe = w.file().pipe();
        if (!w.write()) {
            boolean wasFull = pipe.isFull();
            long r = tryRead(sys, w.file(), w.io());
            if (r == Family.BLOCKS) {
                state.setPipeWait(w);
                return r;
            }
            if (wasFull) {
                pipe.wake(false, WRITERS_KEY);
            }
            if (!pipe.isEmpty()) {
                pipe.wake(true, READERS_KEY); // pipe_read's wake_next_reader
            }
            return r;
        }
        boolean wasEmpty = pipe.isEmpty();
        long r = fill(sys, state, w);
        if (r != Family.BLOCKS || wasEmpty) {
            pipe.wake(true, READERS_KEY);
        }
        if (r != Family.BLOCKS && !pipe.isFull()) {
            pipe.wake(false, WRITERS_KEY); // pipe_write's wake_next_writer
        }
        return r;
    }

    /**
     * A blocked call ended by a signal, or by its process's end (a fatal signal is pending too):
     * what it returns, the bytes a write moved, else EINTR. A read returns at once and wakes
     * nothing, as pipe_read; a write leaves by pipe_write's out:, which wakes the readers (the pipe
     * has been polled) and, when a buffer is free, the next writer: an edge-triggered reader is
     * armed again by a write that was cut short as by one that finished.
     */
    static long interrupt(PipeWait w) {
        if (w.write()) {
            Pipe pipe = w.file().pipe();
            pipe.wake(true, READERS_KEY);
            if (!pipe.isFull()) {
                pipe.wake(false, WRITERS_KEY); // wake_next_writer
            }
        }
        return w.done() > 0 ? w.done() : -Errno.EINTR.code();
    }

    /** pipe_write's loop: a page at a time while a buffer is free and a reader is left. */
    private static long fill(Syscalls sys, LinuxProcess state, PipeWait w) {
        Pipe pipe = w.file().pipe();
        long total = w.io().total();
        long done = w.done();
        while (done < total) {
            if (!pipe.readerOpen()) {
                return brokenPipe(state, w.call(), done);
            }
            if (pipe.isFull()) {
                if (w.file().nonblocking()) {
                    return done > 0 ? done : -Errno.EAGAIN.code();
                }
                state.setPipeWait(new PipeWait(w.call(), w.file(), w.io(), true, done));
                return Family.BLOCKS;
            }
            int n = (int) Math.min(Pipe.PAGE, total - done);
            byte[] bytes = w.io().copyIn(sys, done, n);
            if (bytes.length < n) {
                // as Linux, a page whose copy faulted is not kept
                return done > 0 ? done : -Errno.EFAULT.code();
            }
            pipe.append(bytes);
            done += n;
        }
        return done;
    }

    /** No reader: SIGPIPE to the writer itself (SI_USER, as Linux's send_sig), and EPIPE unless bytes moved. */
    private static long brokenPipe(LinuxProcess state, LinuxSyscall call, long done) {
        LinuxSignals.send(state, SIGPIPE, call.linuxName() + " to a pipe with no reader", LinuxSignals.SI_USER);
        return done > 0 ? done : -Errno.EPIPE.code();
    }
}
