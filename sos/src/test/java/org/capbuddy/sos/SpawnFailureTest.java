package org.capbuddy.sos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.capbuddy.kernel.host.FailureInjector;
import org.capbuddy.kernel.host.InterruptionInjector;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.process.Process;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link Sos#spawn} failed, then interrupted by a throwable, at every step in turn: the kernel
 * refusing its N-th allocating invocation or allocman its N-th request (or throwing there), for
 * N = 1, 2, ... until spawn succeeds with nothing injected. The steps cover making the process's
 * objects and the first touch of its stack pages, after which a failure must destroy the process
 * again. Every failure is a clear error, every throwable reaches the caller as itself, and each
 * leaves no process and the balance as it was, with the machine intact.
 */
class SpawnFailureTest {
    private static final int MAX_STEPS = 500;

    static Stream<Arguments> setups() {
        Stream.Builder<Arguments> all = Stream.builder();
        for (String vka : new String[] {"pool", "allocman"}) {
            for (String injector : new String[] {"kernel", "allocman"}) {
                all.add(Arguments.of(vka, injector));
            }
        }
        return all.build();
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("setups")
    void spawnFailedAtEveryStepLeavesNothing(String vka, String injector) {
        SosFixture fx = new SosFixture(vka.equals("pool"));
        FailureInjector inj = injector.equals("kernel") ? fx.kernel.failureInjector()
                : fx.booted.allocman().failures();
        byte[] hello = TestElf.program("hello.elf");
        var idle = fx.balance();
        int failures = 0;
        for (int step = 1; step < MAX_STEPS; step++) {
            inj.failNth(step);
            Result<Process> r = fx.sos.spawn(hello, List.of("hello"), List.of(), step);
            boolean injected = !inj.armed();
            inj.disarm();
            String at = vka + " " + injector + " step " + step + ": " + r;
            if (r.isOk()) {
                assertStarted(fx, r.value(), at);
                assertThat(fx.sos.destroy(r.value()).isOk()).isTrue();
                assertThat(fx.balance()).as(at).isEqualTo(idle);
                if (!injected) {
                    assertThat(failures).as("%s: spawn allocates, so it must have failed", at).isPositive();
                    System.out.printf("sos spawn failure points, %s, %s: %d%n", vka, injector, failures);
                    fx.assertInvariants();
                    return;
                }
                continue;
            }
            failures++;
            assertThat(injected).as("failed with nothing injected, %s", at).isTrue();
            assertThat(r.error().kind()).as(at).isIn(AllocErrorKind.OUT_OF_SLOTS, AllocErrorKind.OUT_OF_MEMORY,
                    AllocErrorKind.OUT_OF_BOOKKEEPING, AllocErrorKind.KERNEL);
            assertThat(r.error().detail()).as(at).containsAnyOf("injected failure", "NotEnoughMemory",
                    "NOT_ENOUGH_MEMORY");
            assertThat(fx.sos.liveProcesses()).as(at).isZero();
            assertThat(fx.balance()).as(at).isEqualTo(idle);
            fx.assertInvariants();
        }
        throw new AssertionError("spawn never succeeded");
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("setups")
    void spawnInterruptedAtEveryStepLosesNothing(String vka, String injector) {
        SosFixture fx = new SosFixture(vka.equals("pool"));
        byte[] hello = TestElf.program("hello.elf");
        var idle = fx.balance();
        int interrupted = 0;
        for (int step = 1; step < MAX_STEPS; step++) {
            InterruptionInjector inj = injector.equals("kernel") ? fx.kernel.interruptions()
                    : fx.booted.allocman().interruptions();
            long fired = inj.fired();
            Throwable[] injected = new Throwable[1];
            Supplier<Throwable> make = step % 2 == 0 ? () -> new StackOverflowError("injected")
                    : () -> new IllegalStateException("injected");
            inj.interruptNth(step, () -> injected[0] = make.get());
            Throwable caught = null;
            Process p = null;
            try {
                p = fx.sos.spawn(hello, List.of("hello"), List.of(), step).value();
            } catch (Throwable t) {
                caught = t;
            }
            inj.disarm();
            String at = vka + " " + injector + " step " + step + ": " + caught;
            assertThat(fx.kernel.guard().isBroken()).as(at + ": %s", fx.kernel.guard().brokenBecause()).isFalse();
            if (inj.fired() == fired) {
                assertStarted(fx, p, at);
                assertThat(fx.sos.destroy(p).isOk()).isTrue();
                assertThat(fx.balance()).as(at).isEqualTo(idle);
                assertThat(interrupted).as("%s: spawn has steps to interrupt", at).isPositive();
                System.out.printf("sos spawn interruption points, %s, %s: %d%n", vka, injector, interrupted);
                fx.assertInvariants();
                return;
            }
            interrupted++;
            assertThat(caught).as("%s: the injected throwable itself reaches the caller", at).isSameAs(injected[0]);
            assertThat(fx.sos.liveProcesses()).as(at).isZero();
            assertThat(fx.balance()).as(at).isEqualTo(idle);
            fx.assertInvariants();
        }
        throw new AssertionError("spawn never completed");
    }

    /** The process runs, with argc = 1 at its initial sp. */
    private static void assertStarted(SosFixture fx, Process p, String at) {
        assertThat(p).as(at).isNotNull();
        assertThat(fx.sos.liveProcesses()).as(at).isEqualTo(1);
        long sp = p.program().orElseThrow().initialSp();
        assertThat(sp).as(at).isLessThan(Layout.STACK_TOP);
        byte[] argc = new byte[8];
        assertThat(p.cpu().copyIn(sp, argc, 0, 8)).as(at).isEqualTo(8);
        assertThat(argc[0]).as(at).isEqualTo((byte) 1);
    }
}
