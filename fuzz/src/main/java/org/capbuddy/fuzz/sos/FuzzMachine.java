package org.capbuddy.fuzz.sos;

import org.capbuddy.kernel.Kernel;
import org.capbuddy.kernel.KernelConfig;
import org.capbuddy.libos.bootstrap.Booted;
import org.capbuddy.libos.bootstrap.BootstrapConfig;
import org.capbuddy.libos.bootstrap.LibosBootstrap;
import org.capbuddy.libos.capbuddy.CapBuddyVka;
import org.capbuddy.libos.capbuddy.PoolConfig;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.libos.vka.Vka;
import org.capbuddy.sos.Sos;

/**
 * The machine a SOS fuzz run drives: a kernel in the CapBuddy configuration, allocman, the
 * CapBuddy pool (or plain allocman), and SOS on top. It remembers the allocators' balance from
 * before SOS started, for the end-of-run check that SOS gave everything back.
 */
final class FuzzMachine {
    final Kernel kernel;
    final Booted booted;
    final CapBuddyVka pool;
    final Sos sos;
    final String balanceBeforeSos;

    /**
     * @param usePool SOS's frames from the CapBuddy pool, else from plain allocman
     * @param frameLimit the frame table's limit (small ones make faults run out of memory)
     */
    FuzzMachine(boolean usePool, int frameLimit) {
        kernel = Kernel.boot(KernelConfig.capBuddy(512L << 20));
        Result<Booted> b = LibosBootstrap.bootstrap(kernel.rootTask(), kernel.bootInfo(),
                BootstrapConfig.singleLevel(64 << 10));
        if (!b.isOk()) {
            throw new IllegalStateException("bootstrap failed: " + b.error());
        }
        booted = b.value();
        pool = usePool ? new CapBuddyVka(booted.vka(), PoolConfig.defaults(booted.vspace())) : null;
        Vka vka = usePool ? pool : booted.vka();
        balanceBeforeSos = settledBalance();
        Result<Sos> started = Sos.start(vka, booted.tcb(), booted.vspace(), booted.asidPool(), frameLimit);
        if (!started.isOk()) {
            throw new IllegalStateException("SOS did not start: " + started.error());
        }
        sos = started.value();
    }

    /**
     * What the allocators hold once the pool's spare trees and allocman's reserves are given
     * back (both are caches whose size depends on history, not leaks); the reserves are refilled
     * afterwards so that the run can go on.
     */
    String settledBalance() {
        if (pool != null) {
            pool.pool().releaseSpares();
        }
        booted.allocman().releaseReserves();
        String balance = booted.allocman().accounting().balanceKey();
        booted.allocman().fillReserves();
        return balance;
    }
}
