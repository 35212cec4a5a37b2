package org.capbuddy.kernel.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.trace.TraceEvent;
import org.capbuddy.kernel.trace.TraceKind;
import org.capbuddy.kernel.trace.Tracer;
import org.junit.jupiter.api.Test;

/** The kernel's trace: off by default, numbered events of the kinds asked for, bad arguments refused. */
class TracerTest {
    @Test
    void anyKindOfSetStartsATraceAndANullKindIsRefused() {
        CpuFx fx = new CpuFx();
        Tracer tracer = fx.sel4.tracer();
        List<TraceEvent> events = new ArrayList<>();
        // Set.of and TreeSet throw on contains(null): the check must not ask them
        for (Set<TraceKind> kinds : List.<Set<TraceKind>>of(Set.of(TraceKind.INVOCATIONS),
                new java.util.TreeSet<>(Set.of(TraceKind.INVOCATIONS)), Set.copyOf(EnumSet.of(TraceKind.INVOCATIONS)))) {
            assertThat(tracer.start(kinds, -1, events::add)).isTrue();
            fx.object(ObjectType.SMALL_PAGE);
            tracer.stop();
        }
        assertThat(events).hasSize(3);
        Set<TraceKind> withNull = new java.util.HashSet<>(java.util.Arrays.asList(TraceKind.INVOCATIONS, null));
        assertThat(tracer.start(withNull, -1, events::add)).isFalse();
        fx.object(ObjectType.SMALL_PAGE);
        assertThat(events).as("a refused start changes nothing").hasSize(3);
    }

    /** A process as a layer above would serve it, with an instruction count it moves. */
    private static final class Served implements Tracer.Subject {
        final int pid;
        long instructions;

        Served(int pid, long instructions) {
            this.pid = pid;
            this.instructions = instructions;
        }

        @Override
        public int pid() {
            return pid;
        }

        @Override
        public long instructionsNow() {
            return instructions;
        }
    }

    @Test
    void anEventThatNamesNoProcessIsTheServedProcesssInnermostFirstAndOnlyWhileServed() {
        CpuFx fx = new CpuFx();
        Tracer tracer = fx.sel4.tracer();
        List<TraceEvent> events = new ArrayList<>();
        assertThat(tracer.start(EnumSet.allOf(TraceKind.class), -1, events::add)).isTrue();
        Served outer = new Served(3, 100);
        Served inner = new Served(7, 250);

        tracer.emit(TraceKind.POOL, -1, -1, "before");
        tracer.serve(outer);
        fx.object(ObjectType.SMALL_PAGE); // a kernel invocation, made for process 3
        tracer.serve(inner);
        tracer.emit(TraceKind.POOL, -1, 42, "own_count");
        tracer.emit(TraceKind.PROCESSES, 9, -1, "names_its_own");
        tracer.endService();
        outer.instructions = 130;
        tracer.emit(TraceKind.ALLOCMAN, -1, -1, "outer_again");
        tracer.endService();
        tracer.emit(TraceKind.POOL, -1, -1, "after");
        tracer.endService(); // one end too many changes nothing
        tracer.emit(TraceKind.POOL, -1, -1, "still_none");

        assertThat(events).extracting(TraceEvent::name).containsExactly("before", "UNTYPED_RETYPE", "own_count",
                "names_its_own", "outer_again", "after", "still_none");
        assertThat(events).extracting(TraceEvent::pid).containsExactly(-1, 3, 7, 9, 3, -1, -1);
        assertThat(events).as("an event's own count stands; one without takes the process's at the time")
                .extracting(TraceEvent::instructions).containsExactly(-1L, 100L, 42L, -1L, 130L, -1L, -1L);
    }

    @Test
    void aTraceOfOneProcessKeepsTheEventsMadeForItAndNoOthers() {
        CpuFx fx = new CpuFx();
        Tracer tracer = fx.sel4.tracer();
        List<TraceEvent> events = new ArrayList<>();
        assertThat(tracer.start(EnumSet.of(TraceKind.INVOCATIONS), 2, events::add)).isTrue();
        fx.object(ObjectType.SMALL_PAGE);
        tracer.serve(new Tracer.Pid(1));
        fx.object(ObjectType.SMALL_PAGE);
        tracer.endService();
        tracer.serve(new Tracer.Pid(2));
        fx.object(ObjectType.SMALL_PAGE);
        tracer.endService();
        assertThat(events).hasSize(1);
        assertThat(events.get(0).pid()).isEqualTo(2);
        assertThat(events.get(0).instructions()).as("a process being made has run nothing").isEqualTo(-1);
        // serving deeper than the stack's first size grows it
        for (int i = 1; i <= 20; i++) {
            tracer.serve(new Tracer.Pid(i));
        }
        fx.object(ObjectType.SMALL_PAGE);
        for (int i = 0; i < 20; i++) {
            tracer.endService();
        }
        assertThat(events).hasSize(1);
        tracer.serve(new Tracer.Pid(2));
        fx.object(ObjectType.SMALL_PAGE);
        tracer.serve(null); // work for no process inside process 2's: its events are none's
        fx.object(ObjectType.SMALL_PAGE);
        tracer.endService();
        tracer.endService();
        assertThat(events).hasSize(2);
    }

    @Test
    void aNullWhereSeL4HasAWordIsAnInvalidArgument() {
        CpuFx fx = new CpuFx();
        assertThat(fx.sel4.pageMap(1, 2, 0x1000, null, 0).error())
                .isEqualTo(org.capbuddy.kernel.api.Sel4Error.INVALID_ARGUMENT);
        assertThat(fx.sel4.cnodeCopy(2, 100, 64, 2, 3, 64, null).error())
                .isEqualTo(org.capbuddy.kernel.api.Sel4Error.INVALID_ARGUMENT);
        assertThat(fx.sel4.cnodeMint(2, 100, 64, 2, 3, 64, null, 0).error())
                .isEqualTo(org.capbuddy.kernel.api.Sel4Error.INVALID_ARGUMENT);
        assertThat(fx.sel4.untypedRetype(5, (ObjectType) null, 0, 2, 0, 0, 100, 1).error())
                .isEqualTo(org.capbuddy.kernel.api.Sel4Error.INVALID_ARGUMENT);
        assertThat(fx.sel4.invoke(2, null).error()).isEqualTo(org.capbuddy.kernel.api.Sel4Error.ILLEGAL_OPERATION);
    }

    @Test
    @SuppressWarnings("unchecked")
    void invocationsAreTracedOnlyWhileStartedAndOnlyTheKindsAsked() {
        CpuFx fx = new CpuFx();
        Tracer tracer = fx.sel4.tracer();
        fx.object(ObjectType.SMALL_PAGE);
        assertThat(tracer.emitted()).as("off by default").isZero();

        List<TraceEvent> events = new ArrayList<>();
        assertThat(tracer.start(EnumSet.of(TraceKind.INVOCATIONS), -1, events::add)).isTrue();
        fx.object(ObjectType.SMALL_PAGE);
        tracer.stop();
        fx.object(ObjectType.SMALL_PAGE);
        assertThat(events).isNotEmpty();
        assertThat(events).extracting(TraceEvent::kind).containsOnly(TraceKind.INVOCATIONS);
        assertThat(events).extracting(TraceEvent::name).contains("UNTYPED_RETYPE");
        assertThat(events.get(0).seq()).isEqualTo(1);
        assertThat(events.get(0).fields()).containsEntry("error", "none").containsKey("cptr");
        assertThat(events.get(0).text()).startsWith("#1 invocations ");
        long seen = events.size();

        List<TraceEvent> faults = new ArrayList<>();
        tracer.start(EnumSet.of(TraceKind.FAULTS), -1, faults::add);
        fx.object(ObjectType.SMALL_PAGE);
        assertThat(faults).isEmpty();
        assertThat(tracer.emitted()).isEqualTo(seen);

        // the arguments as the message carried them, and a refusal's error with its details
        long untyped = fx.object(ObjectType.UNTYPED, 12);
        long slot = fx.slot();
        List<TraceEvent> invocations = new ArrayList<>();
        tracer.start(EnumSet.of(TraceKind.INVOCATIONS), -1, invocations::add);
        assertThat(fx.sel4.untypedRetype(untyped, ObjectType.SMALL_PAGE, 0, CpuFx.ROOT, 0, 0, slot, 0).isOk()).isFalse();
        assertThat(fx.sel4.untypedRetype(untyped, ObjectType.SMALL_PAGE, 0, CpuFx.ROOT, 0, 0, slot, 1).isOk()).isTrue();
        tracer.stop();
        assertThat(invocations).hasSize(2);
        TraceEvent refused = invocations.get(0);
        assertThat(refused.name()).isEqualTo("UNTYPED_RETYPE");
        assertThat(refused.fields()).containsEntry("cptr", untyped).containsEntry("error", "RANGE_ERROR")
                .containsEntry("caps", List.of(CpuFx.ROOT));
        assertThat((List<Object>) refused.fields().get("details")).as("seL4's range, 1 to the fan-out limit").hasSize(2)
                .startsWith(1L);
        assertThat((List<Object>) refused.fields().get("args")).hasSize(6).endsWith(slot, 0L);
        assertThat(invocations.get(1).fields()).containsEntry("error", "none").doesNotContainKey("details");
        assertThat((List<Object>) invocations.get(1).fields().get("args")).endsWith(slot, 1L);
        assertThat(refused.text()).contains(" args=[", " caps=[", " error=RANGE_ERROR details=[1,");

        assertThat(tracer.start(null, -1, e -> { })).isFalse();
        assertThat(tracer.start(Set.of(TraceKind.FAULTS), -1, null)).isFalse();
        assertThat(TraceKind.parse(null)).isNull();
        assertThat(TraceKind.parse("faults,nope")).isNull();
        assertThat(TraceKind.parse("all")).containsExactlyInAnyOrder(TraceKind.values());
    }
}
