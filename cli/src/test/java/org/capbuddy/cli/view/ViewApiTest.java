package org.capbuddy.cli.view;

import static org.assertj.core.api.Assertions.assertThat;
import static org.capbuddy.cli.view.ViewCli.program;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.capbuddy.cli.CliRun;
import org.capbuddy.kernel.host.WrongThreadException;
import org.capbuddy.libos.machine.MachineConfig;
import org.capbuddy.sos.machine.SosConfig;
import org.capbuddy.sos.machine.SosMachine;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code capbuddy run --view} through its JSON API, against a real server on a free port running
 * committed programs: the state's shape, step, continue and run as step mode and a plain run
 * give them, bad requests refused with nothing changed, one command at a time on the machine's
 * own thread.
 */
@Timeout(300)
class ViewApiTest {
    /** The step test's seed: a fixed one, or {@code -Dcapbuddy.seed=N} to re-run a failure's. */
    private static final long SEED = Long.getLong("capbuddy.seed", 20261207);

    /** The report of a run, without the view's own lines (its address and how to end it). */
    private static String report(String out) {
        return out.replaceFirst("View: http://127\\.0\\.0\\.1:\\d+/\\n\\(the program is paused[^\\n]*\\n", "");
    }

    @Test
    void theStateShowsTheProgramPausedAndTheSystemAroundIt() {
        try (ViewCli view = ViewCli.start("run", program("hello"), "--view")) {
            ViewCli.Answer a = view.get("/api/state");
            assertThat(a.status()).isEqualTo(200);
            JsonNode s = a.body();
            JsonNode p = s.get("program");
            assertThat(p.get("status").asText()).isEqualTo("paused");
            assertThat(p.get("reason").asText()).isEqualTo("start");
            assertThat(p.get("instructions").asLong()).isZero();
            assertThat(p.get("pc").asText()).isEqualTo("0x400180");
            assertThat(p.get("next").asText()).startsWith("0x400180 <_start>  (not mapped yet");
            assertThat(p.get("ended").asBoolean()).isFalse();
            assertThat(s.get("counters").get("framesInUse").asInt()).isPositive();
            List<String> regions = new ArrayList<>();
            s.get("process").get("regions").forEach(r -> regions.add(r.get("kind").asText()));
            assertThat(regions).contains("code", "data", "stack");
            JsonNode tables = s.get("process").get("pageTables");
            assertThat(tables.get("entries").get(0).get("index").asInt()).as("the root table first").isEqualTo(-1);
            assertThat(tables.get("tables").asInt()).isPositive();
            assertThat(s.get("frames").get("inUse").asInt()).isEqualTo(s.get("counters").get("framesInUse").asInt());
            JsonNode tree = s.get("pool").get("trees").get(0);
            assertThat(tree.get("freeBlocks")).hasSize(11);
            assertThat(s.get("untypeds").size()).isPositive();
            // the figures themselves are checked against the memory by UntypedUseTest; here, their shape
            int retyped = 0;
            for (JsonNode u : s.get("untypeds")) {
                assertThat(u.get("found").asBoolean()).isTrue();
                assertThat(u.get("liveBytes").asLong() + u.get("freeBytes").asLong()).isLessThanOrEqualTo(
                        u.get("bytes").asLong());
                if (u.get("retyped").asBoolean()) {
                    retyped++;
                } else {
                    assertThat(u.get("liveBytes").asLong()).isZero();
                    assertThat(u.get("freeBytes").asLong()).isEqualTo(u.get("bytes").asLong());
                }
            }
            assertThat(retyped).isPositive().isLessThan(s.get("untypeds").size());
            assertThat(s.get("cdt").get("caps").asLong()).isPositive();
            assertThat(s.get("cdt").get("lines").get(0).get("depth").asInt()).isZero();
            assertThat(s.get("events").get("shown").get(0).get("text").asText()).contains("processes created pid 1");
            assertThat(s.get("console").asText()).isEmpty();
            assertThat(view.post("/api/quit").status()).isEqualTo(200);
            CliRun r = view.await();
            assertThat(r.exitCode()).as(r.err()).isEqualTo(1);
            assertThat(r.out()).contains("Stopped by request after 0 instructions.", "Stopped before the end.",
                    "leaked frames 0, slots 0");
        }
    }

    /** The pcs {@code --step} prints after each of {@code steps} (step mode is the reference). */
    private static List<String> stepModePcs(String name, long... steps) {
        StringBuilder script = new StringBuilder();
        for (long n : steps) {
            script.append("s ").append(n).append('\n');
        }
        script.append("q\n");
        java.io.InputStream saved = System.in;
        System.setIn(new java.io.ByteArrayInputStream(script.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8)));
        CliRun r;
        try {
            r = CliRun.of("run", "--step", program(name));
        } finally {
            System.setIn(saved);
        }
        List<String> pcs = new ArrayList<>();
        Matcher m = Pattern.compile("-- paused after [\\d,]+ instructions? \\(step\\)\\n   next: (0x[0-9a-f]+)").matcher(r.out());
        while (m.find()) {
            pcs.add(m.group(1));
        }
        return pcs;
    }

    @Test
    void stepRunsExactlyNInstructionsAndLandsWhereStepModeDoes() {
        long seed = SEED;
        SplittableRandom random = new SplittableRandom(seed);
        long[] steps = {1, 1 + random.nextInt(20), 1 + random.nextInt(200), 1 + random.nextInt(400)};
        List<String> expected = stepModePcs("hello", steps);
        assertThat(expected).as("seed %d (re-run with -Dcapbuddy.seed=%d)", seed, seed).hasSize(steps.length);
        try (ViewCli view = ViewCli.start("run", program("hello"), "--view")) {
            long total = 0;
            for (int i = 0; i < steps.length; i++) {
                ViewCli.Answer a = view.post("/api/step?n=" + steps[i]);
                total += steps[i];
                assertThat(a.status()).as("seed %d", seed).isEqualTo(200);
                JsonNode p = a.body().get("program");
                assertThat(p.get("instructions").asLong()).as("seed %d", seed).isEqualTo(total);
                assertThat(p.get("reason").asText()).as("seed %d", seed).isEqualTo("step");
                assertThat(p.get("pc").asText()).as("seed %d, step %d", seed, i).isEqualTo(expected.get(i));
                assertThat(p.get("next").asText()).as("seed %d", seed).startsWith(expected.get(i) + " ");
            }
            assertThat(view.get("/api/state").body().get("program").get("instructions").asLong()).as("seed %d", seed)
                    .isEqualTo(total);
        }
    }

    @Test
    void continueStopsAfterEachFaultOrSystemCallWithItsEvent() {
        try (ViewCli view = ViewCli.start("run", program("hello"), "--view")) {
            long before = 0;
            long faults = view.get("/api/state").body().get("counters").get("faults").asLong();
            for (int i = 0; i < 6; i++) {
                JsonNode s = view.post("/api/continue").body();
                String reason = s.get("program").get("reason").asText();
                assertThat(reason).matches("vm_fault|user_exception|syscall \\w+");
                long now = s.get("program").get("instructions").asLong();
                assertThat(now).isGreaterThan(before);
                before = now;
                List<String> names = new ArrayList<>();
                s.get("events").get("shown").forEach(e -> names.add(e.get("name").asText()));
                assertThat(names).contains(reason.startsWith("syscall ") ? reason.substring(8) : reason);
                long f = s.get("counters").get("faults").asLong();
                if (reason.equals("vm_fault")) {
                    assertThat(f).isEqualTo(faults + 1);
                }
                faults = f;
            }
        }
        try (ViewCli view = ViewCli.start("run", program("hello"), "--view", "--pause-on", "syscalls")) {
            JsonNode s = view.post("/api/continue").body();
            assertThat(s.get("program").get("reason").asText()).isEqualTo("syscall set_tid_address");
            assertThat(s.get("counters").get("systemCalls").asLong()).isEqualTo(1);
            assertThat(s.get("program").get("pauseOn").asText()).isEqualTo("system calls");
        }
        try (ViewCli view = ViewCli.start("run", program("hello"), "--view", "--pause-on", "none", "--pause-every", "7")) {
            assertThat(view.get("/api/state").body().get("program").get("pauseOn").asText())
                    .isEqualTo("every 7 instructions");
            JsonNode p = view.post("/api/continue").body().get("program");
            assertThat(p.get("reason").asText()).isEqualTo("every 7 instructions");
            assertThat(p.get("instructions").asLong()).isEqualTo(7);
        }
        try (ViewCli view = ViewCli.start("run", program("hello"), "--view", "--pause-every", "50")) {
            assertThat(view.get("/api/state").body().get("program").get("pauseOn").asText())
                    .isEqualTo("faults and system calls and every 50 instructions");
        }
    }

    @Test
    void runReachesTheEndWithThePlainRunsConsoleReportAndStatus() {
        for (String name : List.of("hello", "write_code")) {
            CliRun plain = CliRun.of("run", program(name));
            CliRun viewed;
            try (ViewCli view = ViewCli.start("run", program(name), "--view")) {
                view.post("/api/step?n=3");
                JsonNode s = view.post("/api/run").body();
                JsonNode p = s.get("program");
                assertThat(p.get("ended").asBoolean()).isTrue();
                assertThat(p.get("next").isNull()).isTrue();
                if (name.equals("hello")) {
                    assertThat(p.get("status").asText()).isEqualTo("exited");
                    assertThat(p.get("exitCode").asInt()).isZero();
                    assertThat(s.get("console").asText()).isEqualTo("hello, world\n");
                } else {
                    assertThat(p.get("status").asText()).isEqualTo("killed");
                    assertThat(p.get("kill").asText()).isNotBlank();
                }
                assertThat(view.post("/api/finish").status()).isEqualTo(200);
                viewed = view.await();
            }
            assertThat(viewed.exitCode()).as(name).isEqualTo(plain.exitCode());
            assertThat(report(viewed.out())).as(name).isEqualTo(plain.out());
            assertThat(viewed.err()).isEqualTo(plain.err());
        }
    }

    @Test
    void badRequestsAreRefusedWithAReasonAndChangeNothing() {
        try (ViewCli view = ViewCli.start("run", program("hello"), "--view")) {
            view.post("/api/step?n=3");
            String before = view.get("/api/state").text();
            List<ViewCli.Answer> refused = List.of(view.post("/api/step?n=0"), view.post("/api/step?n=-2"),
                    view.post("/api/step?n=x"), view.post("/api/step?n=1.5"), view.post("/api/step?n=1&n=2"),
                    view.post("/api/step?n=99999999999999999999"), view.post("/api/continue?n=2"),
                    view.post("/api/finish"), view.post("/api/state"), view.get("/api/step?n=1"),
                    view.get("/api/run"), view.get("/api/nothing"), view.post("/api/nothing"), view.get("/etc/passwd"),
                    view.send(HttpRequest.newBuilder(URI.create(view.url + "api/step")).POST(HttpRequest.BodyPublishers.noBody())),
                    view.send(HttpRequest.newBuilder(URI.create(view.url + "api/step")).method("DELETE",
                            HttpRequest.BodyPublishers.noBody()).header(ViewServer.HEADER, "1")));
            List<Integer> statuses = refused.stream().map(ViewCli.Answer::status).toList();
            assertThat(statuses).containsExactly(400, 400, 400, 400, 400, 400, 400, 409, 405, 405, 405, 404, 404, 404,
                    403, 405);
            refused.forEach(a -> assertThat(a.body().get("error").asText()).as(a.text()).isNotBlank());
            assertThat(view.get("/api/state").text()).as("nothing changed").isEqualTo(before);
            // an error repeats a bounded part of what it refuses, never the whole request
            String huge = "x".repeat(50_000);
            for (ViewCli.Answer a : List.of(view.post("/api/step?n=" + huge), view.post("/api/run?" + huge),
                    view.get("/api/" + huge), view.get("/api/step/" + huge))) {
                assertThat(a.status()).isBetween(400, 404);
                assertThat(a.text()).as(a.text()).hasSizeLessThan(400).contains("(50,", "characters)");
            }
            assertThat(view.get("/api/state").text()).as("nothing changed").isEqualTo(before);
            view.post("/api/run");
            String ended = view.get("/api/state").text();
            for (String command : List.of("/api/step", "/api/continue", "/api/run")) {
                ViewCli.Answer a = view.post(command);
                assertThat(a.status()).isEqualTo(409);
                assertThat(a.body().get("error").asText()).contains("the program has ended");
            }
            assertThat(view.get("/api/state").text()).isEqualTo(ended);
            assertThat(view.post("/api/finish").status()).isEqualTo(200);
            assertThat(view.await().exitCode()).isZero();
        }
    }

    /**
     * Requests from many threads at once: each is carried out whole, one at a time, on the
     * machine's thread. The machine's guard throws at any touch from another thread (shown
     * below), so a handler thread that touched the model would fail its request.
     */
    @Test
    void requestsFromManyThreadsRunOneAtATimeOnTheMachinesThread() throws Exception {
        SosMachine machine = SosMachine.boot(MachineConfig.capBuddy(64L << 20), SosConfig.defaults()).value();
        CompletableFuture<Object> elsewhere = CompletableFuture.supplyAsync(() -> machine.sos().frameTableDump());
        assertThat(elsewhere).failsWithin(java.time.Duration.ofSeconds(30)).withThrowableOfType(
                java.util.concurrent.ExecutionException.class).withCauseInstanceOf(WrongThreadException.class);
        try (ViewCli view = ViewCli.start("run", program("hello"), "--view")) {
            ExecutorService pool = Executors.newFixedThreadPool(8);
            try {
                List<CompletableFuture<ViewCli.Answer>> answers = new ArrayList<>();
                for (int i = 0; i < 40; i++) {
                    String path = i % 2 == 0 ? "/api/step?n=5" : "/api/state";
                    answers.add(CompletableFuture.supplyAsync(() -> path.startsWith("/api/step") ? view.post(path)
                            : view.get(path), pool));
                }
                List<Long> counts = new ArrayList<>();
                for (CompletableFuture<ViewCli.Answer> a : answers) {
                    ViewCli.Answer answer = a.get();
                    assertThat(answer.status()).as(answer.text()).isEqualTo(200);
                    counts.add(answer.body().get("program").get("instructions").asLong());
                }
                assertThat(counts).allMatch(n -> n % 5 == 0);
                assertThat(view.get("/api/state").body().get("program").get("instructions").asLong()).isEqualTo(100);
            } finally {
                pool.shutdownNow();
            }
        }
    }

    @Test
    void demoRunsPtTestInTheView() {
        try (ViewCli view = ViewCli.start("demo", "--view")) {
            JsonNode s = view.get("/api/state").body();
            assertThat(s.get("program").get("name").asText()).isEqualTo("pt_test");
            assertThat(view.post("/api/run").body().get("program").get("status").asText()).isEqualTo("exited");
            view.post("/api/finish");
            CliRun r = view.await();
            assertThat(r.exitCode()).as(r.out() + r.err()).isZero();
            assertThat(r.out()).contains("pt_test: PASSED");
        }
    }

    @Test
    void aPortThatCannotBeBoundOrBadOptionsStopTheCommandBeforeAnythingRuns() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            CliRun r = CliRun.of("run", program("hello"), "--view=" + taken.getLocalPort());
            assertThat(r.exitCode()).isEqualTo(1);
            assertThat(r.out()).isEmpty();
            assertThat(r.err()).startsWith("capbuddy run: cannot serve the view on 127.0.0.1:" + taken.getLocalPort());
        }
        for (List<String> args : List.of(List.of("--view", "--step"), List.of("--view", "--json"),
                List.of("--view", "--trace", "faults", "--trace-out", "-"), List.of("--view=70000"),
                List.of("--view=abc"), List.of("--view", "--commands", "script"), List.of("--view=0", "--view=1"),
                List.of("--view", "--view"), List.of("--view", "0", "--view"))) {
            List<String> all = new ArrayList<>(List.of("run", program("hello")));
            all.addAll(args);
            CliRun r = CliRun.of(all.toArray(String[]::new));
            assertThat(r.exitCode()).as(args.toString()).isEqualTo(2);
            assertThat(r.out()).isEmpty();
            assertThat(r.err()).contains("--view");
        }
        // a program SOS refuses, or a machine that cannot be built: no view, and the port is given back
        java.nio.file.Path notElf = java.nio.file.Files.createTempFile("not", ".elf");
        try (java.net.ServerSocket free = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            int port = free.getLocalPort();
            free.close();
            CliRun refused = CliRun.of("run", notElf.toString(), "--view=" + port);
            assertThat(refused.exitCode()).isEqualTo(1);
            assertThat(refused.out()).doesNotContain("View:");
            CliRun unbuildable = CliRun.of("run", program("hello"), "--view=" + port, "--root-cnode-bits", "7");
            assertThat(unbuildable.exitCode()).as(unbuildable.err()).isEqualTo(2);
            try (java.net.ServerSocket again = new java.net.ServerSocket(port, 1, java.net.InetAddress.getLoopbackAddress())) {
                assertThat(again.getLocalPort()).isEqualTo(port);
            }
        } finally {
            java.nio.file.Files.delete(notElf);
        }
        CliRun r = CliRun.of("demo", "--view", "--json");
        assertThat(r.exitCode()).isEqualTo(2);
        assertThat(r.err()).contains("--view shows the state in the page");
    }
}
