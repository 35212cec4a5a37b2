package org.capbuddy.sos;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.capbuddy.libos.machine.MachineConfig;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.frametable.FrameTable;
import org.capbuddy.sos.machine.SosConfig;
import org.capbuddy.sos.machine.SosMachine;
import org.capbuddy.sos.process.AsidPools;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.process.ProcessState;
import org.capbuddy.sos.user.MemoryFault;
import org.capbuddy.sos.user.UserContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * SOS's edges: the frame table's limit, system calls from no process or a process that is not
 * running, access sizes a program may not use, and more processes than one ASID pool holds.
 */
class SosLifecycleTest {

    @ParameterizedTest
    @ValueSource(ints = {-1, 0, FrameTable.MAX_FRAMES + 1, Integer.MAX_VALUE})
    void aFrameLimitOutsideNineteenBitReferencesIsRefusedWhenTheMachineIsBuilt(int limit) {
        // The seed's width is the default: a limit beyond 19-bit references needs wider ones.
        var booted = SosMachine.boot(MachineConfig.capBuddy(128L << 20), new SosConfig(limit));
        assertThat(booted.isOk()).isFalse();
        assertThat(booted.error().detail()).contains("frame table limit must be 1.." + FrameTable.MAX_FRAMES)
                .contains("(19-bit frame references)").contains(String.valueOf(limit));
    }

    @Test
    void systemCallsOfNoProcessOrOfAProcessNotRunningFailWithEsrchAndChangeNothing() {
        SosFixture fx = new SosFixture(true);
        Syscalls none = fx.sos.syscalls(null);
        assertThat(none.mmap(Layout.PAGE).errno()).isEqualTo(Errno.ESRCH);
        assertThat(none.munmap(Layout.MMAP_BASE, Layout.PAGE).errno()).isEqualTo(Errno.ESRCH);
        assertThat(none.write(Layout.CODE_BASE, 4).errno()).isEqualTo(Errno.ESRCH);
        assertThat(none.brk(Layout.CODE_BASE + (1 << 20))).isZero();
        none.exit(3);

        Process p = fx.process();
        UserContext ctx = fx.context(p);
        long brk = ctx.brk(0);
        var before = fx.strictBalance();
        ctx.sys().exit(7);
        assertThat(p.state()).isEqualTo(ProcessState.EXITED);
        assertThat(ctx.sys().mmap(Layout.PAGE).errno()).isEqualTo(Errno.ESRCH);
        assertThat(ctx.sys().mmap(Layout.PAGE).returnRegister()).isEqualTo(-3);
        assertThat(ctx.sys().write(brk, 0).errno()).isEqualTo(Errno.ESRCH);
        assertThat(ctx.brk(brk + Layout.PAGE)).isEqualTo(brk);
        assertThat(fx.strictBalance()).isEqualTo(before);
        assertThat(fx.sos.destroy(p).isOk()).isTrue();
        assertThat(ctx.sys().munmap(Layout.MMAP_BASE, Layout.PAGE).detail()).contains("destroyed");
    }

    @Test
    void aRuntimeWithNoProcessRefusesEveryAccessAndTheVkaHelpersRefuseNoVka() {
        UserContext none = new UserContext(null, null);
        assertThatThrownBy(() -> none.load(Layout.CODE_BASE, 8)).isInstanceOf(MemoryFault.class)
                .hasMessageContaining("no process");
        assertThatThrownBy(() -> none.store(Layout.CODE_BASE, 8, 1)).isInstanceOf(MemoryFault.class);
        assertThatThrownBy(() -> none.execute(Layout.CODE_BASE)).isInstanceOf(MemoryFault.class);
        assertThatThrownBy(() -> none.copyIn(Layout.CODE_BASE, new byte[4], 0, 4)).isInstanceOf(MemoryFault.class);
        assertThat(none.brk(0)).isZero();
        assertThat(org.capbuddy.libos.vka.VkaObjects.allocFrame(null, 12).error().detail()).isEqualTo("no vka");
        assertThat(org.capbuddy.libos.vka.VkaObjects.free(null, null).error().detail()).isEqualTo("no vka");
        assertThat(org.capbuddy.libos.vka.VkaObjects.allocFrameContiguous(null, 12).isOk()).isFalse();
    }

    @ParameterizedTest
    @ValueSource(ints = {0, -1, 3, 9, 16})
    void anAccessSizeOtherThanOneTwoFourOrEightIsAMemoryFaultThatChangesNothing(int size) throws MemoryFault {
        SosFixture fx = new SosFixture(false);
        Process p = fx.process();
        UserContext ctx = fx.context(p);
        ctx.store(Layout.STACK_TOP - 8, 8, 0x0123_4567_89AB_CDEFL);
        var before = fx.strictBalance();

        assertThatThrownBy(() -> ctx.store(Layout.STACK_TOP - 8, size, -1)).isInstanceOf(MemoryFault.class)
                .hasMessageContaining("1, 2, 4 or 8");
        assertThatThrownBy(() -> ctx.load(Layout.STACK_TOP - 4096 * 3, size)).isInstanceOf(MemoryFault.class)
                .hasMessageContaining("got " + size);

        assertThat(ctx.load(Layout.STACK_TOP - 8, 8)).isEqualTo(0x0123_4567_89AB_CDEFL);
        assertThat(p.state()).isEqualTo(ProcessState.RUNNING);
        assertThat(fx.strictBalance()).isEqualTo(before);
    }

    @Test
    void moreProcessesThanOneAsidPoolHoldsGetANewPoolWhichShutdownGivesBack() throws MemoryFault {
        var machine = SosMachine.boot(MachineConfig.capBuddy(1L << 30), new SosConfig(4096)).value();
        Sos sos = machine.sos();
        List<Process> all = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            var p = sos.createProcess(4096, 4096);
            assertThat(p.isOk()).as("process %d: %s", i, p).isTrue();
            all.add(p.value());
        }
        assertThat(sos.asidPoolsMade()).isEqualTo(1);
        UserContext last = new UserContext(all.get(599), sos.syscalls(all.get(599)));
        last.store(Layout.STACK_TOP - 8, 8, 42);
        assertThat(last.load(Layout.STACK_TOP - 8, 8)).isEqualTo(42);
        for (Process p : all) {
            assertThat(sos.destroy(p).isOk()).isTrue();
        }
        assertThat(sos.shutdown().isOk()).isTrue();
        assertThat(machine.machine().balance().diff(machine.allocatorsBeforeSos()).isZero())
                .as("%s", machine.machine().balance().diff(machine.allocatorsBeforeSos())).isTrue();
        assertThat(machine.kernel().checkInvariants().ok()).isTrue();
        assertThat(AsidPools.MAX_PROCESSES).isEqualTo(65_534);
    }

    @Test
    void aSettledBalanceAfterMoreProcessesThanOneAsidPoolHoldsGivesBackThePoolAndShowsNoLeak() {
        var machine = SosMachine.boot(MachineConfig.capBuddy(1L << 30), new SosConfig(4096)).value();
        Sos sos = machine.sos();
        var before = machine.settledBalance();
        List<Process> all = new ArrayList<>();
        for (int i = 0; i < 600; i++) {
            var p = sos.createProcess(4096, 4096);
            assertThat(p.isOk()).as("process %d: %s", i, p).isTrue();
            all.add(p.value());
        }
        // with processes alive, the pool their ASIDs are in stays
        machine.settledBalance();
        assertThat(sos.asidPoolsMade()).isEqualTo(1);
        assertThat(sos.releaseAsidPools().isOk()).isTrue();
        assertThat(sos.asidPoolsMade()).isEqualTo(1);
        for (Process p : all) {
            assertThat(sos.destroy(p).isOk()).isTrue();
        }
        // kept while SOS runs, as allocman keeps what it grew: a pool pins its untyped, its slot and
        // the bookkeeping allocated at the peak, which the run's report must not call a leak
        assertThat(sos.asidPoolsMade()).isEqualTo(1);
        var leaked = machine.settledBalance().diff(before);
        assertThat(leaked.isZero()).as("%s", leaked).isTrue();
        assertThat(sos.asidPoolsMade()).isZero();
        assertThat(machine.kernel().checkInvariants().ok()).isTrue();
        // the next process past the root task's pool makes one again
        for (int i = 0; i < 600; i++) {
            all.set(i, sos.createProcess(4096, 4096).value());
        }
        assertThat(sos.asidPoolsMade()).isEqualTo(1);
        all.forEach(sos::destroy);
        assertThat(machine.settledBalance().diff(before).isZero()).isTrue();
    }
}
