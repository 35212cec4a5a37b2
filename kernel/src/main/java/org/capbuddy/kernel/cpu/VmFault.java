package org.capbuddy.kernel.cpu;

/**
 * A VM fault as seL4 delivers it on AArch64 ({@code seL4_Fault_VMFault}): the faulting PC, the
 * faulting address, whether it was an instruction fetch, and the raw syndrome (ESR_EL1, low 32
 * bits).
 *
 * <p>Syndrome layout: EC in bits 31..26 (0x24 data abort from EL0, 0x20 instruction abort from
 * EL0), IL in bit 25, WnR in bit 6 for data aborts (1 = write), fault status code in bits 5..0:
 * 0b0001LL translation fault at level LL, 0b0011LL permission fault at level LL.
 */
public record VmFault(long ip, long address, boolean prefetch, int fsr) {
    public static final int EC_DATA_ABORT_EL0 = 0x24;
    public static final int EC_INSTRUCTION_ABORT_EL0 = 0x20;
    public static final int IL = 1 << 25;
    public static final int WNR = 1 << 6;
    public static final int TRANSLATION_FAULT = 0x04;
    public static final int PERMISSION_FAULT = 0x0C;
    /** The fault status code of an alignment fault. */
    public static final int ALIGNMENT_STATUS = 0x21;
    /** The fault label in non-MCS builds. */
    public static final int LABEL = 5;

    /** Builds the fault for an access of {@code kind} that failed at {@code level}. */
    public static VmFault of(long ip, long address, AccessKind kind, boolean permission, int level) {
        return of(ip, address, kind, (permission ? PERMISSION_FAULT : TRANSLATION_FAULT) | (level & 3));
    }

    /** Builds the fault for an access of {@code kind} that failed with fault status code {@code status}. */
    public static VmFault of(long ip, long address, AccessKind kind, int status) {
        boolean prefetch = kind == AccessKind.EXECUTE;
        return new VmFault(ip, prefetch ? ip : address, prefetch, syndrome(kind, status));
    }

    /**
     * The syndrome (FSR) of an access of {@code kind} that failed with fault status code
     * {@code status}: EC, IL, WnR for a store, and the status code.
     */
    public static int syndrome(AccessKind kind, int status) {
        if (kind == AccessKind.EXECUTE) {
            return (EC_INSTRUCTION_ABORT_EL0 << 26) | IL | status;
        }
        return (EC_DATA_ABORT_EL0 << 26) | IL | (kind == AccessKind.WRITE ? WNR : 0) | status;
    }

    public int exceptionClass() {
        return fsr >>> 26;
    }

    public int statusCode() {
        return fsr & 0x3F;
    }

    /** What the access was, decoded as a handler decodes it (prefetch flag, then WnR). */
    public AccessKind accessKind() {
        return accessKind(prefetch, fsr);
    }

    /** {@link #accessKind()} from the fault's message words, for handlers that read them as they are. */
    public static AccessKind accessKind(boolean prefetch, int fsr) {
        if (prefetch) {
            return AccessKind.EXECUTE;
        }
        return (fsr & WNR) != 0 ? AccessKind.WRITE : AccessKind.READ;
    }

    /** True when no translation existed (the page or a paging structure is missing). */
    public boolean isTranslationFault() {
        return (statusCode() & 0x3C) == TRANSLATION_FAULT;
    }

    /** True when a translation existed but its rights refused the access. */
    public boolean isPermissionFault() {
        return isPermissionFault(fsr);
    }

    /** {@link #isPermissionFault()} from the syndrome word alone. */
    public static boolean isPermissionFault(int fsr) {
        return (fsr & 0x3C) == PERMISSION_FAULT;
    }

    /** The translation level (0..3) the fault status code names. */
    public int level() {
        return statusCode() & 3;
    }

    /**
     * What the fault status code of {@code fsr} says, in a word for traces: "translation" (no
     * translation at {@link #statusLevel}), "permission" (the rights refused it at that level),
     * "alignment", or the code in hex for any other.
     */
    public static String statusKind(int fsr) {
        int status = fsr & 0x3F;
        if ((status & 0x3C) == TRANSLATION_FAULT) {
            return "translation";
        }
        if ((status & 0x3C) == PERMISSION_FAULT) {
            return "permission";
        }
        return status == ALIGNMENT_STATUS ? "alignment" : String.format("0x%02x", status);
    }

    /** The translation level a translation or permission fault's status names, else -1. */
    public static int statusLevel(int fsr) {
        int kind = fsr & 0x3C;
        return kind == TRANSLATION_FAULT || kind == PERMISSION_FAULT ? fsr & 3 : -1;
    }

    /** The fault as the message registers seL4 sends: IP, Addr, PrefetchFault, FSR. */
    public long[] messageRegisters() {
        return new long[] {ip, address, prefetch ? 1 : 0, fsr & 0xFFFFFFFFL};
    }

    @Override
    public String toString() {
        return String.format("VmFault[%s %s at 0x%x, ip 0x%x, level %d, fsr 0x%08x]", accessKind(),
                isPermissionFault() ? "permission" : "translation", address, ip, level(), fsr);
    }
}
