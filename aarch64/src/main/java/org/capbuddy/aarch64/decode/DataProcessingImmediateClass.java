package org.capbuddy.aarch64.decode;

import static org.capbuddy.aarch64.decode.Bits.field;

/**
 * The classes of {@link EncodingGroup#DATA_PROCESSING_IMMEDIATE}, by the table's op0 field (bits
 * 25:23), shared by {@link DataProcessingDecoder} and {@link DataProcessingDisassembler}.
 *
 * <pre>
 *  31   30  29 28   26 25  23 22  0
 * +----+------+-------+------+-----+
 * | sf |      | 1 0 0 | op0  |     |
 * +----+------+-------+------+-----+
 *
 *  op0  00x PC-rel. addressing   010 add/subtract (immediate)   011 add/subtract with tags
 *       100 logical (immediate)  101 move wide                  110 bitfield   111 extract
 * </pre>
 */
enum DataProcessingImmediateClass {
    PC_RELATIVE,
    ADD_SUBTRACT,
    LOGICAL,
    MOVE_WIDE,
    BITFIELD,
    EXTRACT,
    /** Add/subtract with tags (MTE), which the interpreter does not implement. */
    OTHER;

    static DataProcessingImmediateClass of(int word) {
        return switch (field(word, 23, 3)) {
            case 0, 1 -> PC_RELATIVE;
            case 2 -> ADD_SUBTRACT;
            case 4 -> LOGICAL;
            case 5 -> MOVE_WIDE;
            case 6 -> BITFIELD;
            case 7 -> EXTRACT;
            default -> OTHER;
        };
    }
}
