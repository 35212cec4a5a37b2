package org.capbuddy.bench.kernel;

import static org.capbuddy.bench.kernel.Checks.check;

import java.util.concurrent.TimeUnit;
import org.capbuddy.kernel.Kernel;
import org.capbuddy.kernel.KernelConfig;
import org.capbuddy.kernel.Sel4;
import org.capbuddy.kernel.cpu.UserCpu;
import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.api.Sel4Error;
import org.capbuddy.kernel.api.VmAttributes;
import org.capbuddy.kernel.boot.InitialCap;
import org.capbuddy.kernel.boot.UntypedDescriptor;
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

/**
 * Cost of one 8-byte user access through {@link UserCpu} (the root task's thread, its own VSpace)
 * on a kernel booted with {@link KernelConfig#capBuddy} on a 1 GiB board.
 *
 * <ul>
 *   <li>{@link #readHit} / {@link #writeHit}: the {@code read}/{@code write} API on
 *       one mapped read-write page, the same address each time: every access is a TLB hit.
 *       {@link #readHitField} / {@link #writeHitField}: the same with the address read from a
 *       field, so that the JIT cannot fold the page arithmetic of a constant address.
 *   <li>{@link #readMiss}: reads sweeping {@link #PAGES} consecutive mapped pages, twice the TLB's
 *       entries, so each page's direct-mapped slot has been taken by the page {@code TLB_ENTRIES}
 *       further on since its last use: every access misses and does a full 4-level MMU walk.
 *   <li>{@link #zeroThenWrite}: a one-page zero {@code fill} and an 8-byte store to the same page,
 *       both TLB hits: what every demand-paging fault does to its frame (SOS zeroes it, the user
 *       stores to it). The fill takes the page's backing away and the store gives it backing again.
 * </ul>
 *
 * Every benchmark method checks the access succeeded, and at the end of the trial the CPU's
 * counters must show what the benchmark claims (no miss at all in the hit state; no hit at all in
 * the miss state).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Fork(1)
@Warmup(iterations = 3, time = 1, timeUnit = TimeUnit.SECONDS)
@Measurement(iterations = 5, time = 1, timeUnit = TimeUnit.SECONDS)
public class UserAccessBenchmark {
    static final long RAM_BYTES = 1L << 30;
    /** 64 GiB: far from the root task's image, IPC buffer and boot info frame. */
    static final long VADDR = 0x10_0000_0000L;
    static final long PAGE = 1L << 12;
    /** Pages of the miss sweep: twice the TLB, so every access misses. */
    static final int PAGES = 2 * UserCpu.TLB_ENTRIES;

    static final long ROOT = InitialCap.INIT_THREAD_CNODE.cptr();
    static final long VSPACE = InitialCap.INIT_THREAD_VSPACE.cptr();
    static final long TCB = InitialCap.INIT_THREAD_TCB.cptr();

    /** A kernel with {@code pages} read-write pages mapped at {@link #VADDR} in the root VSpace. */
    abstract static class Mapped {
        Kernel kernel;
        Sel4 sel4;
        UserCpu cpu;
        long hitsAfterSetup;
        long missesAfterSetup;

        void boot(int pages) {
            kernel = Kernel.boot(KernelConfig.capBuddy(RAM_BYTES));
            sel4 = kernel.rootTask();
            UntypedDescriptor ram = kernel.bootInfo().untypedList().stream()
                    .filter(u -> !u.device() && u.sizeBits() >= 22)
                    .findFirst()
                    .orElseThrow(() -> new IllegalStateException("no RAM untyped of >= 4 MiB"));
            long slot = kernel.bootInfo().empty().start();
            for (int i = 0; i < pages; i++) {
                long frame = slot++;
                check("Retype frame", sel4.untypedRetype(ram.cptr(), ObjectType.SMALL_PAGE, 0, ROOT, 0, 0, frame, 1));
                InvocationResult r = map(frame, VADDR + i * PAGE);
                while (r.error() == Sel4Error.FAILED_LOOKUP && r.capFault() == null) {
                    long table = slot++;
                    check("Retype page table",
                            sel4.untypedRetype(ram.cptr(), ObjectType.PAGE_TABLE, 0, ROOT, 0, 0, table, 1));
                    check("PageTable_Map", sel4.pageTableMap(table, VSPACE, VADDR + i * PAGE, VmAttributes.DEFAULT));
                    r = map(frame, VADDR + i * PAGE);
                }
                check("Page_Map", r);
            }
            cpu = sel4.cpu(TCB).orElseThrow();
            for (int i = 0; i < pages; i++) {
                // back every page, so reads reach a real array
                if (!cpu.write(VADDR + i * PAGE + 8, 8, 0x0123_4567_89AB_CDEFL + i)) {
                    throw new IllegalStateException("setup store faulted: " + cpu.failure());
                }
            }
        }

        InvocationResult map(long frame, long vaddr) {
            return sel4.pageMap(frame, VSPACE, vaddr, CapRights.READ_WRITE, VmAttributes.DEFAULT);
        }

        void markSetupDone() {
            hitsAfterSetup = cpu.tlbHits();
            missesAfterSetup = cpu.tlbMisses();
        }
    }

    /** One page, already in the TLB. */
    @State(Scope.Thread)
    public static class Hit extends Mapped {
        /**
         * The address the {@code *HitField} benchmarks use, read from this field each time so the
         * JIT cannot fold the page arithmetic as it can for a constant (a program's addresses are
         * not constants).
         */
        long vaddr = VADDR + 8;

        @Setup(Level.Trial)
        public void setup() {
            boot(1);
            cpu.read(VADDR, 8);
            markSetupDone();
        }

        @TearDown(Level.Trial)
        public void verify() {
            long misses = cpu.tlbMisses() - missesAfterSetup;
            if (misses != 0 || cpu.tlbHits() == hitsAfterSetup) {
                throw new IllegalStateException("expected only TLB hits, got " + misses + " misses");
            }
        }
    }

    /** {@link #PAGES} pages swept in order: every access misses. */
    @State(Scope.Thread)
    public static class Miss extends Mapped {
        int next;

        @Setup(Level.Trial)
        public void setup() {
            boot(PAGES);
            markSetupDone();
        }

        long nextVaddr() {
            int i = next;
            next = (i + 1) & (PAGES - 1);
            return VADDR + i * PAGE + 8;
        }

        @TearDown(Level.Trial)
        public void verify() {
            long hits = cpu.tlbHits() - hitsAfterSetup;
            long misses = cpu.tlbMisses() - missesAfterSetup;
            if (hits != 0 || misses == 0) {
                throw new IllegalStateException("expected only TLB misses, got " + hits + " hits");
            }
        }
    }

    private static long checked(UserCpu cpu, long value) {
        if (cpu.failed()) {
            throw new IllegalStateException("access faulted: " + cpu.failure());
        }
        return value;
    }

    @Benchmark
    public long readHit(Hit s) {
        return checked(s.cpu, s.cpu.read(VADDR + 8, 8));
    }

    @Benchmark
    public boolean writeHit(Hit s) {
        boolean ok = s.cpu.write(VADDR + 16, 8, 0x5555_AAAA_5555_AAAAL);
        if (!ok) {
            throw new IllegalStateException("store faulted: " + s.cpu.failure());
        }
        return ok;
    }

    @Benchmark
    public long readHitField(Hit s) {
        return checked(s.cpu, s.cpu.read(s.vaddr, 8));
    }

    @Benchmark
    public boolean writeHitField(Hit s) {
        boolean ok = s.cpu.write(s.vaddr, 8, 0x5555_AAAA_5555_AAAAL);
        if (!ok) {
            throw new IllegalStateException("store faulted: " + s.cpu.failure());
        }
        return ok;
    }

    @Benchmark
    public boolean zeroThenWrite(Hit s) {
        if (s.cpu.fill(VADDR, PAGE, (byte) 0) != PAGE) {
            throw new IllegalStateException("fill faulted: " + s.cpu.failure());
        }
        boolean ok = s.cpu.write(VADDR + 24, 8, 0x0F0F_F0F0_0F0F_F0F0L);
        if (!ok) {
            throw new IllegalStateException("store faulted: " + s.cpu.failure());
        }
        return ok;
    }

    @Benchmark
    public long readMiss(Miss s) {
        return checked(s.cpu, s.cpu.read(s.nextVaddr(), 8));
    }
}
