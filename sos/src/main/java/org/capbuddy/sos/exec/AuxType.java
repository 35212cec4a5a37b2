package org.capbuddy.sos.exec;

/**
 * The auxiliary vector entries SOS gives a program (Linux's {@code AT_*} numbers, the same on
 * every architecture): facts about the program and the machine that its C library's start-up
 * code reads from above {@code envp}.
 */
public enum AuxType {
    /** Ends the vector. */
    NULL(0),
    /** Where the program headers are in memory (musl finds {@code PT_TLS} through them). */
    PHDR(3),
    /** The size of one program header. */
    PHENT(4),
    /** How many program headers there are. */
    PHNUM(5),
    /** The page size. */
    PAGESZ(6),
    /** Where the dynamic linker was loaded: 0, as there is none. */
    BASE(7),
    /** Flags: none. */
    FLAGS(8),
    /** The program's entry point. */
    ENTRY(9),
    UID(11),
    EUID(12),
    GID(13),
    EGID(14),
    /** The address of the platform string ("aarch64"). */
    PLATFORM(15),
    /** The CPU features the program may use. */
    HWCAP(16),
    /** The frequency {@code times()} counts in. */
    CLKTCK(17),
    /** Whether the program runs with more privilege than its caller (set-uid): never. */
    SECURE(23),
    /** The address of 16 random bytes (musl seeds its stack protector and pointer guard from them). */
    RANDOM(25),
    /** More CPU features. */
    HWCAP2(26),
    /** The address of the file name the program was run as. */
    EXECFN(31);

    private final int code;

    AuxType(int code) {
        this.code = code;
    }

    /** The {@code AT_*} number. */
    public int code() {
        return code;
    }
}
