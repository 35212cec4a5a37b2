package org.capbuddy.cli.view;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import org.capbuddy.cli.common.Json;

/**
 * The view's HTTP server, bound to the loopback address only: the page (three files from the
 * jar) and its JSON API. Its handlers parse and check a request, then hand the command to the
 * machine's thread through the {@link Desk} and wait: they never touch the model themselves.
 *
 * <p>A command that changes the run must be a POST carrying the header {@value #HEADER} (the
 * page's script sends it): a page of another site can make a browser send a plain POST to a
 * loopback port, but not one with a header of its own without the server's consent, which this
 * one never gives. A request naming another host than the loopback one is refused too, so that a
 * name that resolves to 127.0.0.1 cannot reach it from another site's page.
 */
public final class ViewServer implements AutoCloseable {
    /** The header every POST must carry. */
    static final String HEADER = "X-CapBuddy-View";
    /** The largest step one request may ask for: a count the page's field can hold exactly. */
    static final long MAX_STEP = 1L << 53;
    /** The most characters of a request's path or query an error repeats. */
    static final int ECHOED = 80;
    /** How long a client has to send a request's line and headers before its socket is closed. */
    static final Duration READ_LIMIT = Duration.ofSeconds(10);

    private static final Map<String, String[]> FILES = Map.of(
            "/", new String[] {"index.html", "text/html; charset=utf-8"},
            "/index.html", new String[] {"index.html", "text/html; charset=utf-8"},
            "/view.js", new String[] {"view.js", "text/javascript; charset=utf-8"},
            "/view.css", new String[] {"view.css", "text/css; charset=utf-8"});
    private static final Map<String, Desk.Command> POSTS = Map.of("/api/step", Desk.Command.STEP,
            "/api/continue", Desk.Command.CONTINUE, "/api/run", Desk.Command.RUN, "/api/finish", Desk.Command.FINISH,
            "/api/quit", Desk.Command.QUIT);

    private final HttpServer server;
    private final HttpThreads threads;
    private final int port;
    private Desk desk;

    private ViewServer(HttpServer server, Duration readLimit) {
        this.server = server;
        this.port = server.getAddress().getPort();
        this.threads = new HttpThreads(readLimit);
        server.setExecutor(threads);
        server.createContext("/", this::handle);
    }

    /**
     * Binds {@code port} (0: a free one) on 127.0.0.1; nothing is answered until {@link #open}.
     *
     * @throws IOException when it cannot be bound (taken, or not allowed)
     */
    public static ViewServer bind(int port) throws IOException {
        return bind(port, READ_LIMIT);
    }

    /** {@link #bind(int)} with another limit on reading a request (tests). */
    static ViewServer bind(int port, Duration readLimit) throws IOException {
        return new ViewServer(HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 0),
                readLimit);
    }

    /** The page's address. */
    public String url() {
        return "http://127.0.0.1:" + port + "/";
    }

    public int port() {
        return port;
    }

    /** Starts answering, handing commands to {@code desk}. */
    void open(Desk desk) {
        this.desk = desk;
        server.start();
    }

    @Override
    public void close() {
        if (desk != null) {
            desk.close();
            server.stop(1); // lets the last answer (finish's) go out
        } else {
            // never opened (nothing ran): the port must be given back all the same, and the
            // listening channel is closed for good only by the dispatcher's next select
            desk = new Desk();
            desk.close();
            server.start();
            server.stop(0);
        }
        threads.close();
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            if (!threads.handling()) {
                return; // it took too long to send: its socket is being closed
            }
            String path = exchange.getRequestURI().getPath();
            String method = exchange.getRequestMethod().toUpperCase(Locale.ROOT);
            if (!loopbackHost(exchange.getRequestHeaders().getFirst("Host"))) {
                send(exchange, new Desk.Reply(403, new Desk.Problem("this view answers requests for 127.0.0.1:"
                        + port + " or localhost:" + port + " only")));
                return;
            }
            String[] file = FILES.get(path);
            if (file != null) {
                if (!method.equals("GET")) {
                    refuseMethod(exchange, "GET");
                    return;
                }
                sendFile(exchange, file[0], file[1]);
                return;
            }
            if (path.equals("/api/state")) {
                if (!method.equals("GET")) {
                    refuseMethod(exchange, "GET");
                    return;
                }
                if (exchange.getRequestURI().getRawQuery() != null) {
                    send(exchange, bad("GET /api/state takes no query"));
                    return;
                }
                send(exchange, desk.submit(Desk.Command.STATE, 0));
                return;
            }
            Desk.Command command = POSTS.get(path);
            if (command == null) {
                send(exchange, new Desk.Reply(404, new Desk.Problem("no " + echo(path) + " here: the API is GET"
                        + " /api/state and POST /api/step?n=N, /api/continue, /api/run, /api/finish, /api/quit")));
                return;
            }
            if (!method.equals("POST")) {
                refuseMethod(exchange, "POST");
                return;
            }
            if (exchange.getRequestHeaders().getFirst(HEADER) == null) {
                send(exchange, new Desk.Reply(403, new Desk.Problem("a command must carry the header " + HEADER
                        + " (the page sends it)")));
                return;
            }
            String query = exchange.getRequestURI().getRawQuery();
            long count = 0;
            if (command == Desk.Command.STEP) {
                count = stepCount(query);
                if (count < 1) {
                    send(exchange, bad("step takes n, a whole number of instructions from 1 to 2^53, as in"
                            + " /api/step?n=10; not " + (query == null ? "nothing" : "'" + echo(query) + "'")));
                    return;
                }
            } else if (query != null) {
                send(exchange, bad(path + " takes no query, not '" + echo(query) + "'"));
                return;
            }
            send(exchange, desk.submit(command, count));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the server is stopping
        }
    }

    /** {@code n=N} (or nothing, for 1) as a count of 1 to {@link #MAX_STEP}; 0 when it is anything else. */
    static long stepCount(String query) {
        if (query == null || query.isEmpty()) {
            return 1;
        }
        if (!query.startsWith("n=") || query.indexOf('&') >= 0) {
            return 0;
        }
        String n = query.substring(2);
        if (!n.matches("[0-9]{1,16}")) {
            return 0;
        }
        long value = Long.parseLong(n);
        return value >= 1 && value <= MAX_STEP ? value : 0;
    }

    /** Whether the Host header names this server by its loopback address or localhost. */
    private boolean loopbackHost(String host) {
        return host != null && (host.equals("127.0.0.1:" + port) || host.equals("localhost:" + port));
    }

    /**
     * {@code text} from a request as an error repeats it: its first {@link #ECHOED} characters
     * and how long it was, so that a refusal is never a copy of a huge request.
     */
    static String echo(String text) {
        if (text.length() <= ECHOED) {
            return text;
        }
        return text.substring(0, ECHOED) + String.format("... (%,d characters)", text.length());
    }

    private static Desk.Reply bad(String message) {
        return new Desk.Reply(400, new Desk.Problem(message));
    }

    private static void refuseMethod(HttpExchange exchange, String allowed) throws IOException {
        exchange.getResponseHeaders().set("Allow", allowed);
        send(exchange, new Desk.Reply(405, new Desk.Problem(echo(exchange.getRequestMethod()) + " "
                + echo(exchange.getRequestURI().getPath()) + " is not allowed: it takes " + allowed)));
    }

    private static void send(HttpExchange exchange, Desk.Reply reply) throws IOException {
        byte[] body = Json.write(reply.body()).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "application/json; charset=utf-8");
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(reply.status(), body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private static void sendFile(HttpExchange exchange, String name, String type) throws IOException {
        byte[] body;
        try (InputStream in = ViewServer.class.getResourceAsStream(name)) {
            if (in == null) {
                send(exchange, new Desk.Reply(500, new Desk.Problem(name + " is missing from the jar")));
                return;
            }
            body = in.readAllBytes();
        }
        exchange.getResponseHeaders().set("Content-Type", type);
        exchange.getResponseHeaders().set("Cache-Control", "no-store");
        exchange.sendResponseHeaders(200, body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
