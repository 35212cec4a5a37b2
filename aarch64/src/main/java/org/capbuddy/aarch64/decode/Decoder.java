package org.capbuddy.aarch64.decode;

/**
 * Decodes one A64 instruction word at an address into an {@link Insn}. Total: every one of the
 * 2^32 words decodes, to {@link Op#UNDEFINED} when it is unallocated or outside what the
 * interpreter implements; decoding never throws.
 *
 * <p>The top-level split is the architecture's op0 field, bits 28:25:
 * <pre>
 *  100x  data processing, immediate     -&gt; DataProcessingDecoder.immediate
 *  101x  branches, exceptions, system    -&gt; BranchSystemDecoder
 *  x1x0  loads and stores                -&gt; LoadStoreDecoder
 *  x101  data processing, register       -&gt; DataProcessingDecoder.register
 *  x111  SIMD and floating point         -&gt; SimdFpDecoder
 *  else  reserved, SME, SVE              -&gt; undefined
 * </pre>
 */
public final class Decoder {
    private Decoder() {
    }

    public static Insn decode(long pc, int word) {
        int op0 = (word >>> 25) & 0xF;
        if ((op0 & 0b1110) == 0b1000) {
            return DataProcessingDecoder.immediate(pc, word);
        }
        if ((op0 & 0b1110) == 0b1010) {
            return BranchSystemDecoder.decode(pc, word);
        }
        if ((op0 & 0b0101) == 0b0100) {
            return LoadStoreDecoder.decode(pc, word);
        }
        if ((op0 & 0b0111) == 0b0101) {
            return DataProcessingDecoder.register(word);
        }
        if ((op0 & 0b0111) == 0b0111) {
            return SimdFpDecoder.decode(word);
        }
        return Insn.undefined(word);
    }
}
