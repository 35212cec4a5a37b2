package org.capbuddy.aarch64.decode;

/**
 * Decodes one A64 instruction word at an address into an {@link Insn}. Total: every one of the
 * 2^32 words decodes, to {@link Op#UNDEFINED} when it is unallocated or outside what the
 * interpreter implements; decoding never throws.
 *
 * <p>{@link EncodingGroup} sorts a word into its top-level group, and one enum per group
 * ({@link DataProcessingImmediateClass}, {@link LoadStoreClass}, ...) into its class. The
 * decoders and the {@link Disassembler}'s writers switch on the same enums, so the two cannot
 * disagree about which class a word is in.
 */
public final class Decoder {
    private Decoder() {
    }

    public static Insn decode(long pc, int word) {
        return switch (EncodingGroup.of(word)) {
            case DATA_PROCESSING_IMMEDIATE -> DataProcessingDecoder.immediate(pc, word);
            case BRANCH_SYSTEM -> BranchSystemDecoder.decode(pc, word);
            case LOAD_STORE -> LoadStoreDecoder.decode(pc, word);
            case DATA_PROCESSING_REGISTER -> DataProcessingDecoder.register(word);
            case SIMD_FP -> SimdFpDecoder.decode(word);
            case OTHER -> Insn.undefined(word);
        };
    }
}
