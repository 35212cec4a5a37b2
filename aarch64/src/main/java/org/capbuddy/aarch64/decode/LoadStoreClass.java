package org.capbuddy.aarch64.decode;

import static org.capbuddy.aarch64.decode.Bits.bit;
import static org.capbuddy.aarch64.decode.Bits.field;

/**
 * The classes of {@link EncodingGroup#LOAD_STORE} the interpreter implements, shared by
 * {@link LoadStoreDecoder} and {@link LoadStoreDisassembler}, by the Arm ARM's fields op0 (bits
 * 31:28, of which only 29:28 matter here), op1 (bit 26, V), op2 (bits 24:23), op3 (bits 21:16,
 * only its top bit matters here) and op4 (bits 11:10):
 *
 * <pre>
 *  op0  op1 op2 op3    op4
 *  0x00  1  xx  -      -   SIMD load/store structures (multiple, single, post-indexed)
 *  xx00  0  0x  -      -   exclusive, load-acquire/store-release (and LSE compare-and-swap)
 *  xx01  -  0x  -      -   load register (literal)
 *  xx10  -  xx  -      -   load/store pair: no-allocate, post-index, offset, pre-index
 *  xx11  -  0x  0xxxxx xx  load/store register: unscaled, post-index, unprivileged, pre-index
 *  xx11  -  0x  1xxxxx 10  load/store register (register offset)
 *  xx11  -  1x  -      -   load/store register (unsigned immediate)
 * </pre>
 */
enum LoadStoreClass {
    EXCLUSIVE,
    LITERAL,
    PAIR,
    /** A 9-bit signed offset, its addressing told by op4: 00 unscaled, 01 post-index, 10 unprivileged, 11 pre-index. */
    IMMEDIATE_9,
    REGISTER_OFFSET,
    UNSIGNED_OFFSET,
    /** SIMD structures, op0 = 0x00, op1 = 1, op2 = 0x or 1x: LD1–LD4, ST1–ST4 (multiple or one lane), LD1R–LD4R. */
    STRUCTURE,
    /**
     * Unallocated, or not implemented: the atomic memory operations (Armv8.1 LSE, absent on the
     * Cortex-A53 the traces come from), pointer-authenticated loads, memory tagging.
     */
    OTHER;

    static LoadStoreClass of(int word) {
        if ((word & 0xBE00_0000) == 0x0C00_0000) {
            return STRUCTURE;
        }
        if ((word & 0x3F00_0000) == 0x0800_0000) {
            return EXCLUSIVE;
        }
        if ((word & 0x3B00_0000) == 0x1800_0000) {
            return LITERAL;
        }
        if ((word & 0x3A00_0000) == 0x2800_0000) {
            return PAIR;
        }
        if ((word & 0x3B00_0000) == 0x3800_0000) {
            if (!bit(word, 21)) {
                return IMMEDIATE_9;
            }
            return field(word, 10, 2) == 2 ? REGISTER_OFFSET : OTHER;
        }
        if ((word & 0x3B00_0000) == 0x3900_0000) {
            return UNSIGNED_OFFSET;
        }
        return OTHER;
    }

    /**
     * The addressing that a pair's op2 (bits 24:23) or a 9-bit form's op4 (bits 11:10) selects, in
     * the decoders' numbering: 0 offset (also no-allocate, unscaled and unprivileged), 1 pre-index,
     * 2 post-index. The two fields agree: 01 is post-index and 11 pre-index in both.
     */
    static int indexing(int twoBits) {
        return twoBits == 1 ? 2 : twoBits == 3 ? 1 : 0;
    }
}
