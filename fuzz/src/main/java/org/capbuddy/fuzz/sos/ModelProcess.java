package org.capbuddy.fuzz.sos;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.TreeSet;
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
    final ModelMemory memory;
    private ProcessState state = ProcessState.RUNNING;
    /** Pages the process gave back lately (brk shrink, munmap): a favourite target of hostile accesses. */
    private final long[] released = new long[8];
    private int releasedNext;
    private int releasedCount;
    /**
     * Pages SOS said it dropped in their initial state (told by its paging observer): it holds
     * them nowhere, and their next touch is a first fault. Forgotten when the model forgets the
     * page or SOS holds it again.
     */
    private final TreeSet<Long> dropped = new TreeSet<>();

    ModelProcess(Process process, UserContext user, long codeBytes, long dataBytes, SharingCounts counts) {
        this.process = process;
        this.user = user;
        this.sys = user.sys();
        this.space = new ModelAddressSpace(codeBytes, dataBytes);
        this.memory = new ModelMemory(process.pid(), counts);
    }

    /**
     * The model of {@code child}, just forked from {@code parent}: its regions and bytes, running;
     * its shared ranges name its parent's objects, none of their pages mapped yet.
     */
    private ModelProcess(Process child, UserContext user, ModelProcess parent) {
        this.process = child;
        this.user = user;
        this.sys = user.sys();
        this.space = parent.space.copy();
        this.memory = parent.memory.copy(child.pid());
    }

    /** This process's model forked into {@code child} (SOS's fork: same regions, break, pages and bytes). */
    ModelProcess forkedAs(Process child, UserContext user) {
        return new ModelProcess(child, user, this);
    }

    /**
     * Records that SOS mapped {@code page} for an access the model allowed: a private page, or
     * the page of the shared object its range names, which that object holds from now on.
     */
    void touch(long page) {
        ModelAddressSpace.SharedRange s = space.sharedAt(page);
        if (s == null) {
            memory.map(page);
        } else {
            memory.mapShared(page, s.object().touch(s.index(page)));
        }
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

    /** SOS dropped {@code page} in its initial state. */
    void noteDropped(long page) {
        dropped.add(page);
    }

    /** Whether SOS dropped {@code page} in its initial state and holds it nowhere since. */
    boolean droppedInitial(long page) {
        return dropped.contains(page);
    }

    /** The pages SOS dropped in their initial state, ascending. */
    List<Long> droppedPages() {
        return new ArrayList<>(dropped);
    }

    /** Forgets the drops of pages SOS holds again ({@code held}: resident or paged out), touched since. */
    void forgetDropsHeld(Set<Long> held) {
        dropped.removeAll(held);
    }

    /** Records that [base, end) was given back: the model forgets its pages and remembers the range. */
    void release(long base, long end) {
        memory.release(base, end);
        if (base < end) {
            dropped.subSet(base, end).clear();
        }
        released[releasedNext] = base;
        releasedNext = (releasedNext + 1) % released.length;
        releasedCount = Math.min(releasedCount + 1, released.length);
    }

    /** Records that mremap moved the pages of [from, from + length) to {@code to}; the old range counts as given back. */
    void moved(long from, long to, long length) {
        memory.move(from, to, length);
        // a dropped page moves as nothing, and is as untouched at its new address
        List<Long> moving = length > 0 ? new ArrayList<>(dropped.subSet(from, from + length)) : List.of();
        dropped.removeAll(moving);
        for (long page : moving) {
            dropped.add(to + (page - from));
        }
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
