package org.capbuddy.bench.capbuddy;

import static org.capbuddy.bench.capbuddy.Checks.ok;
import static org.capbuddy.bench.capbuddy.Checks.require;

import java.util.concurrent.TimeUnit;
import org.capbuddy.kernel.Kernel;
import org.capbuddy.kernel.api.InvocationLabel;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.cost.CostSnapshot;
import org.capbuddy.kernel.invariant.InvariantReport;
import org.capbuddy.libos.allocman.AllocmanVka;
import org.capbuddy.libos.bootstrap.Booted;
import org.capbuddy.libos.machine.AllocatorBalance;
import org.capbuddy.libos.machine.LibosMachine;
import org.capbuddy.libos.machine.MachineConfig;
import org.capbuddy.libos.vka.VkaObject;
import org.capbuddy.libos.vka.VkaObjects;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.Blackhole;

/**
 * For comparison with {@link PoolBenchmark}: a 4 KiB frame through plain allocman (no pool),
 * {@code VkaObjects.allocFrame(booted.vka(), 12)} (slot from the single-level cspace manager,
 * 4 KiB from the split untyped manager, one Untyped_Retype) and {@code VkaObjects.free}
 * (CNode_Delete, untyped and slot given back), on a kernel in the CapBuddy configuration on a
 * 1 GiB board with a single-level CSpace, warmed by {@link #WARM_ROUNDS} untimed pairs.
 *
 * <p>The split untyped manager splits a larger untyped down to 4 KiB on each allocation (one
 * Retype per level) and merges it back on free (one CNode_Delete per level), so a pair is several
 * Retypes and Deletes; the teardown prints how many.
 *
 * <p>Results are checked inside the timed method; after the trial the kernel's counters must
 * show SmallPages created, every Retype (frame or untyped split) matched by a CNode_Delete and no
 * invocation errors since setup, allocman's balance must be what it was after setup, and the
 * kernel's invariants must hold.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
public class PlainAllocmanFrameBenchmark {

    static final long RAM_BYTES = 1L << 30;
    static final int WARM_ROUNDS = 1000;

    @State(Scope.Thread)
    public static class System1GiB {
        Kernel kernel;
        Booted booted;
        AllocmanVka vka;
        private CostSnapshot afterSetup;
        private AllocatorBalance balanceAfterSetup;
        private LibosMachine machine;

        @Setup(Level.Trial)
        public void setUp() {
            machine = ok("boot", LibosMachine.boot(MachineConfig.original(RAM_BYTES).withoutPool()));
            kernel = machine.kernel();
            booted = machine.booted();
            vka = booted.vka();
            require(!vka.hasPool(), "plain allocman vka has no frame pool");
            for (int i = 0; i < WARM_ROUNDS; i++) {
                VkaObject f = ok("allocFrame #" + i, VkaObjects.allocFrame(vka, 12));
                require(f.type() == ObjectType.SMALL_PAGE && !f.isPoolFrame(), "a plain SmallPage: " + f);
                ok("free frame #" + i, VkaObjects.free(vka, f));
            }
            balanceAfterSetup = machine.balance();
            afterSetup = kernel.costs();
        }

        @TearDown(Level.Trial)
        public void verify() {
            CostSnapshot d = kernel.costs().minus(afterSetup);
            long retypes = d.invocations(InvocationLabel.UNTYPED_RETYPE);
            long deletes = d.invocations(InvocationLabel.CNODE_DELETE);
            long frames = d.objectsCreated().getOrDefault(ObjectType.SMALL_PAGE, 0L);
            long untypeds = d.objectsCreated().getOrDefault(ObjectType.UNTYPED, 0L);
            require(frames > 0 && retypes == deletes && retypes == frames + untypeds && d.invocationErrors().isEmpty(),
                    "every Retype (frame or untyped split) matched by a Delete, no errors: " + d);
            System.out.printf("%n[PlainAllocman] %d pairs since setup: %.2f Retypes (1 frame + %.2f untyped splits) "
                    + "and as many CNode_Deletes per pair, %.0f bytes zeroed per pair%n", frames,
                    retypes / (double) frames, untypeds / (double) frames, d.bytesZeroed() / (double) frames);
            AllocatorBalance leaked = machine.balance().diff(balanceAfterSetup);
            require(leaked.isZero(), "allocman balance unchanged: " + leaked);
            InvariantReport report = kernel.checkInvariants();
            require(report.ok(), "kernel invariants: " + report);
        }
    }

    /** VkaObjects.allocFrame(vka, 12) + VkaObjects.free through plain allocman. */
    @Benchmark
    public void allocFree4k(System1GiB s, Blackhole bh) {
        VkaObject frame = ok("VkaObjects.allocFrame(12)", VkaObjects.allocFrame(s.vka, 12));
        bh.consume(frame);
        bh.consume(ok("VkaObjects.free", VkaObjects.free(s.vka, frame)));
    }
}
