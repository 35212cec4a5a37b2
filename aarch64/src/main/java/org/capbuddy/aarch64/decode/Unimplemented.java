package org.capbuddy.aarch64.decode;

/**
 * What a word the decoder calls undefined is, when it belongs to a family of instructions real
 * Arm cores have but this interpreter, a Cortex-A53 without the optional extensions, does not
 * execute: LSE atomics, the crypto and CRC32 extensions, dot products and SVE. A kill report then
 * says what the program asked for and why it stopped, rather than only "undefined instruction
 * 0xb8e20023", which reads like a compiler bug.
 *
 * <p>The masks are the encodings' fixed bits from the Arm ARM; a word is only asked about after the
 * decoder has found it undefined, so an implemented instruction is never named here.
 */
public final class Unimplemented {
    private Unimplemented() {
    }

    private record Family(int mask, int value, String what) {
    }

    private static final String LSE = "an atomic memory operation (LSE, Armv8.1), which the modelled Cortex-A53"
            + " (Armv8.0) does not have: gcc emits it for -march=armv8.1-a or later (by default it calls libgcc's"
            + " outlined atomics, which choose exclusives when AT_HWCAP has no atomics)";
    private static final String CRYPTO = "a cryptographic instruction (the optional Crypto extension: AES, SHA,"
            + " 64-bit PMULL), which the interpreter does not implement and AT_HWCAP does not offer";
    private static final String DOT = "a dot product (sdot or udot, Armv8.2), which a Cortex-A53 does not have";
    private static final String CRC = "a CRC32 instruction (optional in Armv8.0), which the interpreter does not"
            + " implement and AT_HWCAP does not offer: build without +crc";
    private static final String SVE = "an SVE instruction, which a Cortex-A53 does not have";

    private static final Family[] FAMILIES = {
        new Family(0x3F20_0C00, 0x3820_0000, LSE), // LDADD .. LDUMIN, SWP, LDAPR
        new Family(0x3FA0_0000, 0x08A0_0000, LSE), // CAS
        new Family(0xBFA0_0000, 0x0820_0000, LSE), // CASP
        new Family(0xFFFF_0C00, 0x4E28_0800, CRYPTO), // AESE, AESD, AESMC, AESIMC
        new Family(0xFFE0_8C00, 0x5E00_0000, CRYPTO), // SHA1C .. SHA256SU1, three registers
        new Family(0xFFFE_0C00, 0x5E28_0800, CRYPTO), // SHA1H, SHA1SU1, SHA256SU0
        new Family(0xBFE0_FC00, 0x0EE0_E000, CRYPTO), // PMULL{2} .1Q
        new Family(0x9FE0_FC00, 0x0E80_9400, DOT), // SDOT, UDOT (vector)
        new Family(0x9FC0_F400, 0x0F80_E000, DOT), // SDOT, UDOT (by element)
        new Family(0x7FE0_E000, 0x1AC0_4000, CRC), // CRC32B .. CRC32CX
        new Family(0x1E00_0000, 0x0400_0000, SVE), // op0 0010: the SVE encoding space
    };

    /** What {@code word} is, when it is one of the families above; null otherwise. */
    public static String family(int word) {
        for (Family f : FAMILIES) {
            if ((word & f.mask()) == f.value()) {
                return f.what();
            }
        }
        return null;
    }
}
