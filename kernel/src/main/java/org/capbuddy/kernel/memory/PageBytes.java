package org.capbuddy.kernel.memory;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;

/**
 * Little-endian loads and stores of 1 to 8 bytes in host memory backing a physical page (a page's
 * chunk in its slab array, the offset given from the array's start), as the AArch64 load/store
 * unit does them on little-endian memory: 1, 2, 4 and 8 bytes are one view-handle access each
 * (unaligned offsets included), other lengths byte by byte.
 *
 * <p>Accesses stay inside one page's chunk: callers split an access at the page boundary (the
 * TLB covers one page, {@link PhysicalMemory} splits its own). Should a range still reach outside
 * the array, the bytes outside read as zero and are not written, so bad input never throws.
 */
public final class PageBytes {
    private static final VarHandle LONG = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle INT = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.LITTLE_ENDIAN);
    private static final VarHandle SHORT = MethodHandles.byteArrayViewVarHandle(short[].class, ByteOrder.LITTLE_ENDIAN);

    private PageBytes() {
    }

    /** The {@code size} bytes (1..8) at {@code offset} of {@code page} (a slab array), little-endian, zero-extended. */
    public static long load(byte[] page, int offset, int size) {
        if (page != null && offset >= 0 && offset <= page.length - size) {
            switch (size) {
                case 8:
                    return (long) LONG.get(page, offset);
                case 4:
                    return Integer.toUnsignedLong((int) INT.get(page, offset));
                case 2:
                    return Short.toUnsignedLong((short) SHORT.get(page, offset));
                case 1:
                    return Byte.toUnsignedLong(page[offset]);
                default:
                    break;
            }
        }
        return loadBytes(page, offset, size);
    }

    /** Stores the low {@code size} bytes (1..8) of {@code value} at {@code offset} of {@code page}, little-endian. */
    public static void store(byte[] page, int offset, int size, long value) {
        if (page != null && offset >= 0 && offset <= page.length - size) {
            switch (size) {
                case 8:
                    LONG.set(page, offset, value);
                    return;
                case 4:
                    INT.set(page, offset, (int) value);
                    return;
                case 2:
                    SHORT.set(page, offset, (short) value);
                    return;
                case 1:
                    page[offset] = (byte) value;
                    return;
                default:
                    break;
            }
        }
        storeBytes(page, offset, size, value);
    }

    /** True when the low {@code size} bytes (1..8) of {@code value} are zero: such a store leaves a zero page zero. */
    static boolean isZeroStore(int size, long value) {
        return size >= Long.BYTES ? value == 0 : (value & ((1L << (8 * size)) - 1)) == 0;
    }

    private static long loadBytes(byte[] page, int offset, int size) {
        long value = 0;
        for (int i = Math.min(size, Long.BYTES) - 1; i >= 0; i--) {
            long at = (long) offset + i;
            int b = page != null && at >= 0 && at < page.length ? page[(int) at] & 0xFF : 0;
            value = (value << 8) | b;
        }
        return value;
    }

    private static void storeBytes(byte[] page, int offset, int size, long value) {
        for (int i = 0; i < Math.min(size, Long.BYTES); i++) {
            long at = (long) offset + i;
            if (page != null && at >= 0 && at < page.length) {
                page[(int) at] = (byte) (value >>> (8 * i));
            }
        }
    }
}
