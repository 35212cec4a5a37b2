package org.capbuddy.libos.allocman;

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
 * allocman's watermark in the trace: with a static pool too small for its bookkeeping, the virtual
 * pool maps a page of its own every so often, and the frame (and page tables) for it come from the
 * object reserve while the utspace manager is busy serving the frame that needed the bookkeeping;
 * the refill at the end of that operation tops the reserve up again.
 */
class AllocmanTraceTest {
    @Test
    void reserveUseAndRefillsAreTracedWithTheLevelsBeforeAndAfter() {
        MachineConfig small = MachineConfig.capBuddy(128L << 20).withoutPool().singleLevel(12)
                .withStaticPoolBytes(12 << 10);
        LibosMachine machine = LibosMachine.boot(small).value();
        Allocman allocman = machine.booted().allocman();
        Vka vka = machine.booted().vka();
        List<TraceEvent> events = new ArrayList<>();
        vka.sel4().tracer().start(EnumSet.of(TraceKind.ALLOCMAN), -1, events::add);
        List<VkaObject> frames = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            Result<VkaObject> f = VkaObjects.allocFrame(vka, 12);
            assertThat(f.isOk()).as("frame %d: %s", i, f).isTrue();
            frames.add(f.value());
        }
        vka.sel4().tracer().stop();

        List<TraceEvent> taken = events.stream().filter(e -> e.name().equals("reserve_object")).toList();
        List<TraceEvent> refills = events.stream().filter(e -> e.name().equals("refill")).toList();
        assertThat(taken).as("a reserve frame per page the virtual pool mapped, or more").hasSizeGreaterThan(5)
                .allSatisfy(e -> assertThat(e.fields()).containsEntry("why", "utspace manager busy")
                        .containsKeys("type", "bits", "cptr"));
        assertThat(taken.get(0).fields()).containsEntry("type", "SMALL_PAGE").containsEntry("bits", 12);
        assertThat(refills).isNotEmpty().allSatisfy(e -> {
            assertThat(e.fields()).containsKeys("slots_before", "objects_before", "chunks_before", "deferred_before");
            assertThat((Long) e.fields().get("objects")).isGreaterThanOrEqualTo((Long) e.fields().get("objects_before"));
        });
        // every use is followed, at the end of its operation, by a refill that brings the objects
        // back to where they were before the use
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i).name().startsWith("reserve_")) {
                TraceEvent refill = events.subList(i, events.size()).stream().filter(e -> e.name().equals("refill"))
                        .findFirst().orElseThrow();
                assertThat(refill.fields().get("objects")).isEqualTo(refills.get(refills.size() - 1).fields()
                        .get("objects"));
            }
        }
        assertThat(events).extracting(TraceEvent::kind).containsOnly(TraceKind.ALLOCMAN);

        long before = vka.sel4().tracer().emitted();
        for (VkaObject f : frames) {
            VkaObjects.free(vka, f);
        }
        assertThat(allocman.releaseReserves().isOk()).isTrue();
        assertThat(vka.sel4().tracer().emitted()).as("nothing traced once stopped").isEqualTo(before);
    }
}
