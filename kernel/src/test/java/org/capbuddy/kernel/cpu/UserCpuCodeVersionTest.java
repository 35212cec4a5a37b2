package org.capbuddy.kernel.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.capbuddy.kernel.cpu.CpuFx.D;
import static org.capbuddy.kernel.cpu.CpuFx.FREE_VA;
import static org.capbuddy.kernel.cpu.CpuFx.PAGE;
import static org.capbuddy.kernel.cpu.CpuFx.ROOT;
import static org.capbuddy.kernel.cpu.CpuFx.ok;

import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.memory.PhysicalMemory;
import org.junit.jupiter.api.Test;

/**
 * {@link UserCpu#codeVersion()}, which the interpreter reads after every block that ends in a
 * branch to learn whether its decoded instructions still stand: it must move with each of its
 * inputs (the thread's VSpace root, that VSpace's translations, any write or zeroing of a page
 * instructions were fetched from) and stay put for a change that touches none of them. Its fast
 * path answers from the machine's host-view clock alone, so each test below would fail if one
 * input moved without ticking that clock.
 */
class UserCpuCodeVersionTest {
    private final CpuFx fx = new CpuFx();
    private final PhysicalMemory mem = fx.kernel.physicalMemory();

    @Test
    void staysTheSameWhileNothingChanges() {
        CpuFx.UserThread t = fx.new UserThread();
        fx.mapRw(fx.object(ObjectType.SMALL_PAGE), t.vspace, FREE_VA);
        assertThat(t.cpu.write(FREE_VA, 4, 0xd503201fL)).isTrue(); // nop
        assertThat(t.cpu.fetch(FREE_VA)).isEqualTo(0xd503201f);
        long version = t.cpu.codeVersion();
        assertThat(t.cpu.read(FREE_VA, 4)).isEqualTo(0xd503201fL);
        assertThat(t.cpu.codeVersion()).isEqualTo(version);
    }

    @Test
    void aChangeElsewhereTicksTheClockButLeavesTheVersion() {
        CpuFx.UserThread t = fx.new UserThread();
        CpuFx.UserThread other = fx.new UserThread();
        fx.mapRw(fx.object(ObjectType.SMALL_PAGE), t.vspace, FREE_VA);
        long elsewhere = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(elsewhere, other.vspace, FREE_VA);
        long version = t.cpu.codeVersion();
        long clock = mem.viewClock().now();
        ok(fx.sel4.pageUnmap(elsewhere));
        assertThat(mem.viewClock().now()).isGreaterThan(clock);
        assertThat(t.cpu.codeVersion()).as("another VSpace's translations are not this thread's code").isEqualTo(version);
    }

    @Test
    void movesWhenACodePageIsWrittenThroughAnotherMapping() {
        CpuFx.UserThread t = fx.new UserThread();
        CpuFx.UserThread other = fx.new UserThread();
        long frame = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(frame, t.vspace, FREE_VA);
        fx.mapRw(fx.copyOf(frame, CapRights.ALL), other.vspace, FREE_VA);
        assertThat(t.cpu.write(FREE_VA, 4, 0xd503201fL)).isTrue();
        assertThat(t.cpu.fetch(FREE_VA)).isEqualTo(0xd503201f);
        long version = t.cpu.codeVersion();
        assertThat(t.cpu.codeVersion()).isEqualTo(version);
        assertThat(other.cpu.write(FREE_VA, 4, 0xd65f03c0L)).isTrue(); // ret, written by the other thread
        assertThat(t.cpu.codeVersion()).isNotEqualTo(version);
    }

    @Test
    void movesWhenACodePageNeverWrittenIsZeroed() {
        // A page fetched from while still all zero has no host backing, so zeroing it releases
        // nothing: only the code epoch moves, and the version must still see it.
        CpuFx.UserThread t = fx.new UserThread();
        long frame = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(frame, t.vspace, FREE_VA);
        assertThat(t.cpu.fetch(FREE_VA)).isZero();
        long version = t.cpu.codeVersion();
        long codeEpoch = mem.codeEpoch();
        mem.zero(fx.paddr(frame), PAGE);
        assertThat(mem.codeEpoch()).isGreaterThan(codeEpoch);
        assertThat(t.cpu.codeVersion()).isNotEqualTo(version);
    }

    @Test
    void movesWhenATranslationOfTheThreadsVSpaceIsRemoved() {
        CpuFx.UserThread t = fx.new UserThread();
        long frame = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(frame, t.vspace, FREE_VA);
        long version = t.cpu.codeVersion();
        ok(fx.sel4.pageUnmap(frame));
        assertThat(t.cpu.codeVersion()).isNotEqualTo(version);
    }

    @Test
    void movesWhenTheThreadIsGivenAnotherVSpace() {
        CpuFx.UserThread t = fx.new UserThread();
        CpuFx.UserThread other = fx.new UserThread();
        long version = t.cpu.codeVersion();
        t.setVSpace(other.vspace);
        assertThat(t.cpu.codeVersion()).isNotEqualTo(version);
    }

    @Test
    void movesWhenTheThreadLosesItsVSpaceCap() {
        CpuFx.UserThread t = fx.new UserThread();
        long version = t.cpu.codeVersion();
        ok(fx.sel4.cnodeRevoke(ROOT, t.vspace, D));
        assertThat(t.cpu.codeVersion()).isNotEqualTo(version);
    }
}
