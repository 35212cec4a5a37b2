/**
 * ELF64 executables for AArch64: a strict parser that turns the bytes of a static (or static-PIE)
 * program into the segments, entry point and auxiliary-vector facts a loader needs, or names the
 * first thing wrong with it. Only the format is checked here; where a segment may go in a user
 * address space is the loader's policy.
 */
package org.capbuddy.aarch64.elf;
