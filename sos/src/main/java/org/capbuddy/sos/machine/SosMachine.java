package org.capbuddy.sos.machine;

import org.capbuddy.kernel.Kernel;
import org.capbuddy.kernel.object.AsidPool;
import org.capbuddy.kernel.vm.AsidTable;
import org.capbuddy.libos.machine.AllocatorBalance;
import org.capbuddy.libos.machine.LibosMachine;
import org.capbuddy.libos.machine.MachineConfig;
import org.capbuddy.libos.vka.AllocError;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.sos.Sos;

/**
 * A whole machine running SOS, brought up as SOS's {@code main()} would bring it up: the kernel
 * booted, allocman bootstrapped, the CapBuddy pool started if the configuration has one, and SOS
 * started on top, taking its frames from the pool or from plain allocman. The one way the CLI,
 * the benchmarks, the fuzzers and the tests build a machine.
 *
 * <p>One machine is driven by one thread: the one that booted it.
 */
public final class SosMachine {
    private final LibosMachine machine;
    private final SosConfig sosConfig;
    private final Sos sos;
    private final AllocatorBalance beforeSos;

    private SosMachine(LibosMachine machine, SosConfig sosConfig, Sos sos, AllocatorBalance beforeSos) {
        this.machine = machine;
        this.sosConfig = sosConfig;
        this.sos = sos;
        this.beforeSos = beforeSos;
    }

    /** Brings the machine up and starts SOS, or says why it cannot. */
    public static Result<SosMachine> boot(MachineConfig config, SosConfig sosConfig) {
        if (sosConfig == null) {
            return Result.fail(org.capbuddy.libos.vka.AllocErrorKind.BAD_ARGUMENT, "no SOS configuration");
        }
        Result<Void> valid = sosConfig.check();
        if (!valid.isOk()) {
            return valid.asFailure();
        }
        Result<LibosMachine> booted = LibosMachine.boot(config);
        if (!booted.isOk()) {
            return booted.asFailure();
        }
        LibosMachine m = booted.value();
        AllocatorBalance beforeSos = m.balance();
        Result<Sos> started = Sos.start(m.vka(), m.booted().tcb(), m.booted().vspace(), m.booted().asidControl(),
                m.booted().asidPool(), sosConfig.frameRefBits(), sosConfig.frameLimit(), sosConfig.pageFilePages(), sosConfig.pagingPolicy());
        if (!started.isOk()) {
            return Result.fail(new AllocError(started.error().kind(), "SOS did not start: " + started.error().detail(),
                    started.error().kernelResult()));
        }
        // checked with the configuration: cow only without paging, so this cannot be refused
        started.value().setForkMode(sosConfig.forkMode());
        return Result.ok(new SosMachine(m, sosConfig, started.value(), beforeSos));
    }

    /** The machine below SOS: kernel, allocman, pool. */
    public LibosMachine machine() {
        return machine;
    }

    public Kernel kernel() {
        return machine.kernel();
    }

    public SosConfig sosConfig() {
        return sosConfig;
    }

    public Sos sos() {
        return sos;
    }

    /** The allocators' settled balance just before SOS started: what {@link Sos#shutdown} must bring back. */
    public AllocatorBalance allocatorsBeforeSos() {
        return beforeSos;
    }

    /**
     * The balance now: the allocators settled (see {@link LibosMachine#balance()}) and what SOS
     * holds. SOS's window tables are counted, not given back, so that a table an operation
     * leaves behind shows.
     */
    public Balance balance() {
        AllocatorBalance allocators = machine.balance();
        return new Balance(allocators, sos.frameTable().framesInUse(), sos.frameTable().windowTableCount(),
                sos.liveProcesses(), assignedAsids(), sos.pages().pageFileSlotsInUse());
    }

    /**
     * {@link #balance()} after also giving back the page tables of SOS's frame window when SOS
     * holds no frame, and the ASID pools SOS made when no process is left: they are caches that
     * the next frame or process rebuilds, so a balance taken between
     * workloads should not depend on which frames the last one used. The balance to compare
     * across whole workloads; {@link #balance()} is the one to compare around a single operation.
     */
    public Balance settledBalance() {
        if (sos.frameTable().framesInUse() == 0) {
            sos.frameTable().releaseWindowTables();
        }
        // pools SOS made for more than 510 processes at once, held (with the allocator state their
        // untyped and bookkeeping pin) until SOS shuts down: a cache too, once no process is left
        sos.releaseAsidPools();
        return balance();
    }

    /** ASIDs the kernel has assigned to VSpaces, read from the kernel's ASID table (a report, not an invocation). */
    private long assignedAsids() {
        AsidTable table = machine.kernel().state().asids();
        long n = 0;
        for (int i = 0; i < AsidTable.POOLS; i++) {
            AsidPool pool = table.pool(i);
            for (int j = 0; pool != null && j < AsidPool.ASIDS_PER_POOL; j++) {
                if (pool.vspace(j) != null) {
                    n++;
                }
            }
        }
        return n;
    }
}
