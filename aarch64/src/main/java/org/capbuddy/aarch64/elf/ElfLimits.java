package org.capbuddy.aarch64.elf;

/**
 * Caller-chosen bounds on how much memory a program's {@code PT_LOAD}s may ask for. The ELF format
 * itself allows a 2^48-byte {@code p_memsz}; a loader that backs every page with a frame should
 * refuse such a program before it starts mapping, not halfway through.
 *
 * @param maxSegmentBytes the largest {@code p_memsz} of one {@code PT_LOAD} (and of {@code PT_TLS})
 * @param maxTotalBytes the largest sum of all {@code PT_LOAD}s' {@code p_memsz}
 */
public record ElfLimits(long maxSegmentBytes, long maxTotalBytes) {
    /** 1 GiB per segment and 1 GiB in total. */
    public static final ElfLimits DEFAULT = new ElfLimits(1L << 30, 1L << 30);

    /** @throws IllegalArgumentException if either bound is not positive */
    public ElfLimits {
        if (maxSegmentBytes <= 0 || maxTotalBytes <= 0) {
            throw new IllegalArgumentException("limits must be positive: " + maxSegmentBytes + ", " + maxTotalBytes);
        }
    }
}
