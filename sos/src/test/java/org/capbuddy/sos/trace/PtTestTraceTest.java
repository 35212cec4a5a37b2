package org.capbuddy.sos.trace;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.capbuddy.aarch64.cpu.Interpreter;
import org.capbuddy.kernel.trace.TraceEvent;
import org.capbuddy.kernel.trace.TraceKind;
import org.capbuddy.kernel.trace.Tracer;
import org.capbuddy.sos.SosFixture;
import org.capbuddy.sos.TestElf;
import org.capbuddy.sos.run.ProgramOutcome;
import org.capbuddy.sos.run.ProgramResult;
import org.capbuddy.sos.run.ProgramRunner;
import org.junit.jupiter.api.Test;

/**
 * The trace of pt_test from its first events: the process made, SOS writing its initial stack
 * (the first fault, before any instruction), the entry point fetched, the C runtime's first pages,
 * set_tid_address as the first system call, then the stack buffer's pages one by one; at the end
 * exit_group and the process exited and destroyed. The same seed gives the same trace, and a
 * trace never started sees nothing.
 */
class PtTestTraceTest {
    private static final long ENTRY = 0x400184; // pt_test.elf's e_entry (_start)

    private static List<TraceEvent> trace(boolean usePool) {
        return trace(usePool, Interpreter.DEFAULT_TRANSLATE_AFTER);
    }

    private static List<TraceEvent> trace(boolean usePool, int translateAfter) {
        return trace(usePool, translateAfter, EnumSet.of(TraceKind.FAULTS, TraceKind.SYSCALLS, TraceKind.PROCESSES));
    }

    private static List<TraceEvent> trace(boolean usePool, int translateAfter, EnumSet<TraceKind> kinds) {
        SosFixture fx = new SosFixture(usePool);
        Tracer tracer = fx.vka.sel4().tracer();
        List<TraceEvent> events = new ArrayList<>();
        tracer.start(kinds, -1, events::add);
        ProgramResult r = new ProgramRunner(fx.sos).run(new ProgramRunner.Launch(TestElf.program("pt_test.elf"),
                List.of("pt_test"), List.of(), new byte[0], 1, 50_000_000L, translateAfter));
        tracer.stop();
        assertThat(r.outcome()).isEqualTo(ProgramOutcome.EXITED);
        return events;
    }

    @Test
    void theFirstEventsAreTheProcessTheStackTheEntryAndTheRuntimesPages() {
        List<TraceEvent> events = trace(true);
        assertThat(events).extracting(TraceEvent::seq).startsWith(1L, 2L, 3L);
        TraceEvent created = events.get(0);
        assertThat(created.kind()).isEqualTo(TraceKind.PROCESSES);
        assertThat(created.name()).isEqualTo("created");
        assertThat(created.pid()).isEqualTo(1);

        TraceEvent stack = events.get(1);
        assertThat(stack.name()).isEqualTo("vm_fault");
        assertThat(stack.fields()).containsEntry("access", "write").containsEntry("ip", 0L);
        assertThat((Long) stack.fields().get("address")).as("the initial stack, just below its top")
                .isBetween(0x8f_ffff_f000L, 0x8f_ffff_ffffL);

        // SOS's own write (ip 0), made while it starts process 1: the process's, before any instruction
        assertThat(stack.pid()).isEqualTo(1);
        assertThat(stack.instructions()).as("none retired yet").isZero();
        TraceEvent entry = events.get(3);
        assertThat(entry.fields()).containsEntry("access", "execute").containsEntry("address", ENTRY)
                .containsEntry("ip", ENTRY).containsEntry("fault", "translation").containsEntry("level", 0);
        assertThat(entry.instructions()).as("fetching the first instruction, none retired").isZero();
        // each fault of an instruction carries the instructions retired before it, and SOS's
        // answer the same count; the counts never go down
        long last = 0;
        for (int i = 3; i < events.size(); i++) { // destroyed too: its teardown's count, the last one
            TraceEvent e = events.get(i);
            assertThat(e.instructions()).as("event %s", e.text()).isGreaterThanOrEqualTo(last);
            last = e.instructions();
            if (e.name().equals("vm_fault")) {
                assertThat(events.get(i + 1).name()).isEqualTo("page_mapped");
                assertThat(events.get(i + 1).instructions()).isEqualTo(e.instructions());
            }
        }

        TraceEvent firstCall = events.stream().filter(e -> e.name().equals("unknown_syscall")).findFirst().orElseThrow();
        assertThat(firstCall.fields()).containsEntry("x8", 96L); // set_tid_address
        assertThat(firstCall.instructions()).isPositive();
        TraceEvent served = events.get(events.indexOf(firstCall) + 1);
        assertThat(served.kind()).isEqualTo(TraceKind.SYSCALLS);
        assertThat(served.name()).isEqualTo("set_tid_address");
        assertThat(served.pid()).isEqualTo(1);

        // the seed's do_pt_test: the stack buffer's pages, one write fault each, going up
        List<TraceEvent> stackWrites = events.stream().filter(e -> e.name().equals("vm_fault")
                && "write".equals(e.fields().get("access")) && (Long) e.fields().get("address") >= 0x8f_fff0_0000L)
                .toList();
        assertThat(stackWrites.size()).isGreaterThan(250);
        assertThat(events.stream().filter(e -> e.kind() == TraceKind.SYSCALLS).map(TraceEvent::name))
                .contains("mmap", "munmap", "brk", "writev").last().isEqualTo("exit_group");
        assertThat(events.get(events.size() - 2).name()).isEqualTo("exited");
        assertThat(events.get(events.size() - 2).fields()).containsEntry("code", 0L);
        assertThat(events.get(events.size() - 1).name()).isEqualTo("destroyed");
        assertThat(events.get(events.size() - 1).instructions()).as("as the teardown's invocations carry it")
                .isEqualTo(events.get(events.size() - 2).instructions()).isPositive();
        // one event per fault SOS handled (the 524 the run reports, SOS's own first write included),
        // each followed by SOS's decision: the page mapped, in its region, on a frame
        assertThat(events.stream().filter(e -> e.name().equals("vm_fault"))).hasSize(524);
        assertThat(events.stream().filter(e -> e.name().equals("page_mapped"))).hasSize(524)
                .allSatisfy(e -> assertThat(e.pid()).isEqualTo(1));
        TraceEvent stackMapped = events.get(2);
        assertThat(stackMapped.name()).isEqualTo("page_mapped");
        assertThat(stackMapped.fields()).containsEntry("region", "stack").containsEntry("rights", "rw-")
                .containsEntry("page", 0x8f_ffff_f000L);
        assertThat((Integer) stackMapped.fields().get("frame")).isPositive();
    }

    @Test
    void theKernelsAndThePoolsEventsAreTheProcessTheyAreMadeForAtItsInstructionCount() {
        List<TraceEvent> events = trace(true, Interpreter.DEFAULT_TRANSLATE_AFTER, EnumSet.allOf(TraceKind.class));
        assertThat(events).as("every event of a run is made for its one process: creating, running, tearing down")
                .allSatisfy(e -> assertThat(e.pid()).as(e.text()).isEqualTo(1));
        // between a fault of an instruction and SOS's answer: the invocations and the pool's
        // steps that answer it, all at the fault's instruction count
        int checked = 0;
        for (int i = 0; i < events.size(); i++) {
            TraceEvent fault = events.get(i);
            if (!fault.name().equals("vm_fault") || fault.instructions() <= 0) {
                continue;
            }
            int j = i + 1;
            while (!events.get(j).name().equals("page_mapped")) {
                TraceEvent inside = events.get(j);
                assertThat(inside.kind()).as(inside.text()).isIn(TraceKind.INVOCATIONS, TraceKind.POOL,
                        TraceKind.ALLOCMAN);
                assertThat(inside.instructions()).as(inside.text()).isEqualTo(fault.instructions());
                j++;
            }
            assertThat(j - i - 1).as("a fault is answered with invocations").isPositive();
            checked++;
        }
        assertThat(checked).isGreaterThan(500);
        assertThat(events.stream().filter(e -> e.kind() == TraceKind.INVOCATIONS && e.name().equals("ARM_PAGE_MAP")))
                .as("each page mapped into the process and into SOS's window").hasSizeGreaterThanOrEqualTo(2 * 523);
    }

    @Test
    void theSameRunGivesTheSameTraceOnEitherAllocatorAndNothingWhenOff() {
        List<String> first = trace(true).stream().map(TraceEvent::text).toList();
        List<String> again = trace(true).stream().map(TraceEvent::text).toList();
        assertThat(again).isEqualTo(first);
        // and the same whether blocks are translated or every instruction interpreted: the
        // instruction counts of faults inside translated blocks are exact
        List<String> interpreted = trace(true, 0).stream().map(TraceEvent::text).toList();
        assertThat(interpreted).isEqualTo(first);
        // what the program sees does not depend on where frames come from
        List<String> allocman = trace(false).stream().filter(e -> e.kind() == TraceKind.SYSCALLS)
                .map(TraceEvent::text).toList();
        assertThat(allocman).isNotEmpty();

        SosFixture fx = new SosFixture(true);
        new ProgramRunner(fx.sos).run(new ProgramRunner.Launch(TestElf.program("pt_test.elf"), List.of("pt_test"),
                List.of(), new byte[0], 1, 50_000_000L));
        assertThat(fx.vka.sel4().tracer().emitted()).isZero();
    }
}
