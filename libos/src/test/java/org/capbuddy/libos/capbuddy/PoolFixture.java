package org.capbuddy.libos.capbuddy;

import static org.assertj.core.api.Assertions.assertThat;

import org.capbuddy.kernel.Kernel;
import org.capbuddy.libos.bootstrap.Booted;
import org.capbuddy.libos.bootstrap.CSpaceLayout;
import org.capbuddy.libos.machine.AllocatorBalance;
import org.capbuddy.libos.machine.LibosMachine;
import org.capbuddy.libos.machine.MachineConfig;

/** A machine in the CapBuddy configuration with the pool in front of allocman. */
final class PoolFixture {
    final LibosMachine machine;
    final Kernel kernel;
    final Booted booted;
    final CapBuddyVka vka;
    final CapBuddyPool pool;

    /**
     * @param layout single-level (the 18-bit root CNode) or two-level (a 12-bit root as L1, L2 CNodes of 2^10)
     * @param revokeOnFree the pool's free check: {@link PoolConfig.FreeCheck#REVOKE} or trusted
     */
    PoolFixture(CSpaceLayout layout, long ramBytes, int spareTrees, boolean revokeOnFree) {
        this(layout, ramBytes, new PoolConfig(spareTrees,
                revokeOnFree ? PoolConfig.FreeCheck.REVOKE : PoolConfig.FreeCheck.TRUSTED));
    }

    PoolFixture(CSpaceLayout layout, long ramBytes, PoolConfig settings) {
        MachineConfig config = MachineConfig.original(ramBytes).withPool(settings);
        var booted = LibosMachine.boot(layout == CSpaceLayout.SINGLE_LEVEL ? config : config.twoLevel(12, 10));
        assertThat(booted.isOk()).as("boot: %s", booted).isTrue();
        this.machine = booted.value();
        this.kernel = machine.kernel();
        this.booted = machine.booted();
        this.vka = machine.pool().orElseThrow();
        this.pool = vka.pool();
    }

    /** The allocators' settled balance: pool spares and allocman's reserves given back (see {@link LibosMachine#balance()}). */
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
