package org.capbuddy.sos.linux;

import java.util.EnumMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;

/**
 * What SOS's Linux personality keeps per process: its standard input, the random stream that
 * getrandom reads (from the run's seed), the address set_tid_address gave, and the count of each
 * system call it made (served ones by name, others by number).
 */
public final class LinuxProcess {
    private final byte[] stdin;
    private int stdinRead;
    private final SplittableRandom random;
    private long clearChildTid;
    private final Map<LinuxSyscall, Long> calls = new EnumMap<>(LinuxSyscall.class);
    private final Map<Long, Long> unknown = new TreeMap<>();
    private final java.util.List<Long> mmaps = new java.util.ArrayList<>();

    public LinuxProcess(byte[] stdin, long seed) {
        this.stdin = stdin.clone();
        this.random = new SplittableRandom(seed ^ 0x6765_7472_616E_646FL);
    }

    void count(LinuxSyscall call) {
        calls.merge(call, 1L, Long::sum);
    }

    void countUnknown(long number) {
        unknown.merge(number, 1L, Long::sum);
    }

    void mapped(long address) {
        mmaps.add(address);
    }

    /** The addresses successful mmap calls returned, in order. */
    public java.util.List<Long> mmapAddresses() {
        return java.util.List.copyOf(mmaps);
    }

    /** Calls served, by call. */
    public Map<LinuxSyscall, Long> calls() {
        return Map.copyOf(calls);
    }

    /** Calls SOS answered with -ENOSYS, by number. */
    public Map<Long, Long> unknownCalls() {
        return Map.copyOf(unknown);
    }

    public long totalCalls() {
        return calls.values().stream().mapToLong(Long::longValue).sum()
                + unknown.values().stream().mapToLong(Long::longValue).sum();
    }

    /** Up to {@code max} bytes of standard input not read yet (none at its end). */
    byte[] takeStdin(int max) {
        int n = Math.max(0, Math.min(max, stdin.length - stdinRead));
        byte[] bytes = new byte[n];
        System.arraycopy(stdin, stdinRead, bytes, 0, n);
        stdinRead += n;
        return bytes;
    }

    void giveBackStdin(int n) {
        stdinRead -= n;
    }

    byte[] randomBytes(int n) {
        byte[] bytes = new byte[n];
        for (int i = 0; i < n; i++) {
            bytes[i] = (byte) random.nextInt(256);
        }
        return bytes;
    }

    void setClearChildTid(long address) {
        clearChildTid = address;
    }

    public long clearChildTid() {
        return clearChildTid;
    }
}
