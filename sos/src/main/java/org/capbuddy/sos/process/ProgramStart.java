package org.capbuddy.sos.process;

import org.capbuddy.aarch64.elf.ElfImage;

/**
 * How a process made from a program file started: the image, where it was loaded and the
 * registers its thread was given.
 *
 * @param image the parsed program
 * @param loadBias what was added to the image's addresses (0 for {@code ET_EXEC})
 * @param entry the initial program counter
 * @param initialSp the initial stack pointer, where {@code argc} is
 */
public record ProgramStart(ElfImage image, long loadBias, long entry, long initialSp) {
}
