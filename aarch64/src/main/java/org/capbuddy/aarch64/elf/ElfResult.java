package org.capbuddy.aarch64.elf;

import java.util.Objects;

/**
 * What {@link ElfParser#parse} returns: a loadable image, or the reason the file was refused. A
 * value rather than an exception because a refused program is an expected outcome of loading
 * untrusted bytes, which the caller reports to the user (as {@code execve} returns
 * {@code ENOEXEC}), not a bug.
 */
public sealed interface ElfResult permits ElfResult.Ok, ElfResult.Refused {

    /** Whether the file was accepted. */
    boolean isOk();

    /** The file is a well-formed static AArch64 program. */
    record Ok(ElfImage image) implements ElfResult {
        public Ok {
            Objects.requireNonNull(image, "image");
        }

        @Override
        public boolean isOk() {
            return true;
        }
    }

    /**
     * The file was refused.
     *
     * @param error the first check that failed
     * @param detail an English sentence naming the offending field or program header and its values
     */
    record Refused(ElfError error, String detail) implements ElfResult {
        public Refused {
            Objects.requireNonNull(error, "error");
            Objects.requireNonNull(detail, "detail");
        }

        @Override
        public boolean isOk() {
            return false;
        }
    }
}
