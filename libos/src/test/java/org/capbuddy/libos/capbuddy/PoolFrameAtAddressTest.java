package org.capbuddy.libos.capbuddy;

import static org.assertj.core.api.Assertions.assertThat;

import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.libos.machine.LibosMachine;
import org.capbuddy.libos.machine.MachineConfig;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.libos.vka.Vka;
import org.capbuddy.libos.vka.VkaObject;
import org.capbuddy.libos.vka.VkaObjects;
import org.junit.jupiter.api.Test;

/**
 * A 4 KiB frame asked for at a physical address comes from the pool first, as the fork's
 * {@code vka_alloc_object_at_maybe_dev} asks the pool with the address before it takes a slot.
 */
class PoolFrameAtAddressTest {
    private final LibosMachine machine = LibosMachine.boot(MachineConfig.capBuddy(64L << 20)).value();
    private final Vka vka = machine.vka();

    /** A 4 MiB-aligned run of RAM that is free now: an untyped of that size taken and given back. */
    private long freeTreeSizedRam() {
        Result<VkaObject> ut = VkaObjects.allocUntyped(vka, CapBuddyPool.TREE_BITS);
        assertThat(ut.isOk()).as("%s", ut).isTrue();
        long paddr = VkaObjects.paddr(vka, ut.value()).value();
        assertThat(VkaObjects.free(vka, ut.value()).isOk()).isTrue();
        return paddr;
    }

    @Test
    void aFrameAtAnAddressIsThePoolsOwnCapAtThatAddress() {
        long at = freeTreeSizedRam() + 3 * 4096;
        Result<VkaObject> frame = VkaObjects.allocAt(vka, ObjectType.SMALL_PAGE, 12, at);
        assertThat(frame.isOk()).as("%s", frame).isTrue();
        assertThat(frame.value().isPoolFrame()).as("from the pool: %s", frame.value()).isTrue();
        assertThat(vka.cspaceIsFromPool(frame.value().cptr(), 0)).isTrue();
        assertThat(VkaObjects.paddr(vka, frame.value()).value()).isEqualTo(at);
        assertThat(VkaObjects.free(vka, frame.value()).isOk()).isTrue();
        assertThat(machine.kernel().checkInvariants().ok()).isTrue();
    }

    @Test
    void whenThePoolCannotServeTheAddressTheUntypedAllocatorDoes() {
        // A frame of allocman's own at the address keeps the pool from making a tree around it.
        long base = freeTreeSizedRam();
        Result<VkaObject> blocker = VkaObjects.allocAt(vka, ObjectType.UNTYPED, 12, base);
        assertThat(blocker.isOk()).as("%s", blocker).isTrue();
        long at = base + 4096;
        Result<VkaObject> frame = VkaObjects.allocAt(vka, ObjectType.SMALL_PAGE, 12, at);
        assertThat(frame.isOk()).as("%s", frame).isTrue();
        assertThat(frame.value().isPoolFrame()).isFalse();
        assertThat(VkaObjects.paddr(vka, frame.value()).value()).isEqualTo(at);
        assertThat(VkaObjects.free(vka, frame.value()).isOk()).isTrue();
        assertThat(VkaObjects.free(vka, blocker.value()).isOk()).isTrue();
    }
}
