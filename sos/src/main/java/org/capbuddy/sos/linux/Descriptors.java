package org.capbuddy.sos.linux;

import java.util.Map;
import java.util.TreeMap;

/**
 * A process's descriptor table: each open descriptor names an {@link OpenFile} and has its own
 * close-on-exec flag; RLIMIT_NOFILE bounds the numbers handed out. Copied at fork with every
 * description shared, as Linux's dup_fd; those with FD_CLOEXEC closed at execve; closed whole
 * when the process ends. The table's size
 * (Linux's max_fds, which bounds what select looks at) grows as Linux 6.1's fdtable grows.
 */
final class Descriptors {
    /** Linux's default RLIMIT_NOFILE: 1,024 soft, 4,096 hard (INR_OPEN_CUR, INR_OPEN_MAX). */
    static final long DEFAULT_SOFT = 1024;
    static final long DEFAULT_HARD = 4096;
    /** fs.nr_open's default: no RLIMIT_NOFILE may go above it. */
    static final long NR_OPEN = 1 << 20;
    /** A new table's size: the BITS_PER_LONG descriptors of Linux's files_struct's own fdtable (NR_OPEN_DEFAULT). */
    static final int DEFAULT_TABLE = 64;
    /** The descriptors a kilobyte of file pointers holds: Linux grows its fdtable in such steps. */
    private static final int TABLE_STEP = 1024 / 8;

    /** One descriptor: the description it names and its FD_CLOEXEC flag. */
    private record Entry(OpenFile file, boolean closeOnExec) {
    }

    private final TreeMap<Integer, Entry> open = new TreeMap<>();
    /** The run's standard input, whichever descriptors name it now (or none). */
    private OpenFile input;
    private long softLimit = DEFAULT_SOFT;
    private long hardLimit = DEFAULT_HARD;
    /** How many descriptors the table has room for (max_fds); it never shrinks. */
    private int tableSize = DEFAULT_TABLE;

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

    /**
     * Grows the table to hold {@code fd} (Linux's expand_files), which dup3 does before it looks
     * at the descriptor it copies: a dup3 that then fails leaves the table grown, as on Linux.
     */
    void expandFor(int fd) {
        if (fd >= tableSize) {
            tableSize = grownTable(fd);
        }
    }

    /** Makes {@code fd} (not open) name {@code file}. */
    void install(int fd, OpenFile file, boolean closeOnExec) {
        expandFor(fd);
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

    /** Closes every descriptor with FD_CLOEXEC: the process has exec'd (Linux's do_close_on_exec). */
    void closeOnExec() {
        open.entrySet().removeIf(e -> {
            if (e.getValue().closeOnExec()) {
                e.getValue().file().release();
                return true;
            }
            return false;
        });
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

    /**
     * The size of the table (Linux's max_fds): 64 until a descriptor at or past it is installed,
     * then as {@link #grownTable} makes it. A forked child's is what installing its descriptors
     * makes, which is what Linux's dup_fd allocates for the highest open one.
     */
    int tableSize() {
        return tableSize;
    }

    /**
     * The size Linux 6.1's alloc_fdtable gives a table that must hold {@code fd}: kilobytes of file
     * pointers in a power of two, capped at fs.nr_open.
     */
    static int grownTable(int fd) {
        int steps = Integer.highestOneBit(fd / TABLE_STEP + 1);
        steps = steps == fd / TABLE_STEP + 1 ? steps : steps << 1;
        return (int) Math.min((long) steps * TABLE_STEP, NR_OPEN);
    }

    /** How many descriptors are open. */
    int count() {
        return open.size();
    }
}
