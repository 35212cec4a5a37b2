package org.capbuddy.sos;

/**
 * The outcome of a system call: its return value, or the {@link Errno} it failed with and why.
 * {@link #returnRegister()} is what the call leaves in x0 for a C program: the value, or the
 * negated errno.
 *
 * @param value the return value (0 when the call failed)
 * @param errno why the call failed, or null when it succeeded
 * @param detail the reason in words (null when it succeeded)
 */
public record SysResult(long value, Errno errno, String detail) {
    private static final SysResult ZERO = new SysResult(0, null, null);

    public static SysResult ok(long value) {
        return value == 0 ? ZERO : new SysResult(value, null, null);
    }

    public static SysResult fail(Errno errno, String detail) {
        return new SysResult(0, errno, detail);
    }

    public boolean isOk() {
        return errno == null;
    }

    /** x0 after the call: the value, or {@code -errno}. */
    public long returnRegister() {
        return errno == null ? value : -errno.code();
    }

    @Override
    public String toString() {
        return errno == null ? "Ok[" + value + "]" : "Err[" + errno + ": " + detail + "]";
    }
}
