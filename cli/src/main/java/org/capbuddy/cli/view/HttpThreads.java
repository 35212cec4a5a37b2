package org.capbuddy.cli.view;

import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;

/**
 * The threads the view's HTTP server runs its exchanges on. The JDK's server reads a request's
 * line and headers on the exchange's thread, so a client that sends half a request and stalls
 * holds that thread: a fixed pool of them would let a few such sockets stop the view. Here each
 * exchange gets a thread (a cached pool), and one that has not read its whole request within the
 * read limit is interrupted, which closes its socket (the JDK reads through an interruptible
 * channel). Once a request is read and its handler has it ({@link #handling}), no limit applies:
 * a run to the end may take minutes. These threads never touch the model (see {@link Desk}).
 */
final class HttpThreads implements Executor, AutoCloseable {
    /** An exchange's stage, guarded by itself. */
    private static final class Stage {
        boolean reading = true;
        boolean timedOut;
    }

    private final ExecutorService threads = Executors.newCachedThreadPool(daemons("capbuddy-view-http"));
    private final ScheduledExecutorService clock = Executors.newSingleThreadScheduledExecutor(
            daemons("capbuddy-view-read-limit"));
    private final ThreadLocal<Stage> stage = new ThreadLocal<>();
    private final long readLimitNanos;

    HttpThreads(Duration readLimit) {
        this.readLimitNanos = readLimit.toNanos();
    }

    private static ThreadFactory daemons(String name) {
        return r -> {
            Thread t = new Thread(r, name);
            t.setDaemon(true); // a page left open never keeps the JVM alive
            return t;
        };
    }

    @Override
    public void execute(Runnable exchange) {
        threads.execute(() -> {
            Stage s = new Stage();
            Thread thread = Thread.currentThread();
            stage.set(s);
            ScheduledFuture<?> limit = clock.schedule(() -> {
                synchronized (s) {
                    if (s.reading) {
                        s.timedOut = true;
                        thread.interrupt();
                    }
                }
            }, readLimitNanos, TimeUnit.NANOSECONDS);
            try {
                exchange.run();
            } finally {
                limit.cancel(false);
                synchronized (s) {
                    s.reading = false; // from here the clock interrupts nothing: the flag can be cleared for good
                }
                stage.remove();
                Thread.interrupted();
            }
        });
    }

    /**
     * Called by the handler when it has the request: true when the read limit no longer applies;
     * false when it ran out first (the thread is interrupted, the socket closed: answer nothing).
     */
    boolean handling() {
        Stage s = stage.get();
        if (s == null) {
            return true;
        }
        synchronized (s) {
            s.reading = false;
            return !s.timedOut;
        }
    }

    @Override
    public void close() {
        clock.shutdownNow();
        threads.shutdownNow();
    }
}
