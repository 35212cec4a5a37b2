package org.capbuddy.sos.linux;

/**
 * The Linux AArch64 system calls SOS serves, by their numbers in the generic syscall table (x8 at
 * {@code svc #0}); every other number returns -ENOSYS and is counted.
 */
public enum LinuxSyscall {
    IOCTL(29),
    READ(63),
    WRITE(64),
    READV(65),
    WRITEV(66),
    EXIT(93),
    EXIT_GROUP(94),
    SET_TID_ADDRESS(96),
    CLOCK_GETTIME(113),
    GETPID(172),
    GETTID(178),
    BRK(214),
    MUNMAP(215),
    MMAP(222),
    MPROTECT(226),
    GETRANDOM(278);

    private static final LinuxSyscall[] BY_NUMBER = new LinuxSyscall[512];

    static {
        for (LinuxSyscall call : values()) {
            BY_NUMBER[call.number] = call;
        }
    }

    private final int number;

    LinuxSyscall(int number) {
        this.number = number;
    }

    public int number() {
        return number;
    }

    /** The call with this number, or null when SOS does not serve it. */
    public static LinuxSyscall of(long number) {
        return number >= 0 && number < BY_NUMBER.length ? BY_NUMBER[(int) number] : null;
    }

    /** The lower-case name Linux gives it. */
    public String linuxName() {
        return name().toLowerCase();
    }
}
