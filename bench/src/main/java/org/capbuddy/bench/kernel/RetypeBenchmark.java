package org.capbuddy.bench.kernel;

import static org.capbuddy.bench.kernel.Checks.check;

import java.util.concurrent.TimeUnit;
import org.capbuddy.kernel.Kernel;
import org.capbuddy.kernel.KernelConfig;
import org.capbuddy.kernel.Sel4;
import org.capbuddy.kernel.api.InvocationLabel;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.boot.BootInfo;
import org.capbuddy.kernel.boot.InitialCap;
import org.capbuddy.kernel.boot.UntypedDescriptor;
import org.capbuddy.kernel.cost.CostSnapshot;
import org.capbuddy.kernel.invariant.InvariantReport;
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
 * Cost of {@code seL4_Untyped_Retype} creating 1024 SmallPage (4 KiB) frames out of a 4 MiB
 * untyped, on a kernel booted with {@link KernelConfig#capBuddy} (fan-out 1024, 18-bit root CNode)
 * on a 1 GiB board.
 *
 * <ul>
 *   <li>{@link #retypeAndRevoke} (main figure): one Retype of 1024 frames into 1024 consecutive
 *       empty root-CNode slots, then one CNode_Revoke of the 4 MiB untyped, which deletes the 1024
 *       frame caps and leaves the state as it was. Because the untyped has no children at each
 *       Retype, the kernel resets it first (watermark to 0, the 4 MiB below the old watermark
 *       zeroed; the model's sparse memory makes zeroing never-written pages cheap).
 *   <li>{@link #retypeOnly}: the Retype alone; the Revoke runs untimed in a
 *       {@code @TearDown(Level.Invocation)}. The operation is tens of microseconds, large enough
 *       that the per-invocation timestamping JMH warns about is a small part of it, but the figure
 *       still includes that overhead and is secondary to the pair.
 * </ul>
 *
 * Every invocation's result is checked (also inside the timed methods: one enum compare), so a
 * failing invocation aborts the run instead of timing an early error return; and at the end of the
 * trial the kernel's own counters must show as many successful Revokes as Retypes since setup,
 * with no invocation errors, and the invariant checker must pass.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
public class RetypeBenchmark {

    /** Physical RAM of the simulated board. */
    static final long RAM_BYTES = 1L << 30;
    static final int UNTYPED_BITS = 22;
    static final int FRAMES = 1024;

    static final long ROOT = InitialCap.INIT_THREAD_CNODE.cptr();
    /** Root CNode cap: 18 radix bits + 46 guard bits, so a full cptr has depth 64. */
    static final long FULL_DEPTH = 64;

    /** A booted kernel with a 4 MiB untyped at {@link #untyped} and 1024 empty slots after it. */
    @State(Scope.Thread)
    public static class Booted {
        Kernel kernel;
        Sel4 sel4;
        /** Slot (= cptr) of the 4 MiB untyped. */
        long untyped;
        /** First of the 1024 destination slots. */
        long firstFrameSlot;
        private CostSnapshot afterSetup;

        @Setup(Level.Trial)
        public void boot() {
            kernel = Kernel.boot(KernelConfig.capBuddy(RAM_BYTES));
            sel4 = kernel.rootTask();
            BootInfo info = kernel.bootInfo();
            UntypedDescriptor big = info.untypedList().stream()
                    .filter(u -> !u.device() && u.sizeBits() >= UNTYPED_BITS)
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException(
                            "no RAM untyped of >= 2^" + UNTYPED_BITS + " bytes"));
            long empty = info.empty().start();
            if (info.empty().size() < 1 + FRAMES) {
                throw new IllegalStateException("not enough empty slots: " + info.empty());
            }
            untyped = empty;
            firstFrameSlot = empty + 1;
            check("Retype 4 MiB Untyped",
                    sel4.untypedRetype(big.cptr(), ObjectType.UNTYPED, UNTYPED_BITS, ROOT, 0, 0, untyped, 1));
            // One full round outside the timed region: proves both invocations succeed.
            check("Retype 1024 frames", retype());
            check("Revoke 4 MiB Untyped", revoke());
            afterSetup = kernel.costs();
        }

        @TearDown(Level.Trial)
        public void verify() {
            CostSnapshot d = kernel.costs().minus(afterSetup);
            long retypes = d.invocations(InvocationLabel.UNTYPED_RETYPE);
            long revokes = d.invocations(InvocationLabel.CNODE_REVOKE);
            // A Retype of 1024 frames is undone by a Revoke, a Retype of one by a Delete.
            long deletes = d.invocations(InvocationLabel.CNODE_DELETE);
            if (retypes == 0 || retypes != revokes + deletes || !d.invocationErrors().isEmpty()
                    || d.objectsCreated().getOrDefault(ObjectType.SMALL_PAGE, 0L) != revokes * FRAMES + deletes) {
                throw new IllegalStateException("benchmark did not do what it claims: " + d);
            }
            InvariantReport report = kernel.checkInvariants();
            if (!report.ok()) {
                throw new IllegalStateException("kernel invariants broken after benchmark: " + report);
            }
        }

        InvocationResult retype() {
            return sel4.untypedRetype(untyped, ObjectType.SMALL_PAGE, 0, ROOT, 0, 0, firstFrameSlot, FRAMES);
        }

        /** One 4 KiB frame into the first destination slot: the shape of allocman's every call. */
        InvocationResult retypeOne() {
            return sel4.untypedRetype(untyped, ObjectType.SMALL_PAGE, 0, ROOT, 0, 0, firstFrameSlot, 1);
        }

        InvocationResult deleteOne() {
            return sel4.cnodeDelete(ROOT, firstFrameSlot, FULL_DEPTH);
        }

        InvocationResult revoke() {
            return sel4.cnodeRevoke(ROOT, untyped, FULL_DEPTH);
        }
    }

    /** {@link Booted}, plus an untimed Revoke after every benchmark invocation. */
    @State(Scope.Thread)
    public static class RevokeAfterEach extends Booted {
        @TearDown(Level.Invocation)
        public void revokeAfter() {
            check("Revoke", revoke());
        }
    }


    /** Main figure: Retype(1024 x 4 KiB frames) + Revoke(untyped). */
    @Benchmark
    public void retypeAndRevoke(Booted s, Blackhole bh) {
        bh.consume(check("Retype", s.retype()));
        bh.consume(check("Revoke", s.revoke()));
    }

    /**
     * One Retype of a single frame and the CNode_Delete of its cap: two invocations, each as
     * small as the kernel's entry allows (the untyped is reset at every Retype, with nothing below
     * its watermark written, so nothing is zeroed). What allocman pays per kernel call, without
     * the caches a large heap misses.
     */
    @Benchmark
    public void retypeOneAndDelete(Booted s, Blackhole bh) {
        bh.consume(check("Retype one", s.retypeOne()));
        bh.consume(check("Delete one", s.deleteOne()));
    }

    /** Retype(1024 x 4 KiB frames) alone; the Revoke runs untimed after each invocation. */
    @Benchmark
    public void retypeOnly(RevokeAfterEach s, Blackhole bh) {
        bh.consume(check("Retype", s.retype()));
    }
}
