package org.capbuddy.cli.common;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Whether an {@code --out} folder can take a command's files, checked before anything runs and
 * without making it: the folder is made when the first file is written, so that a command refused
 * later (a machine that cannot be built) leaves no empty folder behind.
 */
public final class OutFolder {
    private OutFolder() {
    }

    /** Why {@code out} cannot be made or written to, or null when it can. */
    public static String problem(Path out) {
        if (Files.exists(out)) {
            if (!Files.isDirectory(out)) {
                return out + " is a file, not a folder";
            }
            return Files.isWritable(out) ? null : "cannot write to " + out + ": permission denied";
        }
        Path existing = out.toAbsolutePath().normalize().getParent();
        while (existing != null && !Files.exists(existing)) {
            existing = existing.getParent();
        }
        if (existing == null) {
            return "cannot make " + out + ": no folder above it exists";
        }
        if (!Files.isDirectory(existing)) {
            return "cannot make " + out + ": " + existing + " is a file, not a folder";
        }
        return Files.isWritable(existing) ? null : "cannot make " + out + ": " + existing + " is not writable";
    }
}
