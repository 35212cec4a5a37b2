package org.capbuddy.aarch64.decode;

import static org.capbuddy.aarch64.decode.Bits.bit;
import static org.capbuddy.aarch64.decode.Bits.field;

/**
 * The scalar floating-point classes within {@link SimdFpClass#FP_SCALAR}, by bit 21 and bits 15:10,
 * shared by {@link SimdFpDecoder} and {@link SimdFpDisassembler}.
 *
 * <pre>
 *  31   30  29  28   24 23  22 21  20  16 15  10 9  5 4  0
 * +----+---+---+-------+------+---+------+------+----+----+
 * | sf | 0 | 0 | 11110 | type |   |      |      | Rn | Rd |
 * +----+---+---+-------+------+---+------+------+----+----+
 *
 *  21 15:10
 *  0  xxxxxx  conversion between floating point and fixed point (not implemented)
 *  1  000000  conversion between floating point and integer
 *  1  xxxx01  conditional compare
 *  1  xxxx10  data-processing (2 source)
 *  1  xxxx11  conditional select
 *  1  x10000  data-processing (1 source)
 *  1  xx1000  compare
 *  1  xxx100  move immediate
 * </pre>
 */
enum ScalarFloatClass {
    INTEGER_CONVERSION,
    CONDITIONAL_COMPARE,
    TWO_SOURCE,
    CONDITIONAL_SELECT,
    ONE_SOURCE,
    COMPARE,
    IMMEDIATE,
    /** Fixed-point conversions (not implemented) and the unallocated 15:10 patterns. */
    OTHER;

    /** The class of a word that {@link SimdFpClass#of} puts in {@link SimdFpClass#FP_SCALAR}. */
    static ScalarFloatClass of(int word) {
        if (!bit(word, 21)) {
            return OTHER;
        }
        if (field(word, 10, 6) == 0) {
            return INTEGER_CONVERSION;
        }
        return switch (field(word, 10, 2)) {
            case 1 -> CONDITIONAL_COMPARE;
            case 2 -> TWO_SOURCE;
            case 3 -> CONDITIONAL_SELECT;
            default -> byLowestOne(word);
        };
    }

    /** With bits 11:10 = 00, the class is told by where the lowest one above them sits: bit 14, 13 or 12. */
    private static ScalarFloatClass byLowestOne(int word) {
        if (field(word, 10, 5) == 0b10000) {
            return ONE_SOURCE;
        }
        if (field(word, 10, 4) == 0b1000) {
            return COMPARE;
        }
        if (field(word, 10, 3) == 0b100) {
            return IMMEDIATE;
        }
        return OTHER;
    }
}
