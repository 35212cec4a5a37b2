package org.capbuddy.sos.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The rule that keeps dirty tracking sound, checked on SOS's sources: a write into a process's
 * frame through SOS's window is one the process's MMU never sees, so it must make the page dirty,
 * and only {@link ProcessPages} (whose {@code copy} does so for every page it writes), the
 * {@link Pager} (filling a frame for a fault or an undo) and {@link CowCopier} (filling a fresh
 * frame with a shared page's bytes before it maps it, and only without paging) write frames. A new path that wrote a
 * frame elsewhere would fail here before it could lose a page's bytes to a clean drop.
 */
class WindowWritesTest {
    /** A frame written or zeroed through the frame table, or a copy into one: FrameTable.write, zero, copy. */
    private static final Pattern FRAME_WRITE = Pattern.compile("\\b(frames|frameTable\\(\\))\\s*\\.\\s*(write|zero|copy)\\s*\\(");
    private static final List<String> ALLOWED = List.of("ProcessPages.java", "Pager.java", "CowCopier.java");

    @Test
    void onlyTheProcessPagesThePagerAndCopyOnWriteWriteFramesThroughTheWindow() throws IOException {
        Path root = Path.of("src", "main", "java");
        assertThat(root).as("run from the sos module").isDirectory();
        List<String> offenders = new ArrayList<>();
        List<String> allowedSeen = new ArrayList<>();
        try (Stream<Path> files = Files.walk(root)) {
            files.filter(f -> f.toString().endsWith(".java"))
                    .filter(f -> !f.getParent().endsWith(Path.of("sos", "frametable")))
                    .forEach(f -> {
                        String text;
                        try {
                            text = Files.readString(f);
                        } catch (IOException e) {
                            throw new UncheckedIOException(e);
                        }
                        if (FRAME_WRITE.matcher(text).find()) {
                            (ALLOWED.contains(f.getFileName().toString()) ? allowedSeen : offenders)
                                    .add(root.relativize(f).toString());
                        }
                    });
        }
        assertThat(offenders).as("frames written outside ProcessPages.copy's dirty marking").isEmpty();
        assertThat(allowedSeen).as("the pattern still finds the writes it guards").hasSize(3);
    }
}
