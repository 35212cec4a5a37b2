package org.capbuddy.sos.isolation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.capbuddy.sos.SosFixture;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.frametable.FrameTable;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.process.ProcessState;
import org.capbuddy.sos.user.MemoryFault;
import org.capbuddy.sos.user.UserContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Killing a process, whatever it did to get killed, never disturbs another process's memory or
 * SOS's: neighbours' bytes (read through their own loads and straight from RAM) are the same
 * before and after, they keep running and faulting in new pages, and once everyone is destroyed
 * the allocators are back where they started.
 */
class KillContainmentTest {
    private static final int NEIGHBOURS = 3;

    /** The ways a process gets itself killed. */
    enum Kill {
        GUARD_PAGE, NO_REGION, WRITE_TO_CODE, EXECUTE_HEAP, EXECUTE_STACK, SOS_WINDOW, KERNEL_HALF,
        ABOVE_USER_TOP, ABOVE_THE_BREAK, AFTER_MUNMAP, STORE_STRADDLING_THE_BREAK, BLOCK_COPY_PAST_MMAP_END;

        /** Makes {@code victim} do it; returns the address it is killed at. */
        long commit(SosFixture fx, PatternedProcess victim, PatternedProcess neighbour) {
            UserContext ctx = victim.context();
            long heapEnd = ctx.brk(0);
            long mmapEnd = victim.mmapBase() + 4 * Layout.PAGE;
            long at = switch (this) {
                case GUARD_PAGE -> Layout.GUARD_PAGE + 8;
                case NO_REGION -> 0x7000_0000L;
                case WRITE_TO_CODE -> Layout.CODE_BASE + 16;
                case EXECUTE_HEAP -> victim.heapBase();
                case EXECUTE_STACK -> Layout.STACK_TOP - 32;
                case SOS_WINDOW -> FrameTable.windowAddress(neighbour.process().shadow()
                        .page(neighbour.heapBase()).frameRef());
                case KERNEL_HALF -> 0xFFFF_0000_0000_1000L;
                case ABOVE_USER_TOP -> 0x8000_0000_0000L;
                case ABOVE_THE_BREAK -> heapEnd + Layout.PAGE;
                case AFTER_MUNMAP -> {
                    assertThat(ctx.sys().munmap(victim.mmapBase(), Layout.PAGE).isOk()).isTrue();
                    yield victim.mmapBase() + 24;
                }
                case STORE_STRADDLING_THE_BREAK -> heapEnd - 4;
                case BLOCK_COPY_PAST_MMAP_END -> mmapEnd - 100;
            };
            assertThatThrownBy(() -> {
                switch (this) {
                    case EXECUTE_HEAP, EXECUTE_STACK -> ctx.execute(at);
                    case NO_REGION, SOS_WINDOW, KERNEL_HALF, AFTER_MUNMAP -> ctx.load(at, 8);
                    case BLOCK_COPY_PAST_MMAP_END -> ctx.copyOut(at, new byte[300], 0, 300);
                    default -> ctx.store(at, 8, Probes.MARKER);
                }
            }).as("%s at 0x%x", this, at).isInstanceOf(MemoryFault.class);
            return at;
        }
    }

    static Stream<Arguments> killsAndAllocators() {
        return Stream.of(Kill.values()).flatMap(k -> Stream.of(Arguments.of(k, true), Arguments.of(k, false)));
    }

    @ParameterizedTest(name = "{0}, pool={1}")
    @MethodSource("killsAndAllocators")
    void aKillNeverDisturbsAnotherProcessOrSos(Kill kill, boolean usePool) throws MemoryFault {
        SosFixture fx = new SosFixture(usePool);
        var balance = fx.balance();
        List<PatternedProcess> neighbours = new ArrayList<>();
        for (int i = 0; i < NEIGHBOURS; i++) {
            neighbours.add(PatternedProcess.create(fx, 1000 * (i + 1), 8 + i, 4, 4));
        }
        PatternedProcess victim = PatternedProcess.create(fx, 77, 4, 2, 4);
        List<Process> live = new ArrayList<>(neighbours.stream().map(PatternedProcess::process).toList());
        live.add(victim.process());
        IsolationAudit before = IsolationAudit.assertIsolated(fx, live);
        List<Long> protectedFrames = new ArrayList<>();
        neighbours.forEach(n -> protectedFrames.addAll(before.physicalPages(n.process())));
        before.sosMappings().forEach((va, page) -> {
            if (va < FrameTable.WINDOW) {
                protectedFrames.add(page.frame().paddr());
            }
        });
        long checksum = Patterns.physicalChecksum(fx.kernel.physicalMemory(), protectedFrames);

        long at = kill.commit(fx, victim, neighbours.get(0));

        assertThat(victim.process().state()).isEqualTo(ProcessState.KILLED);
        assertThat(victim.process().killReport().address()).isBetween(Layout.pageDown(at), at + 300);
        assertThat(fx.sos.console()).contains("process " + victim.process().pid() + " killed");
        assertThat(Patterns.physicalChecksum(fx.kernel.physicalMemory(), protectedFrames))
                .as("neighbours' frames and SOS's own pages, read from RAM").isEqualTo(checksum);
        for (PatternedProcess n : neighbours) {
            assertThat(n.process().state()).isEqualTo(ProcessState.RUNNING);
            n.assertIntact();
            long heapEnd = n.context().brk(0);
            n.context().brk(heapEnd + Layout.PAGE);
            n.context().store(heapEnd, 8, 42);
            assertThat(n.context().load(heapEnd, 8)).as("a neighbour still faults in new pages").isEqualTo(42);
        }
        IsolationAudit.assertIsolated(fx, live);

        assertThat(fx.sos.destroy(victim.process()).isOk()).isTrue();
        live.remove(victim.process());
        IsolationAudit.assertIsolated(fx, live);
        for (PatternedProcess n : neighbours) {
            n.assertIntact();
            assertThat(fx.sos.destroy(n.process()).isOk()).isTrue();
        }
        assertThat(fx.balance()).as("nothing leaked").isEqualTo(balance);
        fx.assertInvariants();
    }
}
