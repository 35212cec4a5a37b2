package org.capbuddy.cli.bench;

import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

/**
 * A progress bar on standard error for long bench runs. Disabled (JSON output, or no console:
 * piped, redirected, tests) it prints nothing at all.
 */
public final class Progress implements AutoCloseable {
    private static final Progress DISABLED = new Progress(null);

    private final ProgressBar bar;

    private Progress(ProgressBar bar) {
        this.bar = bar;
    }

    /**
     * A bar for {@code task} counting up to {@code total} steps; a no-op when {@code enabled} is
     * false or there is no console.
     */
    public static Progress start(String task, long total, boolean enabled) {
        if (!enabled || System.console() == null) {
            return DISABLED;
        }
        ProgressBar bar = new ProgressBarBuilder()
                .setTaskName(task)
                .setInitialMax(Math.max(total, 0))
                .setStyle(ProgressBarStyle.ASCII)
                .setUpdateIntervalMillis(200)
                .setConsumer(new ConsoleProgressBarConsumer(System.err))
                .build();
        return new Progress(bar);
    }

    /** True when this draws a bar. */
    public boolean enabled() {
        return bar != null;
    }

    /** Advances by {@code n} steps. */
    public void step(long n) {
        if (bar != null) {
            bar.stepBy(n);
        }
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
    }
}
