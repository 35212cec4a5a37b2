package org.capbuddy.fuzz.sos;

import org.capbuddy.kernel.Kernel;
import org.capbuddy.libos.capbuddy.CapBuddyVka;
import org.capbuddy.libos.capbuddy.PoolConfig;
import org.capbuddy.libos.machine.AllocatorBalance;
import org.capbuddy.libos.machine.MachineConfig;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.sos.Sos;
import org.capbuddy.sos.machine.SosConfig;
import org.capbuddy.sos.machine.SosMachine;

/**
 * The machine a SOS fuzz run drives: a 512 MiB machine in the CapBuddy configuration running SOS,
 * on the pool or on plain allocman, with the allocators' balance from before SOS started, for the
 * end-of-run check that SOS gave everything back.
 */
final class FuzzMachine {
    final SosMachine machine;
    final Kernel kernel;
    final CapBuddyVka pool;
    final Sos sos;

    /**
     * @param usePool SOS's frames from the CapBuddy pool, else from plain allocman
     * @param frameLimit the frame table's limit (small ones make faults run out of memory)
     */
    FuzzMachine(boolean usePool, int frameLimit) {
        Result<SosMachine> booted = SosMachine.boot(
                MachineConfig.original(512L << 20).withPool(usePool ? PoolConfig.defaults() : null),
                new SosConfig(frameLimit));
        if (!booted.isOk()) {
            throw new IllegalStateException("the fuzzer's machine did not boot: " + booted.error());
        }
        machine = booted.value();
        kernel = machine.kernel();
        pool = machine.machine().pool().orElse(null);
        sos = machine.sos();
    }

    /** The allocators' settled balance before SOS started. */
    AllocatorBalance balanceBeforeSos() {
        return machine.allocatorsBeforeSos();
    }

    /** The allocators' settled balance now (see {@code LibosMachine.balance()}). */
    AllocatorBalance settledBalance() {
        return machine.machine().balance();
    }
}
