package org.capbuddy.cli.view;

import static org.assertj.core.api.Assertions.assertThat;
import static org.capbuddy.cli.view.ViewCli.program;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import com.fasterxml.jackson.databind.JsonNode;
import org.capbuddy.cli.CliRun;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The view in a real browser: Debian's headless Chromium, driven by Selenium through
 * chromedriver, opens the page of {@code run pt_test --view}, finds each panel filled from the
 * live system, steps, continues and runs the program with the buttons, and finishes the session;
 * the command then reports as a plain run does. Screenshots go to {@code target/}. Skipped when
 * Chromium or chromedriver is missing, unless {@code CAPBUDDY_BROWSER_TESTS=required} (CI), when
 * that fails it instead.
 */
@Timeout(600)
class ViewBrowserTest {
    private static final File CHROMIUM = new File("/usr/bin/chromium");
    private static final File DRIVER = new File("/usr/bin/chromedriver");

    @TempDir
    Path profile;

    private static void requireBrowser() {
        boolean present = CHROMIUM.canExecute() && DRIVER.canExecute();
        if ("required".equals(System.getenv("CAPBUDDY_BROWSER_TESTS"))) {
            assertThat(present).as("CAPBUDDY_BROWSER_TESTS=required, but " + CHROMIUM + " or " + DRIVER
                    + " is missing (apt-get install chromium chromium-driver)").isTrue();
        }
        Assumptions.assumeTrue(present, CHROMIUM + " and " + DRIVER + " are needed for the browser test");
    }

    private WebDriver browser() {
        // the driver and the browser named, so that Selenium Manager never looks for them online
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER)
                .usingAnyFreePort().build();
        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM).addArguments("--headless", "--no-sandbox",
                "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--user-data-dir=" + profile);
        WebDriver driver = new ChromeDriver(service, options);
        driver.manage().window().setSize(new Dimension(1500, 1900));
        return driver;
    }

    private static String text(WebDriver d, String id) {
        return d.findElement(By.id(id)).getText();
    }

    /** Clicks {@code button} and waits until the page has its answer (the buttons come back, the counter moved). */
    private static void click(WebDriver d, WebDriverWait wait, String button, String stepCount) {
        String before = text(d, "instructions");
        if (stepCount != null) {
            WebElement n = d.findElement(By.id("step-n"));
            n.clear();
            n.sendKeys(stepCount);
        }
        d.findElement(By.id(button)).click();
        wait.until(x -> x.findElement(By.id("quit")).isEnabled() && !text(x, "instructions").equals(before));
    }

    private static void screenshot(WebDriver d, String name) throws IOException {
        File shot = ((ChromeDriver) d).getScreenshotAs(OutputType.FILE);
        Path target = Path.of("target", name);
        Files.createDirectories(target.getParent());
        Files.copy(shot.toPath(), target, StandardCopyOption.REPLACE_EXISTING);
    }

    private static String count(long n) {
        return String.format(Locale.ENGLISH, "%,d", n);
    }

    private static String hex(long n) {
        return "0x" + Long.toHexString(n);
    }

    /** A byte count as the page writes it. */
    private static String size(long bytes) {
        String[] units = {"GiB", "MiB", "KiB"};
        long[] scales = {1L << 30, 1L << 20, 1L << 10};
        for (int i = 0; i < units.length; i++) {
            if (bytes >= scales[i] && bytes % scales[i] == 0) {
                return bytes / scales[i] + " " + units[i];
            }
        }
        return bytes >= 1024 ? String.format(Locale.ROOT, "%.1f KiB", bytes / 1024.0) : bytes + " B";
    }

    private static List<String> cells(WebElement row) {
        return row.findElements(By.tagName("td")).stream().map(WebElement::getText).toList();
    }

    /**
     * What the page shows is what {@code GET /api/state} answers at the same moment (nothing runs
     * between the page's last answer and this request): the counters, each region's range and
     * rights, the frame table's figure, the first pool tree's free blocks, each untyped's figures
     * and the CDT's lines.
     */
    private static void pageShowsTheState(WebDriver d, ViewCli view, String when) {
        JsonNode s = view.get("/api/state").body();
        JsonNode p = s.get("program");
        JsonNode c = s.get("counters");
        assertThat(List.of(text(d, "pc"), text(d, "reason"), text(d, "instructions"), text(d, "pause-on")))
                .as(when + ": the program").containsExactly(p.get("pc").asText(), p.get("reason").asText(),
                        count(p.get("instructions").asLong()), p.get("pauseOn").asText());
        assertThat(List.of(text(d, "faults"), text(d, "syscalls"), text(d, "invocations"), text(d, "frames-in-use"),
                text(d, "pages-mapped"))).as(when + ": the counters").containsExactly(count(c.get("faults").asLong()),
                        count(c.get("systemCalls").asLong()), count(c.get("invocations").asLong()),
                        count(c.get("framesInUse").asLong()), count(c.get("pagesMapped").asLong()));

        List<WebElement> regionRows = d.findElements(By.cssSelector("#regions tbody tr"));
        JsonNode regions = s.get("process").get("regions");
        assertThat(regionRows).as(when + ": the regions").hasSize(regions.size());
        for (int i = 0; i < regions.size(); i++) {
            JsonNode r = regions.get(i);
            long base = r.get("base").asLong();
            long end = r.get("end").asLong();
            assertThat(cells(regionRows.get(i)).subList(0, 5)).as(when + ": region " + i).containsExactly(
                    r.get("kind").asText(), hex(base), hex(end - 1), r.get("rights").asText(), size(end - base));
        }

        JsonNode f = s.get("frames");
        assertThat(text(d, "frame-table")).as(when + ": the frame table").startsWith(count(f.get("inUse").asLong())
                + " of " + count(f.get("limit").asLong()) + " frames in use");

        JsonNode tree = s.get("pool").get("trees").get(0);
        WebElement card = d.findElement(By.cssSelector("#pool .tree-card"));
        assertThat(card.findElement(By.cssSelector("div.code")).getText()).as(when + ": the first tree")
                .startsWith("tree at pa " + hex(tree.get("basePaddr").asLong()))
                .contains(": " + tree.get("freeFrames").asLong() + " of 1024 frames free");
        List<String> freeBlocks = new ArrayList<>();
        tree.get("freeBlocks").forEach(n -> freeBlocks.add(n.asText()));
        assertThat(cells(card.findElements(By.cssSelector("table.orders tr")).get(1)))
                .as(when + ": the first tree's free blocks").isEqualTo(freeBlocks);

        List<WebElement> untypedRows = d.findElements(By.cssSelector("#untypeds tbody tr"));
        JsonNode untypeds = s.get("untypeds");
        assertThat(untypedRows).as(when + ": the untypeds").hasSize(untypeds.size());
        for (int i = 0; i < untypeds.size(); i++) {
            JsonNode u = untypeds.get(i);
            List<String> row = cells(untypedRows.get(i)).subList(0, 6);
            boolean retyped = u.get("retyped").asBoolean();
            int split = u.get("childUntypeds").asInt();
            assertThat(row).as(when + ": untyped " + i).containsExactly(u.get("bootCptr").asText(),
                    u.get("paddr").asText() + (u.get("device").asBoolean() ? " (device)" : ""),
                    size(u.get("bytes").asLong()), retyped ? size(u.get("liveBytes").asLong()) : "none",
                    retyped ? size(u.get("freeBytes").asLong()) : "all", !retyped ? "nothing"
                            : split == 0 ? "objects only" : count(split) + " untyped" + (split == 1 ? "" : "s"));
        }

        JsonNode cdt = s.get("cdt").get("lines");
        List<WebElement> cdtLines = d.findElements(By.cssSelector("#cdt li"));
        assertThat(cdtLines).as(when + ": the CDT's lines").hasSize(cdt.size());
        for (int i = 0; i < Math.min(cdt.size(), 40); i++) {
            JsonNode l = cdt.get(i);
            String shown = cdtLines.get(i).getText();
            assertThat(shown).as(when + ": CDT line " + i).contains(l.get("type").asText())
                    .endsWith("in " + l.get("slot").asText() + (l.get("lastSlot").isNull() ? ""
                            : " .. " + l.get("lastSlot").asText()));
            if (!l.get("object").isNull()) {
                assertThat(shown).as(when + ": CDT line " + i).contains(" " + l.get("object").asText());
            }
        }
    }

    private static String withoutTranslation(String report) {
        return report.replaceAll("(?m)^Translation: .*\n", "");
    }

    @Test
    void aStudentStepsContinuesAndRunsPtTestInChromium() throws IOException {
        requireBrowser();
        CliRun plain = CliRun.of("run", program("pt_test"));
        WebDriver d = browser();
        try (ViewCli view = ViewCli.start("run", program("pt_test"), "--view")) {
            d.get(view.url);
            WebDriverWait wait = new WebDriverWait(d, Duration.ofSeconds(60));
            wait.until(x -> text(x, "status").equals("paused"));
            assertThat(d.getTitle()).contains("pt_test");
            assertThat(text(d, "instructions")).isEqualTo("0");
            assertThat(text(d, "reason")).isEqualTo("start");
            String startPc = text(d, "pc");
            assertThat(text(d, "next")).contains("<_start>");
            // each panel shows the live system: a region, a page-table run, a pool tree, an untyped, a CDT node
            assertThat(text(d, "regions")).contains("code", "0x400000", "r-x", "stack");
            assertThat(d.findElements(By.cssSelector("#page-tables li.run"))).isNotEmpty();
            assertThat(d.findElement(By.cssSelector("#page-tables li.run")).getText()).contains("page", "-> pa 0x");
            assertThat(text(d, "page-tables")).contains("L0 table (root) at pa 0x");
            assertThat(text(d, "pool")).contains("tree at pa 0x", "of 1024 frames free", "free blocks");
            assertThat(d.findElements(By.cssSelector("#untypeds tbody tr"))).isNotEmpty();
            assertThat(text(d, "untypeds")).contains("MiB");
            assertThat(text(d, "cdt")).contains("Untyped", "CNode");
            assertThat(text(d, "frame-table")).contains("frames in use");
            assertThat(text(d, "events")).contains("processes created pid 1");
            assertThat(d.findElement(By.id("finish")).isEnabled()).as("finish waits for the end").isFalse();
            pageShowsTheState(d, view, "at the start");

            click(d, wait, "step", "1");
            assertThat(text(d, "instructions")).isEqualTo("1");
            assertThat(text(d, "pc")).isNotEqualTo(startPc);
            click(d, wait, "step", "10");
            assertThat(text(d, "instructions")).isEqualTo("11");
            assertThat(text(d, "reason")).isEqualTo("step");
            pageShowsTheState(d, view, "after 11 steps");

            String faults = text(d, "faults");
            String calls = text(d, "syscalls");
            for (int i = 0; i < 12; i++) {
                click(d, wait, "continue", null);
            }
            assertThat(text(d, "reason")).matches("vm_fault|user_exception|syscall \\w+");
            assertThat(List.of(text(d, "faults"), text(d, "syscalls"))).isNotEqualTo(List.of(faults, calls));
            assertThat(d.findElements(By.cssSelector("#events li"))).isNotEmpty();
            pageShowsTheState(d, view, "after 12 continues");
            screenshot(d, "view-paused.png");

            click(d, wait, "run", null);
            wait.until(x -> text(x, "status").startsWith("exited"));
            assertThat(text(d, "status")).isEqualTo("exited with status 0");
            assertThat(text(d, "console")).contains("pt_test: stack and heap page-table test passed");
            assertThat(d.findElement(By.id("step")).isEnabled()).isFalse();
            assertThat(d.findElement(By.id("finish")).isEnabled()).isTrue();
            pageShowsTheState(d, view, "at the end");
            screenshot(d, "view-ended.png");

            d.findElement(By.id("finish")).click();
            wait.until(x -> text(x, "message").contains("The session has ended"));
            CliRun r = view.await();
            assertThat(r.exitCode()).as(r.err()).isEqualTo(plain.exitCode()).isZero();
            // continue runs one instruction at a time, interpreted: only the translation's figures differ
            assertThat(withoutTranslation(r.out())).endsWith(withoutTranslation(plain.out()));
        } finally {
            d.quit();
        }
    }
}
