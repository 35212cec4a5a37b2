package org.capbuddy.sos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.capbuddy.kernel.host.InterruptionInjector;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.process.ProcessState;
import org.capbuddy.sos.user.MemoryFault;
import org.capbuddy.sos.user.UserContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A page fault interrupted at every step in turn by a Java throwable, a {@link StackOverflowError}
 * or a {@link RuntimeException}, thrown at the N-th interruption point for N = 1, 2, ... until the
 * fault completes with none fired: the kernel's points are the entries of its invocations, made
 * by SOS, the pool and allocman alike; allocman's are the entries of its requests for slots,
 * objects and bookkeeping, made by the pool, SOS and allocman's own managers. Each time, the very throwable reaches the program that
 * touched the page, and the process's pages, SOS's frames and window tables, the allocators'
 * slots, untyped bytes, frames and bookkeeping, the live processes and the ASIDs are exactly as
 * before the touch, the kernel's invariants hold, and the machine is not broken: SOS and the
 * process go on.
 */
class SosInterruptionTest {
    private static final int MAX_STEPS = 3000;
    private static final long MARK = 0x1_7E55_0000L;
    private static final Map<String, Integer> POINTS = new TreeMap<>();

    enum Thrown {
        STACK_OVERFLOW(() -> new StackOverflowError("injected")),
        RUNTIME_EXCEPTION(() -> new IllegalStateException("injected"));

        final Supplier<Throwable> make;

        Thrown(Supplier<Throwable> make) {
            this.make = make;
        }
    }

    enum Injector {
        KERNEL, ALLOCMAN;

        InterruptionInjector of(SosFixture fx) {
            return this == KERNEL ? fx.kernel.interruptions() : fx.booted.allocman().interruptions();
        }
    }

    static Stream<Arguments> cases() {
        Stream.Builder<Arguments> all = Stream.builder();
        for (String vka : new String[] {"pool", "allocman"}) {
            for (Injector injector : Injector.values()) {
                for (Thrown thrown : Thrown.values()) {
                    for (FirstTouches.Touch t : FirstTouches.ALL) {
                        all.add(Arguments.of(vka, injector, thrown, t));
                    }
                }
            }
        }
        return all.build();
    }

    @ParameterizedTest(name = "{0} {1} {2} {3}")
    @MethodSource("cases")
    void aPageFaultInterruptedAtEveryStepLosesNothing(String vka, Injector injector, Thrown thrown,
                                                      FirstTouches.Touch touch) throws MemoryFault {
        SosFixture fx = new SosFixture(vka.equals("pool"));
        var idle = fx.balance();
        int interrupted = 0;
        for (int step = 1; step < MAX_STEPS; step++) {
            InterruptionInjector inj = injector.of(fx);
            Process p = fx.process();
            UserContext ctx = fx.context(p);
            touch.warm().run(ctx);
            int pages = p.shadow().pageCount();
            var before = fx.strictBalance();
            long fired = inj.fired();
            Throwable[] injected = new Throwable[1];
            inj.interruptNth(step, () -> injected[0] = thrown.make.get());
            long addr = touch.target().run(ctx);
            Throwable caught = null;
            try {
                ctx.store(addr, 8, MARK);
            } catch (Throwable t) {
                caught = t;
            }
            inj.disarm();
            String at = vka + " " + injector + " " + thrown + " " + touch + " step " + step + ": " + caught;
            assertThat(fx.kernel.guard().isBroken()).as(at + " broke the machine: %s", fx.kernel.guard().brokenBecause())
                    .isFalse();
            if (inj.fired() == fired) {
                assertThat(caught).as(at).isNull();
                assertThat(ctx.load(addr, 8)).as(at).isEqualTo(MARK);
                assertThat(interrupted).as("%s: a fault that allocates has steps to interrupt", at).isPositive();
                POINTS.put(vka + ", " + injector + ", " + thrown + ", " + touch, interrupted);
                assertThat(fx.sos.destroy(p).isOk()).isTrue();
                assertThat(fx.balance()).as(at).isEqualTo(idle);
                fx.assertInvariants();
                return;
            }
            interrupted++;
            assertThat(caught).as("%s: the injected throwable itself reaches the program", at).isSameAs(injected[0]);
            assertThat(p.state()).as(at).isEqualTo(ProcessState.RUNNING);
            assertThat(p.shadow().pageCount()).as(at).isEqualTo(pages);
            assertThat(fx.strictBalance()).as(at).isEqualTo(before);
            fx.assertInvariants();
            assertThat(fx.sos.destroy(p).isOk()).as(at).isTrue();
            assertThat(fx.balance()).as(at).isEqualTo(idle);
        }
        throw new AssertionError(touch + " never completed");
    }

    static Stream<Arguments> setups() {
        Stream.Builder<Arguments> all = Stream.builder();
        for (String vka : new String[] {"pool", "allocman"}) {
            for (Injector injector : Injector.values()) {
                for (Thrown thrown : Thrown.values()) {
                    all.add(Arguments.of(vka, injector, thrown));
                }
            }
        }
        return all.build();
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("setups")
    void processCreationInterruptedAtEveryStepLosesNothing(String vka, Injector injector, Thrown thrown)
            throws MemoryFault {
        SosFixture fx = new SosFixture(vka.equals("pool"));
        var idle = fx.strictBalance();
        for (int step = 1; step < MAX_STEPS; step++) {
            InterruptionInjector inj = injector.of(fx);
            long fired = inj.fired();
            Throwable[] injected = new Throwable[1];
            inj.interruptNth(step, () -> injected[0] = thrown.make.get());
            Throwable caught = null;
            Process p = null;
            try {
                p = fx.sos.createProcess(64 << 10, 16 << 10).value();
            } catch (Throwable t) {
                caught = t;
            }
            inj.disarm();
            String at = vka + " " + injector + " " + thrown + " process creation step " + step + ": " + caught;
            assertThat(fx.kernel.guard().isBroken()).as(at + ": %s", fx.kernel.guard().brokenBecause()).isFalse();
            if (inj.fired() == fired) {
                assertThat(p).as(at).isNotNull();
                assertThat(p.pid()).as("failed attempts use up no pid").isEqualTo(1);
                UserContext ctx = fx.context(p);
                ctx.store(Layout.STACK_TOP - 8, 8, MARK);
                assertThat(fx.sos.destroy(p).isOk()).isTrue();
                POINTS.put(vka + ", " + injector + ", " + thrown + ", process creation", step - 1);
                assertThat(step).as("process creation has steps to interrupt").isGreaterThan(1);
                return;
            }
            assertThat(caught).as(at).isSameAs(injected[0]);
            assertThat(fx.strictBalance()).as(at).isEqualTo(idle);
            fx.assertInvariants();
        }
        throw new AssertionError("process creation never completed");
    }

    @AfterAll
    static void summary() {
        int points = POINTS.values().stream().mapToInt(Integer::intValue).sum();
        System.out.printf("sos interruption: %d cases, %d interruption points, each leaving the balance as it was%n",
                POINTS.size(), points);
    }
}
