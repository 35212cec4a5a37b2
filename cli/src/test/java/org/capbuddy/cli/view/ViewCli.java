package org.capbuddy.cli.view;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.capbuddy.cli.CapBuddyCommand;
import org.capbuddy.cli.CliRun;
import picocli.CommandLine;

/**
 * A {@code capbuddy ... --view} command running on a thread of its own (which boots, and so owns,
 * the machine), as a terminal would run it, with an HTTP client for its page and API.
 */
final class ViewCli implements AutoCloseable {
    private static final Pattern URL = Pattern.compile("View: (http://127\\.0\\.0\\.1:(\\d+)/)\\n");
    private static final ObjectMapper JSON = new ObjectMapper();

    /** An answer: its status and its body as JSON. */
    record Answer(int status, JsonNode body, String text) {
    }

    private final StringWriter out = new StringWriter(); // a StringBuffer inside: read while written
    private final StringWriter err = new StringWriter();
    private final CompletableFuture<Integer> exit;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    final String url;

    private ViewCli(String... args) {
        CommandLine cli = CapBuddyCommand.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        exit = CompletableFuture.supplyAsync(() -> CapBuddyCommand.execute(cli, args),
                r -> new Thread(r, "capbuddy-cli-under-test").start());
        url = awaitUrl();
    }

    /** Starts {@code capbuddy ARGS...} and waits for its view's address. */
    static ViewCli start(String... args) {
        return new ViewCli(args);
    }

    /** The committed ELF {@code programs/bin/NAME.elf}, as a path from the cli module. */
    static String program(String name) {
        return Path.of("..", "programs", "bin", name + ".elf").toString();
    }

    private String awaitUrl() {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            Matcher m = URL.matcher(out.toString());
            if (m.find()) {
                return m.group(1);
            }
            if (exit.isDone()) {
                throw new IllegalStateException("the command ended without a view: exit " + exit.join() + "\n"
                        + out + err);
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
        throw new IllegalStateException("no view address printed:\n" + out + err);
    }

    Answer get(String path) {
        return send(HttpRequest.newBuilder(URI.create(url + path.substring(1))).GET());
    }

    /** A POST as the page sends it (with the view's header). */
    Answer post(String path) {
        return send(HttpRequest.newBuilder(URI.create(url + path.substring(1))).header(ViewServer.HEADER, "1")
                .POST(HttpRequest.BodyPublishers.noBody()));
    }

    Answer send(HttpRequest.Builder request) {
        try {
            HttpResponse<String> r = http.send(request.timeout(Duration.ofSeconds(120)).build(),
                    HttpResponse.BodyHandlers.ofString());
            return new Answer(r.statusCode(), JSON.readTree(r.body()), r.body());
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Waits for the command to end (after finish or quit) and returns what it printed and its status. */
    CliRun await() {
        int code = exit.orTimeout(120, TimeUnit.SECONDS).join();
        return new CliRun(code, out.toString(), err.toString());
    }

    /** A test that failed midway leaves no command waiting for a page. */
    @Override
    public void close() {
        if (!exit.isDone()) {
            try {
                post("/api/quit");
            } catch (RuntimeException e) {
                // already ending
            }
            exit.orTimeout(120, TimeUnit.SECONDS).exceptionally(t -> -1).join();
        }
    }
}
