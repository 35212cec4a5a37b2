package org.capbuddy.aarch64.elf;

/**
 * The {@code PT_TLS} program header: the initialisation image of the main thread's thread-local
 * storage. The first {@code fileSize} bytes at {@code vaddr} ({@code .tdata}) are copied into each
 * thread's TLS block and the rest up to {@code memSize} ({@code .tbss}) zeroed. musl finds it
 * itself by walking the program headers at {@code AT_PHDR}; it is exposed for loaders that set up
 * TLS themselves or want to check it.
 *
 * @param vaddr where the initialisation image is, once loaded (relative to the base for {@code ET_DYN})
 * @param memSize the size of one thread's TLS block
 * @param fileSize the size of the initialised part
 * @param align the block's alignment (0 or 1: none; otherwise a power of two)
 */
public record TlsSegment(long vaddr, long memSize, long fileSize, long align) {
}
