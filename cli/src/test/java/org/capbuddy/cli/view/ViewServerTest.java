package org.capbuddy.cli.view;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The view's server on raw sockets, with a stand-in for the machine's thread that answers every
 * command: clients that stall halfway through a request neither stop it answering others nor
 * keep their sockets for ever.
 */
@Timeout(300)
class ViewServerTest {
    /** How long a raw socket waits for the server before the test calls it hung. */
    private static final int PATIENCE_MS = 30_000;

    private static Socket connect(int port) throws IOException {
        Socket s = new Socket(InetAddress.getLoopbackAddress(), port);
        s.setSoTimeout(PATIENCE_MS);
        return s;
    }

    private static void send(Socket s, String text) throws IOException {
        s.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
        s.getOutputStream().flush();
    }

    /** Whether the server closed {@code s} (end of stream or a reset) before the patience ran out. */
    private static boolean closedByServer(Socket s) throws IOException {
        try {
            InputStream in = s.getInputStream();
            return in.read() == -1;
        } catch (SocketTimeoutException e) {
            return false;
        } catch (SocketException e) {
            return true; // reset
        }
    }

    @Test
    void stalledRequestsNeitherBlockOthersNorHoldTheirSocketsForEver() throws Exception {
        AtomicInteger commands = new AtomicInteger();
        Desk desk = new Desk();
        try (ViewServer server = ViewServer.bind(0, Duration.ofSeconds(2))) {
            Thread machine = new Thread(() -> {
                try {
                    while (true) {
                        Desk.Request r = desk.take();
                        r.answer().complete(new Desk.Reply(200, Map.of("answered", commands.incrementAndGet())));
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "stand-in-machine");
            machine.setDaemon(true);
            machine.start();
            server.open(desk);
            int port = server.port();
            List<Socket> stalled = new ArrayList<>();
            try {
                for (int i = 0; i < 8; i++) {
                    Socket s = connect(port);
                    stalled.add(s);
                    // a request line and a header, and then nothing: the blank line never comes
                    send(s, "GET /api/state HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\n");
                }
                try (Socket s = connect(port)) {
                    send(s, "GET /api/state HTTP/1.1\r\nHost: 127.0.0.1:" + port + "\r\nConnection: close\r\n\r\n");
                    String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    assertThat(answer).startsWith("HTTP/1.1 200").containsPattern("\"answered\"\\s*:\\s*1\\b");
                }
                for (Socket s : stalled) {
                    assertThat(closedByServer(s)).as("a stalled request's socket is closed by the server").isTrue();
                }
                assertThat(commands).as("no stalled request reached the machine").hasValue(1);
                try (Socket s = connect(port)) {
                    send(s, "GET /api/state HTTP/1.1\r\nHost: localhost:" + port + "\r\nConnection: close\r\n\r\n");
                    assertThat(new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8))
                            .as("still answering").startsWith("HTTP/1.1 200").containsPattern("\"answered\"\\s*:\\s*2\\b");
                }
            } finally {
                for (Socket s : stalled) {
                    s.close();
                }
                machine.interrupt();
            }
        }
    }
}
