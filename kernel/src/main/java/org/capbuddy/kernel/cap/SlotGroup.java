package org.capbuddy.kernel.cap;

import org.capbuddy.kernel.memory.HostViewClock;
import org.capbuddy.kernel.object.KernelObject;

/**
 * What a run of slots that live together have in common: the CNode or TCB they belong to and the
 * index of the first of them. A CNode's storage makes one per chunk of slots and a TCB one for
 * its two slots, so that a {@link Slot} need not carry its owner and a 64-bit index itself, which
 * keeps a slot at 32 host bytes, like seL4's {@code cte_t}.
 *
 * @param owner the CNode or TCB (null for the CDT's own sentinel slots)
 * @param firstIndex the index of the run's first slot in its owner
 * @param watcher ticked whenever a cap in one of the group's slots is put, replaced or removed, or
 *     null: a TCB's slots have the machine's {@link HostViewClock}, since a CPU's cached views
 *     of memory hold only while its thread's VSpace root cap stays the same
 */
public record SlotGroup(KernelObject owner, long firstIndex, HostViewClock watcher) {
    /** A group no one watches (a CNode's chunk, the CDT's sentinels). */
    public SlotGroup(KernelObject owner, long firstIndex) {
        this(owner, firstIndex, null);
    }
}
