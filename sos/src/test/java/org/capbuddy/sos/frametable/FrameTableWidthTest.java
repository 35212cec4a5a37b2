package org.capbuddy.sos.frametable;

import static org.assertj.core.api.Assertions.assertThat;

import org.capbuddy.libos.machine.MachineConfig;
import org.capbuddy.sos.Sos;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.machine.Balance;
import org.capbuddy.sos.machine.SosConfig;
import org.capbuddy.sos.machine.SosMachine;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.process.ProcessState;
import org.capbuddy.sos.user.MemoryFault;
import org.capbuddy.sos.user.UserContext;
import org.junit.jupiter.api.Test;

/**
 * The frame table's reference width: the seed's 19 bits by default (and a process can fill every
 * frame they name), wider on request so that SOS can serve more than 2 GiB, and nothing left
 * behind either way.
 */
class FrameTableWidthTest {

    private static final long GIB = 1L << 30;

    @Test
    void widthsAndLimitsOutsideTheirRangesAreRefusedWithTheRangeInTheMessage() {
        assertThat(new SosConfig(0, 1).check().error().detail()).isEqualTo("frame references must be 1..32 bits wide, got 0");
        assertThat(new SosConfig(33, 1).check().error().detail()).contains("1..32 bits wide, got 33");
        assertThat(new SosConfig(24, 1 << 24).check().error().detail())
                .isEqualTo("the frame table limit must be 1..16777215 frames (24-bit frame references), got 16777216");
        assertThat(SosConfig.withFrameRefBits(33).check().isOk()).isFalse();
        assertThat(SosConfig.withFrameRefBits(32).frameLimit()).isEqualTo(Integer.MAX_VALUE);
        assertThat(SosConfig.withFrameRefBits(24).frameLimit()).isEqualTo((1 << 24) - 1);
        assertThat(SosConfig.defaults()).isEqualTo(new SosConfig(19, FrameTable.MAX_FRAMES));
        assertThat(new SosConfig(4096).frameRefBits()).isEqualTo(FrameTable.SEED_REF_BITS);
    }

    @Test
    void theNarrowestWidthForRamHoldsEveryFrameAndNeverGoesBelowTheSeeds() {
        assertThat(SosConfig.forRam(256L << 20).frameRefBits()).isEqualTo(19);
        assertThat(SosConfig.forRam(2 * GIB - 4096).frameRefBits()).isEqualTo(19);
        assertThat(SosConfig.forRam(2 * GIB).frameRefBits()).isEqualTo(20);
        assertThat(SosConfig.forRam(64 * GIB).frameRefBits()).isEqualTo(25);
        for (long ram : new long[] {GIB, 3 * GIB, 64 * GIB, 1023 * GIB}) {
            assertThat((long) SosConfig.forRam(ram).frameLimit()).isGreaterThanOrEqualTo(ram >>> 12);
        }
    }

    @Test
    void aWiderTableHandsOutMoreFramesThanNineteenBitsNameAndGivesThemAllBack() {
        var booted = SosMachine.boot(MachineConfig.capBuddy(3 * GIB), SosConfig.withFrameRefBits(20));
        assertThat(booted.isOk()).as("%s", booted).isTrue();
        SosMachine machine = booted.value();
        FrameTable frames = machine.sos().frameTable();
        Balance before = machine.settledBalance();
        int n = FrameTable.MAX_FRAMES + 100;
        for (int i = 1; i <= n; i++) {
            var ref = frames.alloc();
            assertThat(ref.isOk()).as("frame %d: %s", i, ref).isTrue();
            assertThat(ref.value()).isEqualTo(i);
        }
        assertThat(frames.framesInUse()).isEqualTo(n);
        assertThat(frames.isLive(n)).isTrue();
        assertThat(FrameTable.windowAddress(n)).isGreaterThan(FrameTable.WINDOW + (1L << 31));
        assertThat(frames.hostBytes()).as("host bytes for %d frames", n).isLessThan(32L * n);
        for (int i = n; i >= 1; i--) {
            assertThat(frames.free(i).isOk()).isTrue();
        }
        assertThat(machine.settledBalance().diff(before).isZero()).isTrue();
        assertThat(machine.kernel().checkInvariants().ok()).isTrue();
    }

    @Test
    void withTheSeedsWidthAProcessMapsEveryFrameTheTableHoldsAndIsKilledAtTheNext() {
        var booted = SosMachine.boot(MachineConfig.capBuddy(3 * GIB), SosConfig.defaults());
        assertThat(booted.isOk()).as("%s", booted).isTrue();
        SosMachine machine = booted.value();
        Sos sos = machine.sos();
        Balance before = machine.settledBalance();
        Process p = sos.createProcess(64 << 10, 16 << 10).value();
        UserContext ctx = new UserContext(p, sos.syscalls(p));
        long base = ctx.sys().mmap(2 * GIB).returnRegister();
        assertThat(base).isEqualTo(Layout.MMAP_BASE);

        long pagesRead = 0;
        MemoryFault killed = null;
        try {
            for (long page = 0; page < (2 * GIB) >>> 12; page++) {
                ctx.load(base + (page << 12), 1);
                pagesRead++;
            }
        } catch (MemoryFault fault) {
            killed = fault;
        }
        assertThat(killed).as("the fault after the table is full").isNotNull();
        assertThat(killed.getMessage()).contains("out of memory", "frame table limit of 524287 frames reached");
        assertThat(p.state()).isEqualTo(ProcessState.KILLED);
        assertThat(sos.frameTable().framesInUse()).isEqualTo(FrameTable.MAX_FRAMES);
        assertThat(pagesRead).isGreaterThan(FrameTable.MAX_FRAMES - 64);
        assertThat(machine.kernel().physicalMemory().backedBytes()).as("pages read, never written")
                .isLessThan(64L << 20);

        assertThat(sos.destroy(p).isOk()).isTrue();
        assertThat(sos.frameTable().framesInUse()).isZero();
        assertThat(machine.settledBalance().diff(before).isZero()).isTrue();
        assertThat(machine.kernel().checkInvariants().ok()).isTrue();
    }
}
