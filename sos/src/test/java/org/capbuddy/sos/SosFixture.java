package org.capbuddy.sos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.capbuddy.kernel.Kernel;
import org.capbuddy.kernel.KernelConfig;
import org.capbuddy.kernel.object.AsidPool;
import org.capbuddy.kernel.vm.AsidTable;
import org.capbuddy.libos.bootstrap.Booted;
import org.capbuddy.libos.bootstrap.BootstrapConfig;
import org.capbuddy.libos.bootstrap.LibosBootstrap;
import org.capbuddy.libos.capbuddy.CapBuddyVka;
import org.capbuddy.libos.capbuddy.PoolConfig;
import org.capbuddy.libos.vka.Vka;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.user.UserContext;

/**
 * A kernel, allocman, optionally the CapBuddy pool, and SOS: the machine every SOS test runs on.
 * Public so that the tests of each concept, in their own packages, share it.
 */
public final class SosFixture {
    public final Kernel kernel;
    public final Booted booted;
    /** The CapBuddy pool's vka, or null when SOS takes its frames from plain allocman. */
    public final CapBuddyVka pool;
    public final Vka vka;
    public final Sos sos;

    /** @param usePool true to take SOS's frames from the CapBuddy pool, false for plain allocman */
    public SosFixture(boolean usePool) {
        kernel = Kernel.boot(KernelConfig.capBuddy(512L << 20));
        booted = LibosBootstrap.bootstrap(kernel.rootTask(), kernel.bootInfo(), BootstrapConfig.singleLevel(64 << 10))
                .value();
        pool = usePool ? new CapBuddyVka(booted.vka(), PoolConfig.defaults(booted.vspace()).withSpareTrees(0)) : null;
        vka = usePool ? pool : booted.vka();
        var started = Sos.start(vka, booted.tcb(), booted.vspace(), booted.asidPool(), 1 << 18);
        assertThat(started.isOk()).as("%s", started).isTrue();
        sos = started.value();
    }

    /** A new process with 64 KiB of code and 16 KiB of data. */
    public Process process() {
        var p = sos.createProcess(64 << 10, 16 << 10);
        assertThat(p.isOk()).as("%s", p).isTrue();
        return p.value();
    }

    /** The user runtime of {@code p}. */
    public UserContext context(Process p) {
        return new UserContext(p, sos.syscalls(p));
    }

    /**
     * The CapBuddy pool's trees given back so far (0 without the pool). While this stays put, a
     * frame freed and handed out again went round inside the pool without a Retype, so nothing
     * but SOS's frame table zeroed it.
     */
    public long poolTreesReturned() {
        return pool == null ? 0 : pool.pool().stats().treesReturned();
    }

    /** Everything the allocators hold, with reserves and pool spares given back. */
    public String balance() {
        if (sos.frameTable().framesInUse() == 0) {
            assertThat(sos.frameTable().releaseWindowTables().isOk()).isTrue();
        }
        if (pool != null) {
            assertThat(pool.pool().releaseSpares().isOk()).isTrue();
        }
        assertThat(booted.allocman().releaseReserves().isOk()).isTrue();
        String b = booted.allocman().accounting().balanceKey() + " frames=" + sos.frameTable().framesInUse();
        assertThat(booted.allocman().fillReserves().isOk()).isTrue();
        return b;
    }

    /**
     * The balance without giving the frame table's window page tables back, so that a window table
     * an operation left behind shows, with the frames SOS holds, the live processes and the ASIDs
     * assigned. Reserves and pool spares are still settled: they are caches, refilled on demand.
     */
    String strictBalance() {
        if (pool != null) {
            assertThat(pool.pool().releaseSpares().isOk()).isTrue();
        }
        assertThat(booted.allocman().releaseReserves().isOk()).isTrue();
        String b = booted.allocman().accounting().balanceKey() + " frames=" + sos.frameTable().framesInUse()
                + " windowTables=" + sos.frameTable().windowTableCount() + " processes=" + sos.liveProcesses()
                + " asids=" + assignedAsids();
        assertThat(booted.allocman().fillReserves().isOk()).isTrue();
        return b;
    }

    /** The ASIDs the kernel has assigned to VSpaces, in order. */
    List<Integer> assignedAsids() {
        var table = kernel.state().asids();
        var asids = new ArrayList<Integer>();
        for (int i = 0; i < AsidTable.POOLS; i++) {
            var pool = table.pool(i);
            for (int j = 0; pool != null && j < AsidPool.ASIDS_PER_POOL; j++) {
                if (pool.vspace(j) != null) {
                    asids.add(pool.asidBase() + j);
                }
            }
        }
        return asids;
    }

    /** Fails the test if any kernel invariant is broken. */
    public void assertInvariants() {
        var r = kernel.checkInvariants();
        assertThat(r.ok()).as("%s", r).isTrue();
    }
}
