package org.capbuddy.fuzz.sos;

import java.util.SplittableRandom;
import org.capbuddy.sos.Syscalls;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.process.ProcessState;
import org.capbuddy.sos.user.UserContext;

/**
 * One process as the fuzzer drives and expects it: SOS's handle and the user runtime that runs
 * it, beside the reference model of its life (running, killed, exited, destroyed), its regions
 * and its memory.
 */
final class ModelProcess {
    final Process process;
    final UserContext user;
    final Syscalls sys;
    final ModelAddressSpace space;
    final ModelMemory memory = new ModelMemory();
    private ProcessState state = ProcessState.RUNNING;
    /** Pages the process gave back lately (brk shrink, munmap): a favourite target of hostile accesses. */
    private final long[] released = new long[8];
    private int releasedNext;
    private int releasedCount;

    ModelProcess(Process process, UserContext user, long codeBytes, long dataBytes) {
        this.process = process;
        this.user = user;
        this.sys = user.sys();
        this.space = new ModelAddressSpace(codeBytes, dataBytes);
    }

    int pid() {
        return process.pid();
    }

    ProcessState state() {
        return state;
    }

    boolean running() {
        return state == ProcessState.RUNNING;
    }

    void killed() {
        state = ProcessState.KILLED;
    }

    void exited() {
        state = ProcessState.EXITED;
    }

    void destroyed() {
        state = ProcessState.DESTROYED;
    }

    /** Records that [base, end) was given back: the model forgets its pages and remembers the range. */
    void release(long base, long end) {
        memory.release(base, end);
        released[releasedNext] = base;
        releasedNext = (releasedNext + 1) % released.length;
        releasedCount = Math.min(releasedCount + 1, released.length);
    }

    /** Records that mremap moved the pages of [from, from + length) to {@code to}; the old range counts as given back. */
    void moved(long from, long to, long length) {
        memory.move(from, to, length);
        release(from, from + length);
    }

    /** An address in memory given back lately, or at the heap base when there is none. */
    long recentlyReleased(SplittableRandom random) {
        long page = releasedCount == 0 ? space.heapBase() : released[random.nextInt(releasedCount)];
        return page + random.nextInt(ModelMemory.PAGE);
    }

    @Override
    public String toString() {
        return "process " + pid() + " (" + state + ")";
    }
}
