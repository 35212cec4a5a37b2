package org.capbuddy.cli.demo;

import static org.assertj.core.api.Assertions.assertThat;

import org.capbuddy.libos.machine.MachineConfig;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.machine.SosConfig;
import org.capbuddy.sos.machine.SosMachine;
import org.capbuddy.sos.process.ForkMode;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.user.MemoryFault;
import org.capbuddy.sos.user.UserContext;
import org.junit.jupiter.api.Test;

/** The reports' copy-on-write figures: none before anything is shared, then what fork's sharing did. */
class SharingReportTest {

    @Test
    void theSharingFiguresAppearOnceAForkShares() throws MemoryFault {
        SosMachine m = SosMachine.boot(MachineConfig.original(512L << 20), SosConfig.defaults()).value();
        Process parent = m.sos().createProcess(64 << 10, 16 << 10).value();
        UserContext pu = new UserContext(parent, m.sos().syscalls(parent));
        pu.store(Layout.STACK_TOP - 8, 8, 1);
        pu.store(Layout.STACK_TOP - 2 * Layout.PAGE, 8, 2);
        assertThat(DemoReport.Sharing.of(m)).isNull();
        Process child = m.sos().fork(parent).value();
        new UserContext(child, m.sos().syscalls(child)).store(Layout.STACK_TOP - 8, 8, 3);
        pu.store(Layout.STACK_TOP - 8, 8, 4);
        DemoReport.Sharing s = DemoReport.Sharing.of(m);
        assertThat(s).isEqualTo(new DemoReport.Sharing("cow", 2, 1, 1, 0, 2));
        assertThat(s.render()).isEqualTo("Copy-on-write (fork cow): 2 pages shared (a cap copy and slot each); 2"
                + " breaks of sharing (2 on a store's fault, 0 for SOS's writes for system calls): 1 copied a page, 1"
                + " gave the last sharer write back; at most 2 frames saved\n");
        // SOS writing into a shared page for a call breaks its sharing too, but is no fault
        Process second = m.sos().fork(parent).value();
        long faults = second.faultsHandled();
        assertThat(m.sos().syscalls(second).copyToUser(Layout.STACK_TOP - 2 * Layout.PAGE, new byte[] {9}, 1))
                .isTrue();
        assertThat(second.faultsHandled()).isEqualTo(faults);
        DemoReport.Sharing after = DemoReport.Sharing.of(m);
        assertThat(after.breaksForCalls()).isEqualTo(1);
        assertThat(after.cowCopies() + after.cowReuses()).isEqualTo(3);
        assertThat(new DemoReport.Sharing("cow", 1, 1, 0, 1, 1).render()).isEqualTo("Copy-on-write (fork cow): 1"
                + " page shared (a cap copy and slot each); 1 break of sharing (0 on a store's fault, 1 for SOS's"
                + " writes for system calls): 1 copied a page, 0 gave the last sharer write back; at most 1 frame"
                + " saved\n");

        SosMachine copying = SosMachine.boot(MachineConfig.original(512L << 20),
                SosConfig.defaults().withForkMode(ForkMode.COPY)).value();
        Process p = copying.sos().createProcess(64 << 10, 16 << 10).value();
        new UserContext(p, copying.sos().syscalls(p)).store(Layout.STACK_TOP - 8, 8, 1);
        assertThat(copying.sos().fork(p).isOk()).isTrue();
        assertThat(DemoReport.Sharing.of(copying)).as("an eager copy shares nothing").isNull();
    }
}
