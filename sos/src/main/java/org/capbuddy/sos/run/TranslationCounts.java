package org.capbuddy.sos.run;

import org.capbuddy.aarch64.cpu.Interpreter;

/**
 * What the A64 interpreters of a run did with translated code ({@link Interpreter}): instructions
 * retired in translated blocks, blocks put to use, and calls from the interpreter's loop into
 * translated code (one per block run on its own, one per region entered however many of its
 * blocks then run). Instructions per entry says how long the program stays in translated code.
 *
 * @param instructions instructions retired in translated code
 * @param blocks blocks translated (or taken from the cache) and put to use
 * @param entries calls from the interpreter's loop into translated code
 */
public record TranslationCounts(long instructions, long blocks, long entries) {
    /** A run that translated nothing. */
    public static final TranslationCounts NONE = new TranslationCounts(0, 0, 0);

    /** What {@code interpreter} has done so far. */
    public static TranslationCounts of(Interpreter interpreter) {
        return new TranslationCounts(interpreter.translatedInstructions(), interpreter.translatedBlocks(),
                interpreter.translatedEntries());
    }

    /** These counts and {@code other}'s together. */
    public TranslationCounts plus(TranslationCounts other) {
        return new TranslationCounts(instructions + other.instructions, blocks + other.blocks, entries + other.entries);
    }
}
