package org.capbuddy.fuzz.sos;

import java.util.Arrays;
import org.capbuddy.kernel.cpu.AccessKind;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.process.ProcessState;
import org.capbuddy.sos.user.MemoryFault;

/**
 * Runs one block copy between the fuzzer and a process's memory ({@code copyIn}, as a read, or
 * {@code copyOut}, as a write) and judges it against the model. A block goes page by page, so
 * it is a sequence of pieces, one per page; it must complete when the model allows every piece,
 * and otherwise kill the process at the first piece the model refuses. The bytes copied out before
 * that point are in the model (another process may share their page); a killed process's own
 * memory is never read again.
 */
final class BlockAccessCheck {
    private static final long PAGE = Layout.PAGE;
    /** The longest block the fuzzer copies: enough to span three pages. */
    static final int MAX_LENGTH = (int) (2 * PAGE + 512);

    private final KillJudge kills;
    private final long[] pieces = new long[MAX_LENGTH / (int) PAGE + 2];

    BlockAccessCheck(KillJudge kills) {
        this.kills = kills;
    }

    /**
     * Copies {@code data.length} bytes at {@code va}: out of {@code data} into the process for a
     * write, into a buffer compared with the model for a read. Returns null when SOS did what
     * the model expects, else what differs.
     */
    String run(ModelProcess p, AccessKind kind, long va, byte[] data) {
        int count = split(va, data.length);
        int refused = -1;
        for (int i = 0; i < count && refused < 0; i++) {
            if (!p.space.allows(pieces[i], kind)) {
                refused = i;
            }
        }
        byte[] read = kind == AccessKind.READ ? new byte[data.length] : null;
        MemoryFault fault = null;
        try {
            if (kind == AccessKind.READ) {
                p.user.copyIn(va, read, 0, read.length);
            } else {
                p.user.copyOut(va, data, 0, data.length);
            }
        } catch (MemoryFault e) {
            fault = e;
        }
        String what = "block " + kind + " of " + data.length + " at 0x" + Long.toHexString(va);
        if (!p.running()) {
            if (fault == null && count > 0) {
                return what + " by " + p + " completed";
            }
            return p.process.state() == p.state() ? null : p + " became " + p.process.state() + " after a " + what;
        }
        if (fault != null) {
            String problem = kills.judge(p, pieces, count, refused, kind);
            long written = problem == null && kind == AccessKind.WRITE ? p.process.killReport().address() - va : 0;
            // a block goes page by page: the pages before the one that killed were written, which a
            // shared page's other sharers read
            for (int i = 0; i < written && i < data.length; i++) {
                p.memory.store(va + i, 1, data[i]);
            }
            return problem;
        }
        if (refused >= 0) {
            return what + " completed, but the model refuses 0x" + Long.toHexString(pieces[refused]) + " (region "
                    + p.space.find(pieces[refused]) + ")";
        }
        if (p.process.state() != ProcessState.RUNNING) {
            return what + " completed, but process " + p.pid() + " is " + p.process.state();
        }
        for (int i = 0; i < count; i++) {
            p.touch(pieces[i] & -PAGE);
        }
        if (kind == AccessKind.READ) {
            byte[] expected = p.memory.copy(va, data.length);
            int at = Arrays.mismatch(read, expected);
            if (at >= 0) {
                return what + " in process " + p.pid() + " read 0x" + Integer.toHexString(read[at] & 0xFF) + " at 0x"
                        + Long.toHexString(va + at) + ", the model has 0x" + Integer.toHexString(expected[at] & 0xFF);
            }
        } else {
            for (int i = 0; i < data.length; i++) {
                p.memory.store(va + i, 1, data[i]);
            }
        }
        return null;
    }

    /**
     * The addresses where the block's pages start (the first at {@code va} itself); returns how
     * many. An empty block touches no page, so it has none and nothing can refuse it.
     */
    private int split(long va, int length) {
        if (length == 0) {
            return 0;
        }
        int count = 0;
        pieces[count++] = va;
        for (long page = (va & -PAGE) + PAGE; page - va < length; page += PAGE) {
            pieces[count++] = page;
        }
        return count;
    }
}
