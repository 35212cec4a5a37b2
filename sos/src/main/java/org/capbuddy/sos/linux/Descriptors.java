package org.capbuddy.sos.linux;

import java.util.Map;
import java.util.TreeMap;

/**
 * A process's descriptor table: each open descriptor names an {@link OpenFile} and has its own
 * close-on-exec flag; RLIMIT_NOFILE bounds the numbers handed out. Copied at fork with every
 * description shared, as Linux's dup_fd; closed whole when the process ends.
 */
final class Descriptors {
    /** Linux's default RLIMIT_NOFILE: 1,024 soft, 4,096 hard (INR_OPEN_CUR, INR_OPEN_MAX). */
    static final long DEFAULT_SOFT = 1024;
    static final long DEFAULT_HARD = 4096;
    /** fs.nr_open's default: no RLIMIT_NOFILE may go above it. */
    static final long NR_OPEN = 1 << 20;

    /** One descriptor: the description it names and its FD_CLOEXEC flag. */
    private record Entry(OpenFile file, boolean closeOnExec) {
    }

    private final TreeMap<Integer, Entry> open = new TreeMap<>();
    /** The run's standard input, whichever descriptors name it now (or none). */
    private OpenFile input;
    private long softLimit = DEFAULT_SOFT;
    private long hardLimit = DEFAULT_HARD;

    /** Standard input, output and error: 1 and 2 share the console's description, as a shell's {@code >out 2>&1} does. */
    static Descriptors standard(byte[] stdin) {
        Descriptors d = new Descriptors();
        OpenFile console = OpenFile.console();
        d.input = OpenFile.stdin(stdin);
        d.install(0, d.input, false);
        d.install(1, console, false);
        d.install(2, console, false);
        return d;
    }

    /** The table a forked child gets: the same descriptors naming the same descriptions, the same limits. */
    Descriptors forkCopy() {
        Descriptors copy = new Descriptors();
        for (Map.Entry<Integer, Entry> e : open.entrySet()) {
            copy.install(e.getKey(), e.getValue().file(), e.getValue().closeOnExec());
        }
        copy.input = input;
        copy.softLimit = softLimit;
        copy.hardLimit = hardLimit;
        return copy;
    }

    /** The description {@code fd} names, or null when it is not open. Descriptors are unsigned ints. */
    OpenFile get(long fd) {
        Entry e = open.get((int) fd);
        return e == null ? null : e.file();
    }

    boolean closeOnExec(int fd) {
        return open.get(fd).closeOnExec();
    }

    void setCloseOnExec(int fd, boolean on) {
        open.put(fd, new Entry(open.get(fd).file(), on));
    }

    /** The lowest descriptor from {@code from} that is not open and lies below the soft limit; -1 when none does. */
    int lowestFree(int from) {
        return lowestFree(from, -1);
    }

    /** {@link #lowestFree(int)}, {@code taken} counted as open too (pipe2's second end). */
    int lowestFree(int from, int taken) {
        long fd = Math.max(0, from);
        while (fd < softLimit && (open.containsKey((int) fd) || fd == taken)) {
            fd++;
        }
        return fd < softLimit ? (int) fd : -1;
    }

    /** Makes {@code fd} (not open) name {@code file}. */
    void install(int fd, OpenFile file, boolean closeOnExec) {
        file.retain();
        Entry old = open.put(fd, new Entry(file, closeOnExec));
        if (old != null) {
            old.file().release();
        }
    }

    /** Closes {@code fd}; false when it is not open. */
    boolean close(long fd) {
        Entry e = open.remove((int) fd);
        if (e == null) {
            return false;
        }
        e.file().release();
        return true;
    }

    /** Closes every descriptor: the process has ended. */
    void closeAll() {
        while (!open.isEmpty()) {
            open.pollFirstEntry().getValue().file().release();
        }
    }

    /** Whether a process of the run has read its standard input. */
    boolean inputRead() {
        return input.inputRead();
    }

    long softLimit() {
        return softLimit;
    }

    long hardLimit() {
        return hardLimit;
    }

    void setLimits(long soft, long hard) {
        softLimit = soft;
        hardLimit = hard;
    }

    /** How many descriptors are open. */
    int count() {
        return open.size();
    }
}
