package org.capbuddy.libos.capbuddy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.capbuddy.kernel.trace.TraceEvent;
import org.capbuddy.kernel.trace.TraceKind;
import org.capbuddy.libos.machine.LibosMachine;
import org.capbuddy.libos.machine.MachineConfig;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.libos.vka.Vka;
import org.capbuddy.libos.vka.VkaObject;
import org.capbuddy.libos.vka.VkaObjects;
import org.junit.jupiter.api.Test;

/**
 * A 4 KiB frame the pool cannot serve is asked of the pool once, as the fork's
 * {@code vka_alloc_object_at_maybe_dev} does, and then comes from the untyped allocator.
 */
class PoolMissFallbackTest {
    @Test
    void aFrameThePoolRefusesIsAskedOfThePoolOnceThenOfTheUntypedAllocator() {
        LibosMachine machine = LibosMachine.boot(MachineConfig.capBuddy(64L << 20)).value();
        Vka vka = machine.vka();
        // Take every run of RAM a tree could be made from, so the pool can make none.
        List<VkaObject> taken = new ArrayList<>();
        for (Result<VkaObject> ut = VkaObjects.allocUntyped(vka, CapBuddyPool.TREE_BITS); ut.isOk();
             ut = VkaObjects.allocUntyped(vka, CapBuddyPool.TREE_BITS)) {
            taken.add(ut.value());
        }
        List<TraceEvent> events = new ArrayList<>();
        vka.sel4().tracer().start(EnumSet.of(TraceKind.POOL), -1, events::add);
        Result<VkaObject> frame = VkaObjects.allocFrame(vka, 12);
        vka.sel4().tracer().stop();

        assertThat(frame.isOk()).as("%s", frame).isTrue();
        assertThat(frame.value().isPoolFrame()).isFalse();
        assertThat(events).extracting(TraceEvent::name).as("pool events").containsExactly("refused");
        assertThat(VkaObjects.free(vka, frame.value()).isOk()).isTrue();
        for (VkaObject ut : taken) {
            assertThat(VkaObjects.free(vka, ut).isOk()).isTrue();
        }
    }
}
