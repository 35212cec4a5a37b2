package org.capbuddy.sos.process;

import java.util.Locale;
import java.util.Optional;

/**
 * How SOS gives a forked child its parent's pages: {@link #COW} shares every resident frame
 * copy-on-write (each mapping its own cap copy, both without write until a store copies the page),
 * {@link #COPY} copies every resident page into a frame of the child's at once, the reference to
 * compare against. Sharing needs SOS without paging (see {@link ProcessPages#share}).
 */
public enum ForkMode {
    COPY, COW;

    /** The name options and reports use: {@code copy}, {@code cow}. */
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The mode named {@code label} ({@code copy} or {@code cow}, any case), or empty. */
    public static Optional<ForkMode> of(String label) {
        for (ForkMode m : values()) {
            if (m.label().equalsIgnoreCase(label == null ? "" : label)) {
                return Optional.of(m);
            }
        }
        return Optional.empty();
    }
}
