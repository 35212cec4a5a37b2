package org.capbuddy.libos.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;

import org.capbuddy.kernel.Kernel;
import org.capbuddy.kernel.KernelConfig;
import org.capbuddy.kernel.boot.Board;
import org.capbuddy.libos.allocman.Allocman;
import org.capbuddy.libos.allocman.AllocmanVka;
import org.capbuddy.libos.vka.Result;

/** A booted kernel with allocman brought up in its root task. */
final class LibosFixture {
    final Kernel kernel;
    final Booted booted;
    final Allocman allocman;
    final AllocmanVka vka;

    private LibosFixture(Kernel kernel, Booted booted) {
        this.kernel = kernel;
        this.booted = booted;
        this.allocman = booted.allocman();
        this.vka = booted.vka();
    }

    static LibosFixture boot(CSpaceLayout layout, long ramBytes) {
        Kernel kernel = layout == CSpaceLayout.SINGLE_LEVEL
                ? Kernel.boot(KernelConfig.capBuddy(ramBytes))
                : Kernel.boot(KernelConfig.capBuddy(ramBytes).withRootCNodeBits(12));
        BootstrapConfig config = layout == CSpaceLayout.SINGLE_LEVEL
                ? BootstrapConfig.singleLevel(64 << 10)
                : BootstrapConfig.twoLevel(8, 64 << 10);
        Result<Booted> booted = LibosBootstrap.bootstrap(kernel.rootTask(), kernel.bootInfo(), config);
        assertThat(booted.isOk()).as("bootstrap: %s", booted).isTrue();
        return new LibosFixture(kernel, booted.value());
    }

    static LibosFixture boot(Kernel kernel, BootstrapConfig config) {
        Result<Booted> booted = LibosBootstrap.bootstrap(kernel.rootTask(), kernel.bootInfo(), config);
        assertThat(booted.isOk()).as("bootstrap: %s", booted).isTrue();
        return new LibosFixture(kernel, booted.value());
    }

    static Kernel kernel(long ramBytes, int rootBits) {
        return Kernel.boot(KernelConfig.capBuddy(ramBytes).withRootCNodeBits(rootBits).withBoard(Board.virt(ramBytes)));
    }

    /**
     * The balance with the reserves given back (so it does not depend on where refills happened
     * to put them): what clients hold plus the managers' fixed records. The reserves are filled
     * again afterwards.
     */
    String settledBalance() {
        var released = allocman.releaseReserves();
        assertThat(released.isOk()).as("releaseReserves: %s", released).isTrue();
        String balance = allocman.accounting().balanceKey();
        assertThat(allocman.fillReserves().isOk()).isTrue();
        return balance;
    }

    void assertInvariants() {
        var report = kernel.checkInvariants();
        assertThat(report.ok()).as("%s", report).isTrue();
    }
}
