package org.capbuddy.aarch64.decode;

import static org.capbuddy.aarch64.decode.Bits.bit;
import static org.capbuddy.aarch64.decode.Bits.field;

/**
 * The classes of {@link EncodingGroup#DATA_PROCESSING_REGISTER} the interpreter implements, shared
 * by {@link DataProcessingDecoder} and {@link DataProcessingDisassembler}. op3 is left to the
 * decoder: with carry needs op3 = 000000, and the other op3 values under op2 = 0000 (rotate right
 * into flags, evaluate into flags) are among the encodings it leaves undefined.
 *
 * <pre>
 *  31   30    29  28    27   25 24  21 20  16 15  10 9  0
 * +----+-----+---+-----+-------+------+------+------+----+
 * | sf | op0 |   | op1 | 1 0 1 | op2  |      | op3  |    |
 * +----+-----+---+-----+-------+------+------+------+----+
 *
 *  op0 op1 op2
 *   -   0  0xxx  logical (shifted register)
 *   -   0  1xx0  add/subtract (shifted register)
 *   -   0  1xx1  add/subtract (extended register)
 *   -   1  0000  add/subtract (with carry)
 *   -   1  0010  conditional compare (register and immediate)
 *   -   1  0100  conditional select
 *   0   1  0110  data-processing (2 source)
 *   1   1  0110  data-processing (1 source)
 *   -   1  1xxx  data-processing (3 source)
 * </pre>
 */
enum DataProcessingRegisterClass {
    LOGICAL_SHIFTED,
    ADD_SUBTRACT_SHIFTED,
    ADD_SUBTRACT_EXTENDED,
    WITH_CARRY,
    CONDITIONAL_COMPARE,
    CONDITIONAL_SELECT,
    TWO_SOURCE,
    ONE_SOURCE,
    THREE_SOURCE,
    /** The other op2 values with op1 = 1: unallocated, or not implemented. */
    OTHER;

    static DataProcessingRegisterClass of(int word) {
        if (!bit(word, 28)) {
            if (!bit(word, 24)) {
                return LOGICAL_SHIFTED;
            }
            return bit(word, 21) ? ADD_SUBTRACT_EXTENDED : ADD_SUBTRACT_SHIFTED;
        }
        int op2 = field(word, 21, 4);
        if (op2 >= 8) {
            return THREE_SOURCE;
        }
        return switch (op2) {
            case 0 -> WITH_CARRY;
            case 2 -> CONDITIONAL_COMPARE;
            case 4 -> CONDITIONAL_SELECT;
            case 6 -> bit(word, 30) ? ONE_SOURCE : TWO_SOURCE;
            default -> OTHER;
        };
    }
}
