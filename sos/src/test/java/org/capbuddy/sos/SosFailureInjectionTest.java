package org.capbuddy.sos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.capbuddy.kernel.host.FailureInjector;
import org.capbuddy.kernel.cpu.AccessKind;
import org.capbuddy.libos.vka.AllocError;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.machine.Balance;
import org.capbuddy.sos.addrspace.Region;
import org.capbuddy.sos.addrspace.RegionKind;
import org.capbuddy.sos.process.KillReport;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.process.ProcessState;
import org.capbuddy.sos.user.MemoryFault;
import org.capbuddy.sos.user.UserContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * SOS's allocating operations failed at every step in turn: process creation, and the page fault
 * that first touches memory (fresh page tables at every level, a frame only, the heap after brk,
 * an mmap region, the stack, a frame that needs a new table in SOS's frame window). brk and mmap
 * only move region bounds; the memory they give is allocated by that first touch. The failure
 * comes from the kernel refusing its N-th allocating invocation or from allocman refusing its
 * N-th slot, object or bookkeeping request, with and without the CapBuddy pool, for N = 1, 2, ...
 * until the operation succeeds with nothing failed.
 *
 * <p>Every failure must give a clear error (a failed Result naming the cause; for a page fault, a
 * kill with an "out of memory" report) and leave slots, untyped bytes, frames, mspace bytes, SOS's
 * window page tables, the live processes and the assigned ASIDs exactly as they were, with the
 * kernel's invariants intact. Killing the process is SOS's answer to memory it cannot provide:
 * the fault cannot be resumed without the page, and a process left blocked on a fault would
 * hold its memory with no one to wake it. An injected failure the operation survives (one of
 * allocman's reserves serves the request instead) is a success, counted apart.
 *
 * <p>Beside these: brk, mmap and munmap take nothing from the allocators and their refusals
 * change nothing, and teardown takes nothing, so a lack of memory cannot make it fail.
 */
class SosFailureInjectionTest {
    private static final int MAX_STEPS = 3000;
    private static final long MARK = 0x5EED_F00D_CAFEL;
    /** Failure points exercised, by case, for the summary printed at the end. */
    private static final Map<String, Integer> POINTS = new TreeMap<>();
    /** Injected failures the operation survived (allocman's reserves served the request instead). */
    private static int absorbedInAll;

    enum Injector {
        KERNEL, ALLOCMAN;

        FailureInjector of(SosFixture fx) {
            return this == KERNEL ? fx.kernel.failureInjector() : fx.booted.allocman().failures();
        }
    }

    static Stream<Arguments> touches() {
        Stream.Builder<Arguments> all = Stream.builder();
        for (boolean usePool : new boolean[] {true, false}) {
            for (Injector injector : Injector.values()) {
                for (FirstTouches.Touch t : FirstTouches.ALL) {
                    all.add(Arguments.of(usePool ? "pool" : "allocman", injector, t));
                }
            }
        }
        return all.build();
    }

    static Stream<Arguments> setups() {
        Stream.Builder<Arguments> all = Stream.builder();
        for (String vka : new String[] {"pool", "allocman"}) {
            for (Injector injector : Injector.values()) {
                all.add(Arguments.of(vka, injector));
            }
        }
        return all.build();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("setups")
    void processCreationFailedAtEveryStepLeavesNothing(String vka, Injector injector) throws MemoryFault {
        SosFixture fx = new SosFixture(vka.equals("pool"));
        FailureInjector inj = injector.of(fx);
        var idle = fx.strictBalance();
        var idleSettled = fx.balance();
        int failures = 0;
        int absorbed = 0;
        int created = 0;
        for (int step = 1; step < MAX_STEPS; step++) {
            inj.failNth(step);
            Result<Process> r = fx.sos.createProcess(64 << 10, 16 << 10);
            boolean injected = !inj.armed();
            disarm(fx);
            String at = vka + " " + injector + " step " + step + ": " + r;
            if (!r.isOk()) {
                failures++;
                assertThat(injected).as("failed with no injected failure, %s", at).isTrue();
                assertClear(r.error(), at);
                assertThat(fx.sos.liveProcesses()).as(at).isZero();
                assertThat(fx.strictBalance()).as(at).isEqualTo(idle);
                fx.assertInvariants();
                continue;
            }
            created++;
            Process p = r.value();
            // Failed attempts must not use up process ids.
            assertThat(p.pid()).as(at).isEqualTo(created);
            assertThat(fx.sos.liveProcesses()).as(at).isEqualTo(1);
            assertThat(fx.strictBalance().diff(idle).asids()).as(at).isEqualTo(1);
            UserContext ctx = fx.context(p);
            ctx.store(Layout.STACK_TOP - 8, 8, MARK);
            assertThat(ctx.load(Layout.STACK_TOP - 8, 8)).isEqualTo(MARK);
            assertThat(fx.sos.destroy(p).isOk()).isTrue();
            assertThat(fx.balance()).as(at).isEqualTo(idleSettled);
            fx.assertInvariants();
            if (injected) {
                absorbed++;
            } else {
                record("process creation, " + vka + ", " + injector, failures, absorbed, true);
                shutDownCleanly(fx, idleSettled);
                return;
            }
        }
        throw new AssertionError("process creation never succeeded");
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("touches")
    void pageFaultFailedAtEveryStepKillsWithAReportAndLeavesNothing(String vka, Injector injector, FirstTouches.Touch touch)
            throws MemoryFault {
        SosFixture fx = new SosFixture(vka.equals("pool"));
        var idle = fx.balance();
        int failures = 0;
        int absorbed = 0;
        for (int step = 1; step < MAX_STEPS; step++) {
            FailureInjector inj = injector.of(fx);
            Process p = fx.process();
            UserContext ctx = fx.context(p);
            touch.warm().run(ctx);
            int pages = p.shadow().pageCount();
            int tables = p.shadow().structureCount();
            int windowTables = fx.sos.frameTable().windowTableCount();
            long kills = fx.sos.faultHandler().kills();
            var before = fx.strictBalance();
            inj.failNth(step);
            long addr = touch.target().run(ctx);
            MemoryFault fault = null;
            try {
                ctx.store(addr, 8, MARK);
            } catch (MemoryFault f) {
                fault = f;
            }
            boolean injected = !inj.armed();
            disarm(fx);
            String at = vka + " " + injector + " " + touch + " step " + step + ": " + fault;
            if (fault == null) {
                assertThat(ctx.load(addr, 8)).as(at).isEqualTo(MARK);
                assertThat(p.shadow().structureCount() - tables).as(at).isEqualTo(touch.newTables());
                assertThat(p.shadow().pageCount() - pages).as(at).isEqualTo(1);
                assertThat(fx.sos.frameTable().windowTableCount() - windowTables).as(at)
                        .isEqualTo(touch.newWindowTables());
            } else {
                failures++;
                assertThat(injected).as("failed with no injected failure, %s", at).isTrue();
                assertKilledForMemory(fx, p, fault, addr, touch.region(), at);
                assertThat(fx.sos.faultHandler().kills()).as(at).isEqualTo(kills + 1);
                assertThat(p.shadow().pageCount()).as(at).isEqualTo(pages);
                assertThat(p.shadow().structureCount()).as(at).isEqualTo(tables);
                // The killed process still counts as live (SOS has not torn it down yet); what
                // the failed fault took must all be back.
                assertThat(fx.strictBalance()).as(at).isEqualTo(before);
            }
            fx.assertInvariants();
            assertThat(fx.sos.destroy(p).isOk()).as(at).isTrue();
            assertThat(fx.balance()).as(at).isEqualTo(idle);
            fx.assertInvariants();
            if (fault == null && !injected) {
                // With the pool, a frame comes from a tree already made and its cap copy's slot
                // from a CNode already there: a touch that needs no page table makes no kernel
                // allocation at all, so the kernel's switch has nothing to fail.
                boolean kernelFree = injector == Injector.KERNEL && vka.equals("pool") && touch.newTables() == 0
                        && touch.newWindowTables() == 0;
                record(touch + ", " + vka + ", " + injector, failures, absorbed, !kernelFree);
                shutDownCleanly(fx, idle);
                return;
            }
            if (fault == null) {
                // An injected failure the fault survived (one of allocman's reserves served it).
                // The frame table now reuses its references in another order, so the next step
                // might not reach the same frame; go on from a fresh SOS in the same state.
                absorbed++;
                fx = new SosFixture(vka.equals("pool"));
                assertThat(fx.balance()).isEqualTo(idle);
            }
        }
        throw new AssertionError(touch + " never succeeded");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vkas")
    void brkAndMmapAllocateNothingAndTheirRefusalsChangeNothing(String vka) throws MemoryFault {
        SosFixture fx = new SosFixture(vka.equals("pool"));
        Process p = fx.process();
        UserContext ctx = fx.context(p);
        FirstTouches.touchData(ctx);
        long base = ctx.brk(0);
        ctx.brk(base + 5 * Layout.PAGE);
        ctx.store(base + 4 * Layout.PAGE, 8, MARK);
        long mapped = ctx.sys().mmap(2 * Layout.PAGE).value();
        ctx.store(mapped, 8, MARK);
        var before = fx.strictBalance();
        // Armed at the first step, both switches must still be armed after the calls: they take
        // nothing from the allocators, whatever the outcome.
        fx.kernel.failureInjector().failNth(1);
        fx.booted.allocman().failures().failNth(1);
        var regions = p.addressSpace().regions();
        long brk = ctx.brk(0);
        long[] badBreaks = {base - 1, 0x1L << 62, Long.MAX_VALUE, Long.MIN_VALUE, mapped + Layout.PAGE,
            Layout.STACK_BASE + 8};
        for (long bad : badBreaks) {
            assertThat(ctx.brk(bad)).as("brk(0x%x) refused", bad).isEqualTo(brk);
            assertThat(p.addressSpace().regions()).as("brk(0x%x)", bad).isEqualTo(regions);
        }
        long[] badLengths = {0, -1, -Layout.PAGE, (1L << 36) + 1, Long.MAX_VALUE, Long.MIN_VALUE};
        for (long bad : badLengths) {
            SysResult r = ctx.sys().mmap(bad);
            assertThat(r.isOk()).as("mmap(%d)", bad).isFalse();
            assertThat(r.errno()).isEqualTo(Errno.EINVAL);
            assertThat(r.detail()).contains("mmap length");
        }
        long[][] badUnmaps = {{mapped + 1, Layout.PAGE}, {mapped, 0}, {mapped, -Layout.PAGE}, {mapped, Long.MAX_VALUE},
            {Layout.CODE_BASE, Layout.PAGE}, {Layout.STACK_BASE, Layout.PAGE}, {-Layout.PAGE, 2 * Layout.PAGE},
            {Long.MIN_VALUE, Layout.PAGE}, {Long.MAX_VALUE & -Layout.PAGE, Layout.PAGE}, {0x7000_0000L, Layout.PAGE}};
        for (long[] bad : badUnmaps) {
            SysResult r = ctx.sys().munmap(bad[0], bad[1]);
            assertThat(r.isOk()).as("munmap(0x%x, %d)", bad[0], bad[1]).isFalse();
            assertThat(r.errno()).isEqualTo(Errno.EINVAL);
            assertThat(r.detail()).isNotBlank();
        }
        long[][] badWrites = {{Long.MAX_VALUE - 2, 8}, {-8, 16}, {Layout.USER_TOP - 4, 8}, {0x7000_0000L, 8}};
        for (long[] bad : badWrites) {
            SysResult r = ctx.sys().write(bad[0], (int) bad[1]);
            assertThat(r.isOk()).as("write(0x%x, %d)", bad[0], bad[1]).isFalse();
            assertThat(r.errno()).isEqualTo(Errno.EFAULT);
            assertThat(r.detail()).contains("bad buffer");
            assertThat(p.state()).as("write(0x%x, %d)", bad[0], bad[1]).isEqualTo(ProcessState.RUNNING);
        }
        assertThat(p.addressSpace().regions()).isEqualTo(regions);
        // Successful moves of the break and a new mmap region allocate nothing either.
        assertThat(ctx.brk(brk + 64 * Layout.PAGE)).isEqualTo(brk + 64 * Layout.PAGE);
        assertThat(ctx.brk(brk)).isEqualTo(brk);
        SysResult more = ctx.sys().mmap(1L << 30);
        assertThat(more.isOk()).as("%s", more).isTrue();
        assertThat(ctx.sys().munmap(more.value(), 1L << 30).isOk()).isTrue();
        assertThat(fx.kernel.failureInjector().armed()).as("kernel switch still armed").isTrue();
        assertThat(fx.booted.allocman().failures().armed()).as("allocman switch still armed").isTrue();
        disarm(fx);
        assertThat(p.state()).isEqualTo(ProcessState.RUNNING);
        assertThat(p.addressSpace().regions()).isEqualTo(regions);
        assertThat(ctx.load(base + 4 * Layout.PAGE, 8)).isEqualTo(MARK);
        assertThat(ctx.load(mapped, 8)).isEqualTo(MARK);
        assertThat(ctx.load(FirstTouches.dataBase(ctx), 8)).isEqualTo(1);
        assertThat(fx.strictBalance()).isEqualTo(before);
        fx.assertInvariants();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("vkas")
    void teardownAllocatesNothing(String vka) throws MemoryFault {
        SosFixture fx = new SosFixture(vka.equals("pool"));
        var idle = fx.balance();
        Process p = fx.process();
        UserContext ctx = fx.context(p);
        FirstTouches.touchData(ctx);
        ctx.store(Layout.STACK_TOP - 8, 8, MARK);
        long at = ctx.sys().mmap(Layout.PAGE).value();
        ctx.store(at, 8, MARK);
        long kernelAttempts = fx.kernel.failureInjector().attempts();
        long allocmanAttempts = fx.booted.allocman().failures().attempts();
        assertThat(fx.sos.destroy(p).isOk()).isTrue();
        // Nothing in teardown can be failed by a lack of memory: it only gives back.
        assertThat(fx.kernel.failureInjector().attempts()).isEqualTo(kernelAttempts);
        assertThat(fx.booted.allocman().failures().attempts()).isEqualTo(allocmanAttempts);
        assertThat(fx.balance()).isEqualTo(idle);
        fx.assertInvariants();
    }

    static Stream<String> vkas() {
        return Stream.of("pool", "allocman");
    }

    private static void assertKilledForMemory(SosFixture fx, Process p, MemoryFault fault, long addr, RegionKind region,
                                              String at) {
        assertThat(p.state()).as(at).isEqualTo(ProcessState.KILLED);
        KillReport report = p.killReport();
        assertThat(report.address()).as(at).isEqualTo(addr);
        assertThat(report.access()).as(at).isEqualTo(AccessKind.WRITE);
        assertThat(report.region()).as(at).isEqualTo(region.label());
        assertThat(report.reason()).as(at).startsWith("out of memory: ");
        assertThat(report.signal()).as("SIGKILL, as from Linux's OOM killer").isEqualTo(9);
        assertThat(report.reason()).as(at).containsAnyOf("injected failure", "NotEnoughMemory", "NOT_ENOUGH_MEMORY");
        assertThat(fault.getMessage()).as(at).contains("out of memory");
        assertThat(fx.sos.console()).as(at).contains("[sos] process " + p.pid() + " killed");
    }

    /** A failed Result names an out-of-memory kind and its cause: allocman's injected refusal or the kernel's error. */
    private static void assertClear(AllocError error, String at) {
        assertThat(error.kind()).as(at).isIn(AllocErrorKind.OUT_OF_SLOTS, AllocErrorKind.OUT_OF_MEMORY,
                AllocErrorKind.OUT_OF_BOOKKEEPING, AllocErrorKind.KERNEL);
        assertThat(error.detail()).as(at).containsAnyOf("injected failure", "NotEnoughMemory", "NOT_ENOUGH_MEMORY");
    }

    private static void disarm(SosFixture fx) {
        fx.kernel.failureInjector().disarm();
        fx.booted.allocman().failures().disarm();
    }

    /** After the run SOS still serves a process, and shuts down to the balance it started from. */
    private static void shutDownCleanly(SosFixture fx, Balance idle) throws MemoryFault {
        Process p = fx.process();
        UserContext ctx = fx.context(p);
        ctx.store(Layout.STACK_TOP - 8, 8, MARK);
        assertThat(ctx.load(Layout.STACK_TOP - 8, 8)).isEqualTo(MARK);
        assertThat(fx.sos.destroy(p).isOk()).isTrue();
        assertThat(fx.balance()).isEqualTo(idle);
        assertThat(fx.sos.shutdown().isOk()).isTrue();
        fx.assertInvariants();
    }

    private static void record(String name, int failures, int absorbed, boolean allocates) {
        if (allocates) {
            assertThat(failures).as("%s: an operation that allocates must have failed at least once", name).isPositive();
        } else {
            assertThat(failures).as("%s: nothing to fail", name).isZero();
        }
        POINTS.put(name, failures);
        absorbedInAll += absorbed;
        System.out.printf("sos failure points: %s: %d failed, %d more injected failures absorbed%n", name, failures,
                absorbed);
    }

    @AfterAll
    static void summary() {
        int points = POINTS.values().stream().mapToInt(Integer::intValue).sum();
        System.out.printf("sos fault injection: %d cases, %d failure points (%d injected failures in all, %d of them"
                + " absorbed: the operation still succeeded)%n", POINTS.size(), points, points + absorbedInAll,
                absorbedInAll);
    }
}
