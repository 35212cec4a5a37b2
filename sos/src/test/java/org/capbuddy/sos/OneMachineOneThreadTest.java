package org.capbuddy.sos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.capbuddy.kernel.host.WrongThreadException;
import org.capbuddy.libos.vka.VkaObjects;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.user.UserContext;
import org.junit.jupiter.api.Test;

/**
 * One machine is driven by one thread, as seL4 runs on one core: every entry of every layer,
 * called from another thread, fails at once and changes nothing. Two machines on two threads
 * run side by side.
 */
class OneMachineOneThreadTest {

    /** What {@code call} threw when run on a new thread (null if nothing). */
    private static Throwable onAnotherThread(Runnable call) throws Exception {
        CompletableFuture<Throwable> outcome = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                call.run();
                outcome.complete(null);
            } catch (Throwable e) {
                outcome.complete(e);
            }
        }, "second thread");
        t.start();
        t.join();
        return outcome.get();
    }

    @Test
    void everyLayersEntryRefusesASecondThreadAndChangesNothing() throws Exception {
        SosFixture fx = new SosFixture(true);
        Process p = fx.process();
        UserContext ctx = fx.context(p);
        ctx.store(Layout.STACK_TOP - 8, 8, 42);
        var before = fx.strictBalance();
        long faults = p.faultsHandled();

        List<Runnable> calls = List.of(
                () -> fx.sos.createProcess(4096, 4096),
                () -> fx.sos.destroy(p),
                () -> fx.sos.shutdown(),
                () -> p.cpu().read(Layout.STACK_TOP - 8, 8),
                () -> p.cpu().write(Layout.STACK_TOP - 4096 * 2, 8, 7),
                () -> fx.sos.syscalls(p).mmap(Layout.PAGE),
                () -> fx.sos.syscalls(p).brk(ctx.brk(0) + Layout.PAGE),
                () -> fx.sos.frameTable().alloc(),
                () -> fx.pool.pool().tryAllocFrame(),
                () -> fx.pool.pool().alloc(4, -1, false),
                () -> VkaObjects.allocFrame(fx.booted.vka(), 12),
                () -> fx.booted.allocman().cspaceAlloc(),
                () -> fx.kernel.rootTask().tcbSuspend(p.tcbCptr()));
        List<String> accepted = new ArrayList<>();
        for (int i = 0; i < calls.size(); i++) {
            Throwable thrown = onAnotherThread(calls.get(i));
            if (!(thrown instanceof WrongThreadException)) {
                accepted.add("call " + i + " gave " + thrown);
            } else {
                assertThat(thrown).hasMessageContaining("called from thread 'second thread'");
            }
        }

        assertThat(accepted).as("calls from a second thread that were not refused").isEmpty();
        assertThat(fx.strictBalance()).isEqualTo(before);
        assertThat(p.faultsHandled()).isEqualTo(faults);
        assertThat(ctx.load(Layout.STACK_TOP - 8, 8)).isEqualTo(42);
        assertThat(fx.kernel.guard().isBroken()).isFalse();
        fx.assertInvariants();
    }

    @Test
    void twoMachinesOnTwoThreadsRunSideBySide() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<Long>> runs = new ArrayList<>();
            for (int m = 0; m < 2; m++) {
                long seed = m;
                runs.add(pool.submit(() -> {
                    SosFixture fx = new SosFixture(seed == 0);
                    var idle = fx.balance();
                    long sum = 0;
                    for (int round = 0; round < 20; round++) {
                        Process p = fx.process();
                        UserContext ctx = fx.context(p);
                        for (int i = 0; i < 64; i++) {
                            ctx.store(Layout.STACK_TOP - (i + 1) * Layout.PAGE, 8, seed * 1000 + i);
                        }
                        for (int i = 0; i < 64; i++) {
                            sum += ctx.load(Layout.STACK_TOP - (i + 1) * Layout.PAGE, 8);
                        }
                        assertThat(fx.sos.destroy(p).isOk()).isTrue();
                    }
                    assertThat(fx.balance()).isEqualTo(idle);
                    fx.assertInvariants();
                    return sum;
                }));
            }
            assertThat(runs.get(0).get()).isEqualTo(20L * (64 * 63 / 2));
            assertThat(runs.get(1).get()).isEqualTo(20L * (64 * 1000 + 64 * 63 / 2));
        } catch (ExecutionException e) {
            throw new AssertionError("a machine failed on its own thread", e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }
}
