package org.capbuddy.aarch64.elf;

/**
 * The ELF {@code e_type} values a loadable program may have. A static-PIE program is an
 * {@code ET_DYN} without {@code PT_INTERP}: its addresses are offsets from a base the loader picks,
 * and it relocates itself (musl's {@code rcrt1.o}) before {@code main}.
 */
public enum ElfType {
    /** {@code ET_EXEC}: linked at fixed virtual addresses. */
    EXEC(2),
    /** {@code ET_DYN}: position independent; every address is relative to the load base. */
    DYN(3);

    private final int code;

    ElfType(int code) {
        this.code = code;
    }

    /** The {@code e_type} value in the file. */
    public int code() {
        return code;
    }
}
