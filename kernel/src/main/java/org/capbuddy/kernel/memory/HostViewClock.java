package org.capbuddy.kernel.memory;

/**
 * One counter per machine that advances whenever anything a CPU's cached host view of a page
 * depends on changes anywhere in the machine: a thread's scheduling state, the caps in a thread's
 * own slots (its VSpace root), a VSpace's translations (unmap, remap, rights, page table removal,
 * ASID loss), a page's host backing ({@link PhysicalMemory#releaseEpoch()}, which also moves
 * when a page becomes code) and the code pages' contents ({@link PhysicalMemory#codeEpoch()},
 * which a CPU's code version follows). It has no seL4 counterpart; it is what lets a CPU's fastest path ask
 * "has anything changed?" with one compare instead of one per thing that could have (a software
 * TLB's global generation number).
 *
 * <p>It only ever advances, so a stamp taken from it is valid exactly while {@link #now()} still
 * equals it. Ticking too often costs only refills; missing a tick would let a stale view be used,
 * so every change of those states goes through the one method that makes it
 * ({@code Tcb.setState}, {@code Slot}'s one cap write for a TCB's slot group,
 * {@code VSpace.translationsChanged}, {@link PhysicalMemory}'s release and its code changes).
 */
public final class HostViewClock {
    private long now;

    /** The current stamp. */
    public long now() {
        return now;
    }

    /** Something a cached view may depend on has just changed. */
    public void tick() {
        now++;
    }
}
