package org.capbuddy.libos.capbuddy;

import static org.assertj.core.api.Assertions.assertThat;

import org.capbuddy.kernel.Kernel;
import org.capbuddy.kernel.KernelConfig;
import org.capbuddy.libos.bootstrap.Booted;
import org.capbuddy.libos.bootstrap.BootstrapConfig;
import org.capbuddy.libos.bootstrap.CSpaceLayout;
import org.capbuddy.libos.bootstrap.LibosBootstrap;

/** A kernel in the CapBuddy configuration, allocman, and a pool in front of it. */
final class PoolFixture {
    final Kernel kernel;
    final Booted booted;
    final CapBuddyVka vka;
    final CapBuddyPool pool;

    PoolFixture(CSpaceLayout layout, long ramBytes, int spareTrees, boolean checkUnmapped) {
        this.kernel = layout == CSpaceLayout.SINGLE_LEVEL ? Kernel.boot(KernelConfig.capBuddy(ramBytes))
                : Kernel.boot(KernelConfig.capBuddy(ramBytes).withRootCNodeBits(12));
        BootstrapConfig boot = layout == CSpaceLayout.SINGLE_LEVEL ? BootstrapConfig.singleLevel(64 << 10)
                : BootstrapConfig.twoLevel(10, 64 << 10);
        var r = LibosBootstrap.bootstrap(kernel.rootTask(), kernel.bootInfo(), boot);
        assertThat(r.isOk()).as("bootstrap: %s", r).isTrue();
        this.booted = r.value();
        this.vka = new CapBuddyVka(booted.vka(), new PoolConfig(spareTrees, checkUnmapped, booted.vspace()));
        this.pool = vka.pool();
    }

    /** Allocman's balance with its reserves handed back (see the libos bootstrap tests). */
    String settledBalance() {
        assertThat(booted.allocman().releaseReserves().isOk()).isTrue();
        String balance = booted.allocman().accounting().balanceKey();
        assertThat(booted.allocman().fillReserves().isOk()).isTrue();
        return balance;
    }

    void assertInvariants() {
        var report = kernel.checkInvariants();
        assertThat(report.ok()).as("%s", report).isTrue();
    }
}
