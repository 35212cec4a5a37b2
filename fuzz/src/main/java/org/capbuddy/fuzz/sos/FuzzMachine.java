package org.capbuddy.fuzz.sos;

import org.capbuddy.kernel.Kernel;
import org.capbuddy.kernel.host.FailureInjector;
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
 * on the pool or on plain allocman, with or without demand paging, with the allocators' balance
 * from before SOS started, for the end-of-run check that SOS gave everything back.
 */
final class FuzzMachine {
    final SosMachine machine;
    final Kernel kernel;
    final CapBuddyVka pool;
    final Sos sos;

    /**
     * @param usePool SOS's frames from the CapBuddy pool, else from plain allocman
     * @param sosConfig SOS's frame table and paging (small tables without paging make faults run out of memory)
     */
    FuzzMachine(boolean usePool, SosConfig sosConfig) {
        Result<SosMachine> booted = SosMachine.boot(
                MachineConfig.original(512L << 20).withPool(usePool ? PoolConfig.defaults() : null), sosConfig);
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

    /** The switch that fails the kernel's N-th allocating invocation (Untyped_Retype, ASIDControl_MakePool). */
    FailureInjector kernelFailures() {
        return kernel.failureInjector();
    }

    /** The switch that fails allocman's N-th request. */
    FailureInjector allocmanFailures() {
        return machine.machine().allocman().failures();
    }

    /** The allocators' settled balance now (see {@code LibosMachine.balance()}). */
    AllocatorBalance settledBalance() {
        return machine.machine().balance();
    }
}
