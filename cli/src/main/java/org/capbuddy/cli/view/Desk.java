package org.capbuddy.cli.view;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.BlockingQueue;

/**
 * Where the view's HTTP threads hand commands to the thread that owns the machine, and wait for
 * its answer: a machine is driven by one thread, so they never touch the model themselves. The
 * owner takes one command at a time ({@link #take}) and answers it; once the session is over
 * ({@link #close}) every command waiting, and every later one, is answered that it has ended.
 */
final class Desk {
    /** What the page can ask. */
    enum Command { STATE, STEP, CONTINUE, RUN, FINISH, QUIT }

    /** A command, its count (for STEP), and where its answer goes. */
    record Request(Command command, long count, CompletableFuture<Reply> answer) {
    }

    /** An HTTP status and the object its JSON body is written from. */
    record Reply(int status, Object body) {
    }

    /** A JSON error body: {@code {"error": "..."}}. */
    record Problem(String error) {
    }

    static final Reply ENDED = new Reply(410, new Problem("the session has ended: the report is in the terminal"));

    private final BlockingQueue<Request> queue = new LinkedBlockingQueue<>();
    private volatile boolean closed;

    /** Hands {@code command} to the machine's thread and waits for its answer (an HTTP thread calls this). */
    Reply submit(Command command, long count) throws InterruptedException {
        Request request = new Request(command, count, new CompletableFuture<>());
        queue.put(request);
        if (closed) {
            drain(); // closed while this one was put: nobody else will answer it
        }
        try {
            return request.answer().get();
        } catch (ExecutionException e) {
            return new Reply(500, new Problem("the command failed: " + e.getCause()));
        }
    }

    /** Hands {@code command} over without waiting (Ctrl-C's quit, from the signal's thread). */
    void post(Command command) {
        queue.offer(new Request(command, 0, new CompletableFuture<>()));
        if (closed) {
            drain();
        }
    }

    /** The next command, waiting for one (the machine's thread calls this). */
    Request take() throws InterruptedException {
        return queue.take();
    }

    /** Ends the session: every command waiting, and every later one, is told it has ended. */
    void close() {
        closed = true;
        drain();
    }

    private void drain() {
        for (Request r = queue.poll(); r != null; r = queue.poll()) {
            r.answer().complete(ENDED);
        }
    }
}
