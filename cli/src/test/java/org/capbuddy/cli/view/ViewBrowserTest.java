package org.capbuddy.cli.view;

import static org.assertj.core.api.Assertions.assertThat;
import static org.capbuddy.cli.view.ViewCli.program;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
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

            click(d, wait, "step", "1");
            assertThat(text(d, "instructions")).isEqualTo("1");
            assertThat(text(d, "pc")).isNotEqualTo(startPc);
            click(d, wait, "step", "10");
            assertThat(text(d, "instructions")).isEqualTo("11");
            assertThat(text(d, "reason")).isEqualTo("step");

            String faults = text(d, "faults");
            String calls = text(d, "syscalls");
            for (int i = 0; i < 12; i++) {
                click(d, wait, "continue", null);
            }
            assertThat(text(d, "reason")).matches("vm_fault|user_exception|syscall \\w+");
            assertThat(List.of(text(d, "faults"), text(d, "syscalls"))).isNotEqualTo(List.of(faults, calls));
            assertThat(d.findElements(By.cssSelector("#events li"))).isNotEmpty();
            screenshot(d, "view-paused.png");

            click(d, wait, "run", null);
            wait.until(x -> text(x, "status").startsWith("exited"));
            assertThat(text(d, "status")).isEqualTo("exited with status 0");
            assertThat(text(d, "console")).contains("pt_test: stack and heap page-table test passed");
            assertThat(d.findElement(By.id("step")).isEnabled()).isFalse();
            assertThat(d.findElement(By.id("finish")).isEnabled()).isTrue();
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
