package org.capbuddy.sos.fork;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.function.Supplier;
import java.util.stream.Stream;
import org.capbuddy.kernel.host.FailureInjector;
import org.capbuddy.kernel.host.InterruptionInjector;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.sos.SosFixture;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.frametable.FrameTable;
import org.capbuddy.sos.machine.Balance;
import org.capbuddy.sos.machine.SosConfig;
import org.capbuddy.sos.paging.PolicyRegistry;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.user.MemoryFault;
import org.capbuddy.sos.user.UserContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link org.capbuddy.sos.Sos#fork} failed, then interrupted by a throwable, at every step in
 * turn: the kernel refusing its N-th allocating invocation or allocman its N-th request (or
 * throwing there), for N = 1, 2, ... until fork succeeds with nothing injected. The steps cover
 * making the child's objects and copying each of the parent's pages (a frame, a cap slot, page
 * tables at every level). Each failure is a clear error and each throwable reaches the caller as
 * itself; each leaves the parent alone, its bytes as they were, and the balance (slots, untyped
 * bytes, frames, window tables, processes, ASIDs, page-file slots) exactly as before the fork.
 * With paging, the copy may evict parent pages, which stay out when the fork then fails (their
 * bytes unchanged, in the page file): there the parent is checked, destroyed, and the balance
 * must be that of the machine before the parent was made.
 */
class ForkFailureTest {
    private static final int MAX_STEPS = 2000;
    private static final long DATA = Layout.CODE_BASE + (64 << 10);
    private static final int PAGES = 6;

    static Stream<Arguments> setups() {
        Stream.Builder<Arguments> all = Stream.builder();
        for (boolean paging : new boolean[] {false, true}) {
            for (String vka : new String[] {"pool", "allocman"}) {
                for (String injector : new String[] {"kernel", "allocman"}) {
                    all.add(Arguments.of(vka, injector, paging));
                }
            }
        }
        return all.build();
    }

    /**
     * A parent with data, heap, stack and a far mmap page (new tables at every level) written;
     * with paging, a frame table so small that the parent has pages out and the copy evicts.
     */
    private static SosFixture machine(boolean pool, boolean paging) {
        if (!paging) {
            return new SosFixture(pool);
        }
        SosFixture probe = new SosFixture(pool);
        probe.process();
        int own = probe.sos.frameTable().framesInUse();
        return new SosFixture(pool, new SosConfig(FrameTable.SEED_REF_BITS, 2 * own + 4, 64,
                PolicyRegistry.defaultName()));
    }

    private static long[] fill(UserContext u) throws MemoryFault {
        long heap = u.brk(0);
        u.brk(heap + Layout.PAGE);
        long mapped = u.sys().mmap(0x30_0000_0000L, PAGES * Layout.PAGE, 3, 0x22, -1, 0).value();
        long[] at = new long[PAGES + 3];
        at[0] = DATA;
        at[1] = heap;
        at[2] = Layout.STACK_TOP - 8;
        for (int i = 0; i < PAGES; i++) {
            at[3 + i] = mapped + i * Layout.PAGE;
        }
        for (int i = 0; i < at.length; i++) {
            u.store(at[i], 8, 0xF0F0_0000L + i);
        }
        return at;
    }

    private static void assertParentIntact(UserContext u, long[] at, String why) throws MemoryFault {
        for (int i = 0; i < at.length; i++) {
            assertThat(u.load(at[i], 8)).as("%s: parent at 0x%x", why, at[i]).isEqualTo(0xF0F0_0000L + i);
        }
    }

    /**
     * After a failed fork: without paging the balance is as before it; with paging the parent,
     * intact, is destroyed and the balance is the idle machine's.
     */
    private static void afterFailure(SosFixture fx, Balance idle, Balance before, boolean paging, Process parent,
                                     UserContext pu, long[] at, String why) throws MemoryFault {
        if (!paging) {
            assertThat(fx.balance()).as(why).isEqualTo(before);
        } else {
            assertParentIntact(pu, at, why);
            assertThat(fx.sos.destroy(parent).isOk()).as(why).isTrue();
            assertThat(fx.balance()).as(why).isEqualTo(idle);
        }
        fx.assertInvariants();
    }

    @ParameterizedTest(name = "{0} {1} paging={2}")
    @MethodSource("setups")
    void forkFailedAtEveryStepLeavesTheParentAndTheBalance(String vka, String injector, boolean paging)
            throws MemoryFault {
        SosFixture fx = machine(vka.equals("pool"), paging);
        Balance idle = fx.balance();
        Process parent = fx.process();
        UserContext pu = fx.context(parent);
        long[] at = fill(pu);
        FailureInjector inj = injector.equals("kernel") ? fx.kernel.failureInjector()
                : fx.booted.allocman().failures();
        int failures = 0;
        for (int step = 1; step < MAX_STEPS; step++) {
            // the parent's pages, some paged out by the last round's copy, are read in first
            if (parent == null) {
                parent = fx.process();
                pu = fx.context(parent);
                at = fill(pu);
            }
            assertParentIntact(pu, at, "before step " + step);
            Balance before = fx.balance();
            inj.failNth(step);
            Result<Process> r = fx.sos.fork(parent);
            boolean injected = !inj.armed();
            inj.disarm();
            String why = vka + " " + injector + " paging=" + paging + " step " + step + ": " + r;
            if (r.isOk()) {
                assertParentIntact(fx.context(r.value()), at, why);
                assertThat(fx.sos.destroy(r.value()).isOk()).isTrue();
                if (!paging) {
                    assertThat(fx.balance()).as(why).isEqualTo(before);
                }
                if (!injected) {
                    assertThat(failures).as("%s: fork allocates, so it must have failed", why).isPositive();
                    System.out.printf("sos fork failure points, %s, %s, paging=%b: %d%n", vka, injector, paging,
                            failures);
                    fx.assertInvariants();
                    return;
                }
                continue;
            }
            failures++;
            assertThat(injected).as("failed with nothing injected, %s", why).isTrue();
            assertThat(r.error().kind()).as(why).isIn(AllocErrorKind.OUT_OF_SLOTS, AllocErrorKind.OUT_OF_MEMORY,
                    AllocErrorKind.OUT_OF_BOOKKEEPING, AllocErrorKind.KERNEL);
            assertThat(fx.sos.liveProcesses()).as(why).isEqualTo(1);
            afterFailure(fx, idle, before, paging, parent, pu, at, why);
            if (paging) {
                parent = null;
            }
        }
        throw new AssertionError("fork never succeeded");
    }

    @ParameterizedTest(name = "{0} {1} paging={2}")
    @MethodSource("setups")
    void forkInterruptedAtEveryStepLosesNothing(String vka, String injector, boolean paging) throws MemoryFault {
        SosFixture fx = machine(vka.equals("pool"), paging);
        Balance idle = fx.balance();
        Process parent = fx.process();
        UserContext pu = fx.context(parent);
        long[] at = fill(pu);
        int interrupted = 0;
        for (int step = 1; step < MAX_STEPS; step++) {
            if (parent == null) {
                parent = fx.process();
                pu = fx.context(parent);
                at = fill(pu);
            }
            assertParentIntact(pu, at, "before step " + step);
            Balance before = fx.balance();
            InterruptionInjector inj = injector.equals("kernel") ? fx.kernel.interruptions()
                    : fx.booted.allocman().interruptions();
            long fired = inj.fired();
            Throwable[] injected = new Throwable[1];
            Supplier<Throwable> make = step % 2 == 0 ? () -> new StackOverflowError("injected")
                    : () -> new IllegalStateException("injected");
            inj.interruptNth(step, () -> injected[0] = make.get());
            Throwable caught = null;
            Process child = null;
            try {
                child = fx.sos.fork(parent).value();
            } catch (Throwable t) {
                caught = t;
            }
            inj.disarm();
            String why = vka + " " + injector + " paging=" + paging + " step " + step + ": " + caught;
            assertThat(fx.kernel.guard().isBroken()).as(why + ": %s", fx.kernel.guard().brokenBecause()).isFalse();
            if (inj.fired() == fired) {
                assertThat(child).as(why).isNotNull();
                assertParentIntact(fx.context(child), at, why);
                assertThat(fx.sos.destroy(child).isOk()).isTrue();
                assertThat(interrupted).as("%s: fork has steps to interrupt", why).isPositive();
                System.out.printf("sos fork interruption points, %s, %s, paging=%b: %d%n", vka, injector, paging,
                        interrupted);
                fx.assertInvariants();
                return;
            }
            interrupted++;
            assertThat(caught).as("%s: the injected throwable itself reaches the caller", why).isSameAs(injected[0]);
            assertThat(fx.sos.liveProcesses()).as(why).isEqualTo(1);
            afterFailure(fx, idle, before, paging, parent, pu, at, why);
            if (paging) {
                parent = null;
            }
        }
        throw new AssertionError("fork never completed");
    }
}
