package org.capbuddy.sos.process;

import static org.assertj.core.api.Assertions.assertThat;

import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.host.MachineGuard;
import org.capbuddy.kernel.trace.Tracer;
import org.capbuddy.libos.vka.VkaObject;
import org.junit.jupiter.api.Test;

/** The process table's lookups by pid (a fault's badge): found while live, never after removal. */
class ProcessesTest {
    private final Processes table = new Processes(new Tracer(new MachineGuard()));

    private Process add() {
        VkaObject tcb = new VkaObject(10, 0, ObjectType.TCB, 11);
        VkaObject cnode = new VkaObject(11, 0, ObjectType.CNODE, 17);
        VkaObject vspace = new VkaObject(12, 0, ObjectType.VSPACE, 12);
        return table.add(tcb, cnode, vspace, null, null);
    }

    @Test
    void aRemovedProcessIsNotFoundEvenRightAfterALookupFoundIt() {
        Process a = add();
        Process b = add();
        assertThat(table.get(a.pid())).isSameAs(a);
        assertThat(table.get(a.pid())).isSameAs(a);
        table.remove(a);
        assertThat(table.get(a.pid())).isNull();
        assertThat(table.isLive(a)).isFalse();
        assertThat(table.get(b.pid())).isSameAs(b);
        assertThat(table.isLive(b)).isTrue();
        table.remove(b);
        assertThat(table.get(b.pid())).isNull();
        assertThat(table.isLive(b)).isFalse();
        assertThat(table.count()).isZero();
    }

    @Test
    void lookupsAlternatingBetweenProcessesFindEachOne() {
        Process a = add();
        Process b = add();
        for (int i = 0; i < 4; i++) {
            assertThat(table.get(a.pid())).isSameAs(a);
            assertThat(table.get(b.pid())).isSameAs(b);
        }
        assertThat(a.pid()).isNotEqualTo(b.pid());
    }

    @Test
    void badgesThatAreNoPidFindNothing() {
        Process a = add();
        assertThat(table.get(a.pid())).isSameAs(a);
        for (long badge : new long[] {0, -1, a.pid() + 1, a.pid() + (1L << 32), Long.MIN_VALUE, Long.MAX_VALUE}) {
            assertThat(table.get(badge)).as("badge %d", badge).isNull();
        }
        assertThat(table.get(a.pid())).isSameAs(a);
    }
}
