package org.capbuddy.libos.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import org.capbuddy.kernel.Kernel;
import org.capbuddy.libos.allocman.Allocman;
import org.capbuddy.libos.allocman.AllocmanVka;
import org.capbuddy.libos.machine.AllocatorBalance;
import org.capbuddy.libos.machine.LibosMachine;
import org.capbuddy.libos.machine.MachineConfig;

/** A machine brought up to allocman (no pool), for the allocman and vka tests. */
final class LibosFixture {
    final LibosMachine machine;
    final Kernel kernel;
    final Booted booted;
    final Allocman allocman;
    final AllocmanVka vka;

    private LibosFixture(LibosMachine machine) {
        this.machine = machine;
        this.kernel = machine.kernel();
        this.booted = machine.booted();
        this.allocman = booted.allocman();
        this.vka = booted.vka();
    }

    /** Single-level: the 18-bit root CNode; two-level: a 12-bit root as L1 and L2 CNodes of 2^8. */
    static LibosFixture boot(CSpaceLayout layout, long ramBytes) {
        MachineConfig config = MachineConfig.original(ramBytes).withoutPool();
        return boot(layout == CSpaceLayout.SINGLE_LEVEL ? config : config.twoLevel(12, 8));
    }

    static LibosFixture boot(MachineConfig config) {
        var machine = LibosMachine.boot(config);
        assertThat(machine.isOk()).as("boot: %s", machine).isTrue();
        return new LibosFixture(machine.value());
    }

    /** The allocators' settled balance (see {@link LibosMachine#balance()}). */
    AllocatorBalance settledBalance() {
        AllocatorBalance balance = machine.balance();
        assertThat(balance.unsettled()).as("settled: %s", balance).isZero();
        return balance;
    }

    void assertInvariants() {
        var report = kernel.checkInvariants();
        assertThat(report.ok()).as("%s", report).isTrue();
    }
}
