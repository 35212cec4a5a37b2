package org.capbuddy.sos.isolation;

import java.util.Collection;
import java.util.SplittableRandom;
import org.capbuddy.kernel.memory.PhysicalMemory;
import org.capbuddy.sos.user.MemoryFault;
import org.capbuddy.sos.user.UserContext;

/**
 * Seeded byte patterns written and checked through a process's own view of memory, and
 * checksums of physical pages read behind everyone's back. A pattern byte is never zero, so a
 * page that reads as zero can never be mistaken for one that holds a pattern.
 */
public final class Patterns {
    private static final int PAGE = 4096;

    private Patterns() {
    }

    /** The {@code length} pattern bytes for {@code seed}, each in 1..255. */
    public static byte[] bytes(long seed, int length) {
        SplittableRandom random = new SplittableRandom(seed);
        byte[] out = new byte[length];
        for (int i = 0; i < length; i += 8) {
            long word = random.nextLong();
            for (int b = 0; b < 8 && i + b < length; b++, word >>>= 8) {
                byte v = (byte) word;
                out[i + b] = v == 0 ? (byte) 0xA5 : v;
            }
        }
        return out;
    }

    /** Writes the pattern for {@code seed} at [vaddr, vaddr + length) through {@code ctx}. */
    public static void write(UserContext ctx, long vaddr, int length, long seed) throws MemoryFault {
        byte[] b = bytes(seed, length);
        ctx.copyOut(vaddr, b, 0, length);
    }

    /** Reads [vaddr, vaddr + length) through {@code ctx}. */
    public static byte[] read(UserContext ctx, long vaddr, int length) throws MemoryFault {
        byte[] b = new byte[length];
        ctx.copyIn(vaddr, b, 0, length);
        return b;
    }

    /** The index of the first byte that is not zero, or -1. */
    public static int firstNonZero(byte[] b) {
        for (int i = 0; i < b.length; i++) {
            if (b[i] != 0) {
                return i;
            }
        }
        return -1;
    }

    /** A checksum of the physical pages at {@code paddrs} (in iteration order), read from RAM directly. */
    public static long physicalChecksum(PhysicalMemory memory, Collection<Long> paddrs) {
        long h = 0xCBF2_9CE4_8422_2325L;
        for (long paddr : paddrs) {
            h = (h ^ paddr) * 0x1000_0000_01B3L;
            for (int off = 0; off < PAGE; off += 8) {
                h = (h ^ memory.readLittleEndian(paddr + off, 8)) * 0x1000_0000_01B3L;
            }
        }
        return h;
    }

    /** True when the 4 KiB physical page at {@code paddr} is all zero. */
    public static boolean physicalPageIsZero(PhysicalMemory memory, long paddr) {
        return memory.isZero(paddr, PAGE);
    }
}
