package org.capbuddy.fuzz.sos;

import org.capbuddy.kernel.cpu.AccessKind;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.process.ProcessState;
import org.capbuddy.sos.user.MemoryFault;

/**
 * Runs one user load, store or instruction fetch through the process's MMU and judges it
 * against the model: an allowed access completes (a load returns the modelled bytes, a store
 * changes them), a refused one kills the process where the model says, and a process that is not
 * running gets nothing done and nothing changed.
 */
final class UserAccessCheck {
    private static final long PAGE = Layout.PAGE;

    private final KillJudge kills;
    private final long[] pieces = new long[2];

    UserAccessCheck(KillJudge kills) {
        this.kills = kills;
    }

    /** Runs the access; returns null when SOS did what the model expects, else what differs. */
    String run(ModelProcess p, AccessKind kind, long va, int size, long value) {
        if (kind == AccessKind.EXECUTE && (va & 3) != 0) {
            return misalignedFetch(p, va);
        }
        int count = split(kind, va, size);
        int refused = -1;
        for (int i = 0; i < count && refused < 0; i++) {
            if (!p.space.allows(pieces[i], kind)) {
                refused = i;
            }
        }
        long loaded = 0;
        MemoryFault fault = null;
        try {
            switch (kind) {
                case READ -> loaded = p.user.load(va, size);
                case WRITE -> p.user.store(va, size, value);
                case EXECUTE -> loaded = p.user.execute(va) & 0xFFFF_FFFFL;
            }
        } catch (MemoryFault e) {
            fault = e;
        }
        if (!p.running()) {
            if (fault == null) {
                return kind + " at 0x" + Long.toHexString(va) + " by " + p + " completed";
            }
            return p.process.state() == p.state() ? null : p + " became " + p.process.state() + " after a " + kind;
        }
        if (fault != null) {
            String problem = kills.judge(p, pieces, count, refused, kind);
            long written = problem == null && kind == AccessKind.WRITE ? p.process.killReport().address() - va : 0;
            if (written > 0 && written < size) {
                // a store crossing into a page that killed wrote its first page, as hardware does:
                // unseen in private memory, but a shared page's other sharers read those bytes
                p.memory.store(va, (int) written, value);
            }
            return problem;
        }
        if (refused >= 0) {
            return kind + " of " + size + " at 0x" + Long.toHexString(va) + " completed, but the model refuses 0x"
                    + Long.toHexString(pieces[refused]) + " (region " + p.space.find(pieces[refused]) + ")";
        }
        if (p.process.state() != ProcessState.RUNNING) {
            return kind + " at 0x" + Long.toHexString(va) + " completed, but process " + p.pid() + " is "
                    + p.process.state();
        }
        for (int i = 0; i < count; i++) {
            p.touch(pieces[i] & -PAGE);
        }
        if (kind != AccessKind.WRITE) {
            int bytes = kind == AccessKind.EXECUTE ? 4 : size;
            long expected = p.memory.load(va, bytes);
            if (loaded != expected) {
                return kind + " of " + bytes + " at 0x" + Long.toHexString(va) + " in process " + p.pid()
                        + " returned 0x" + Long.toHexString(loaded) + ", the model has 0x" + Long.toHexString(expected);
            }
        } else if (kind == AccessKind.WRITE) {
            p.memory.store(va, size, value);
        }
        return null;
    }

    /**
     * A fetch from an address that is not 4-byte aligned: the CPU refuses it without a fault (the
     * model has no PC alignment fault), so it fails and nothing changes, the process included.
     */
    private static String misalignedFetch(ModelProcess p, long va) {
        ProcessState before = p.process.state();
        try {
            p.user.execute(va);
            return "a fetch at the misaligned 0x" + Long.toHexString(va) + " by " + p + " completed";
        } catch (MemoryFault expected) {
            return p.process.state() == before ? null
                    : p + " became " + p.process.state() + " after a misaligned fetch at 0x" + Long.toHexString(va);
        }
    }

    /** Splits an access into its per-page pieces (a fetch is one); returns how many. */
    private int split(AccessKind kind, long va, int size) {
        pieces[0] = va;
        long firstRun = PAGE - (va & (PAGE - 1));
        if (kind == AccessKind.EXECUTE || size <= firstRun) {
            return 1;
        }
        pieces[1] = va + firstRun;
        return 2;
    }
}
