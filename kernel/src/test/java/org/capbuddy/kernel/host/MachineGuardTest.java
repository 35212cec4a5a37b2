package org.capbuddy.kernel.host;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicReference;
import org.capbuddy.kernel.Kernel;
import org.capbuddy.kernel.KernelConfig;
import org.capbuddy.kernel.Sel4;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.api.Sel4Error;
import org.capbuddy.kernel.boot.InitialCap;
import org.capbuddy.kernel.boot.UntypedDescriptor;
import org.capbuddy.kernel.cap.Cap;
import org.capbuddy.kernel.cost.CostSnapshot;
import org.junit.jupiter.api.Test;

/** One machine, one thread; a machine left inconsistent by an interruption refuses every later call. */
class MachineGuardTest {
    private static final long ROOT = InitialCap.INIT_THREAD_CNODE.cptr();

    private final Kernel kernel = Kernel.boot(KernelConfig.defaults());
    private final Sel4 sel4 = kernel.rootTask();
    private final long ram = kernel.bootInfo().untypedList().stream().filter(u -> !u.device() && u.sizeBits() >= 16)
            .findFirst().map(UntypedDescriptor::cptr).orElseThrow();
    private final long free = kernel.bootInfo().empty().start();

    private static Throwable thrownOn(Thread thread, Runnable call) throws Exception {
        CompletableFuture<Throwable> result = new CompletableFuture<>();
        Thread t = new Thread(() -> {
            try {
                call.run();
                result.complete(null);
            } catch (Throwable e) {
                result.complete(e);
            }
        }, thread == null ? "intruder" : thread.getName());
        t.start();
        t.join();
        try {
            return result.get();
        } catch (ExecutionException e) {
            return e.getCause();
        }
    }

    @Test
    void anInvocationFromAnotherThreadFailsAtOnceAndChangesNothing() throws Exception {
        CostSnapshot before = kernel.costs();
        Throwable refused = thrownOn(null,
                () -> sel4.untypedRetype(ram, ObjectType.ENDPOINT, 0, ROOT, 0, 0, free, 1));

        assertThat(refused).isInstanceOf(WrongThreadException.class)
                .hasMessageContaining("called from thread 'intruder'")
                .hasMessageContaining("one machine is driven by one thread");
        assertThat(kernel.costs()).isEqualTo(before);
        assertThat(kernel.rootTaskCap(free)).isNull();
        assertThat(sel4.untypedRetype(ram, ObjectType.ENDPOINT, 0, ROOT, 0, 0, free, 1).isOk()).isTrue();
        assertThat(kernel.checkInvariants().ok()).isTrue();
    }

    @Test
    void aMachineHandedOverIsDrivenByItsNewThreadOnly() throws Exception {
        Throwable onNewOwner = thrownOn(null, () -> {
            kernel.guard().adoptCurrentThread();
            sel4.untypedRetype(ram, ObjectType.ENDPOINT, 0, ROOT, 0, 0, free, 1);
        });

        assertThat(onNewOwner).isNull();
        assertThat(kernel.rootTaskCap(free)).isInstanceOf(Cap.EndpointCap.class);
        assertThatThrownBy(() -> sel4.cnodeDelete(ROOT, free, 64)).isInstanceOf(WrongThreadException.class);
    }

    @Test
    void anInjectedInterruptionAtAnInvocationsEntryChangesNothingAndBreaksNothing() {
        CostSnapshot before = kernel.costs();
        kernel.interruptions().interruptNth(1, () -> new StackOverflowError("injected"));

        assertThatThrownBy(() -> sel4.untypedRetype(ram, ObjectType.ENDPOINT, 0, ROOT, 0, 0, free, 1))
                .isInstanceOf(StackOverflowError.class).hasMessage("injected");
        assertThat(kernel.costs()).isEqualTo(before);
        assertThat(kernel.guard().isBroken()).isFalse();
        assertThat(sel4.untypedRetype(ram, ObjectType.ENDPOINT, 0, ROOT, 0, 0, free, 1).isOk()).isTrue();
        assertThat(kernel.interruptions().fired()).isEqualTo(1);
    }

    @Test
    void anInterruptionWhileALayerHoldsThemFailsTheInvocationAndIsKeptForThatLayer() {
        CostSnapshot before = kernel.costs();
        StackOverflowError injected = new StackOverflowError("injected");
        kernel.interruptions().interruptNth(1, () -> injected);
        kernel.interruptions().hold();
        kernel.interruptions().hold();

        var refused = sel4.untypedRetype(ram, ObjectType.ENDPOINT, 0, ROOT, 0, 0, free, 1);

        assertThat(refused.error()).isEqualTo(Sel4Error.NOT_ENOUGH_MEMORY);
        assertThat(kernel.costs()).isEqualTo(before);
        assertThat(kernel.rootTaskCap(free)).isNull();
        assertThat(kernel.interruptions().kept()).isSameAs(injected);
        assertThat(kernel.interruptions().release()).as("an inner hold ends: still held").isNull();
        assertThat(kernel.interruptions().release()).isSameAs(injected);
        assertThat(kernel.interruptions().kept()).isNull();
        assertThat(kernel.guard().isBroken()).isFalse();
        assertThat(sel4.untypedRetype(ram, ObjectType.ENDPOINT, 0, ROOT, 0, 0, free, 1).isOk()).isTrue();
    }

    @Test
    void aThrowableFromInsideAnInvocationBreaksTheMachineAndEveryLaterCallNamesIt() {
        // A TCB cap with no TCB behind it: the decoder fails half-way, as a bug would.
        var rootCNode = ((Cap.CNodeCap) kernel.rootTaskCap(ROOT)).cnode();
        kernel.state().cdt().insertRoot(rootCNode.slot(free), new Cap.TcbCap(null));

        assertThatThrownBy(() -> sel4.tcbResume(free)).isInstanceOf(NullPointerException.class);

        assertThat(kernel.guard().isBroken()).isTrue();
        assertThatThrownBy(() -> sel4.cnodeDelete(ROOT, free + 1, 64))
                .isInstanceOf(MachineBrokenException.class)
                .hasMessageContaining("kernel invocation")
                .hasMessageContaining("NullPointerException")
                .hasCauseInstanceOf(NullPointerException.class);
    }

    @Test
    void anAssuredHeadroomScopeAnswersEveryCheckInsideItUntilItCloses() {
        MachineGuard guard = new MachineGuard();
        try (AssuredHeadroom outer = guard.assureHeadroom(8)) {
            try (AssuredHeadroom inner = guard.assureHeadroom(8)) {
                long probes = guard.headroomProbes();
                guard.requireStackHeadroom(); // answered when the scopes opened: no probe
                assertThat(guard.headroomProbes()).isEqualTo(probes);
                inner.close();
                inner.close(); // a second close does nothing
            }
            assertThat(guard.headroomAssured()).as("the outer scope is still open").isTrue();
        }
        assertThat(guard.headroomAssured()).isFalse();
        long probes = guard.headroomProbes();
        guard.requireStackHeadroom();
        assertThat(guard.headroomProbes()).isEqualTo(probes + 1);
    }

    @Test
    void everyScopeProbesForItselfEvenInsideAnother() {
        MachineGuard guard = new MachineGuard();
        try (AssuredHeadroom outer = guard.assureHeadroom(8)) {
            assertThatThrownBy(() -> guard.assureHeadroom(1_000_000)).isInstanceOf(StackOverflowError.class);
            assertThat(guard.headroomProbes()).isEqualTo(2);
            assertThat(guard.headroomAssured()).as("the outer scope, untouched").isTrue();
        }
        assertThat(guard.headroomAssured()).isFalse();
    }

    @Test
    void theRequiredHeadroomCannotChangeUnderAnOpenScope() {
        MachineGuard guard = new MachineGuard();
        guard.setStackHeadroomFrames(0);
        try (AssuredHeadroom scope = guard.assureHeadroom(8)) {
            assertThatThrownBy(() -> guard.setStackHeadroomFrames(96)).as("the scope probed nothing for it")
                    .isInstanceOf(IllegalStateException.class);
        }
        guard.setStackHeadroomFrames(96);
        assertThat(guard.stackHeadroomFrames()).isEqualTo(96);
    }

    @Test
    void codeTheMachineDoesNotControlRunsWithTheScopesSuspendedAndProbesAgain() {
        MachineGuard guard = new MachineGuard();
        try (AssuredHeadroom scope = guard.assureHeadroom(8)) {
            long probes = guard.headroomProbes();
            guard.requireStackHeadroom();
            assertThat(guard.headroomProbes()).isEqualTo(probes);
            int receiver = guard.suspendAssuredHeadroom();
            try {
                assertThat(guard.headroomAssured()).isFalse();
                guard.requireStackHeadroom();
                assertThat(guard.headroomProbes()).as("a receiver's fault is probed").isEqualTo(probes + 1);
                int inner = guard.suspendAssuredHeadroom(); // a receiver inside a receiver
                assertThatThrownBy(() -> guard.resumeAssuredHeadroom(receiver)).as("not the innermost")
                        .isInstanceOf(IllegalStateException.class);
                guard.resumeAssuredHeadroom(inner);
                assertThat(guard.headroomAssured()).as("the inner resume restores the inner suspension's 0").isFalse();
            } finally {
                guard.resumeAssuredHeadroom(receiver);
            }
            assertThat(guard.headroomAssured()).isTrue();
            guard.requireStackHeadroom();
            assertThat(guard.headroomProbes()).isEqualTo(probes + 1);
        }
    }

    @Test
    void aResumeRestoresOnlyWhatItsSuspensionSavedAndScopesCloseInnermostFirst() {
        MachineGuard guard = new MachineGuard();
        assertThatThrownBy(() -> guard.resumeAssuredHeadroom(1)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("innermost is 0");
        assertThat(guard.headroomAssured()).as("no resume makes the headroom assured unprobed").isFalse();

        AssuredHeadroom outer = guard.assureHeadroom(8);
        int suspension = guard.suspendAssuredHeadroom();
        AssuredHeadroom leaked = guard.assureHeadroom(8);
        assertThatThrownBy(outer::close).as("not at its own suspension level").isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> guard.resumeAssuredHeadroom(suspension)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("still open");
        assertThat(guard.headroomAssured()).as("the outer scope, restored").isTrue();
        assertThatThrownBy(leaked::close).as("its level is gone: it can never close")
                .isInstanceOf(IllegalStateException.class);
        outer.close(); // a refused close left it open; now it closes
        assertThat(guard.headroomAssured()).isFalse();

        AssuredHeadroom first = guard.assureHeadroom(8);
        AssuredHeadroom second = guard.assureHeadroom(8);
        assertThatThrownBy(first::close).as("not the innermost").isInstanceOf(IllegalStateException.class);
        second.close();
        first.close();
        assertThat(guard.headroomAssured()).isFalse();
    }

    @Test
    void aCloseFromAnotherThreadIsRefusedAndLeavesTheScopeToItsOwner() throws Exception {
        MachineGuard guard = new MachineGuard();
        AssuredHeadroom scope = guard.assureHeadroom(8);
        assertThat(thrownOn(null, scope::close)).isInstanceOf(WrongThreadException.class);
        assertThat(guard.headroomAssured()).isTrue();
        scope.close();
        assertThat(guard.headroomAssured()).isFalse();
    }

    @Test
    void aHandOverForgetsTheOldOwnersScopesWhichNeverCloseANewOne() throws Exception {
        MachineGuard guard = new MachineGuard();
        AssuredHeadroom old = guard.assureHeadroom(8);
        AtomicReference<AssuredHeadroom> fresh = new AtomicReference<>();
        Throwable handedOver = thrownOn(null, () -> {
            guard.adoptCurrentThread();
            if (guard.headroomAssured()) {
                throw new AssertionError("the new owner inherited a scope probed on another stack");
            }
            fresh.set(guard.assureHeadroom(8));
        });
        assertThat(handedOver).isNull();
        guard.adoptCurrentThread();
        assertThat(guard.headroomAssured()).isFalse();
        AssuredHeadroom mine = guard.assureHeadroom(8);
        assertThatThrownBy(old::close).as("from before two hand-overs").isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(fresh.get()::close).isInstanceOf(IllegalStateException.class);
        mine.close();
        assertThat(guard.headroomAssured()).isFalse();
    }

    @Test
    void aScopeWhoseProbeDoesNotFitIsRefusedBeforeItOpensAndBreaksNothing() {
        MachineGuard guard = new MachineGuard();
        assertThatThrownBy(() -> guard.assureHeadroom(1_000_000)).isInstanceOf(StackOverflowError.class)
                .hasMessageContaining("too deep to run a fault handler or system call safely");
        assertThatThrownBy(() -> guard.assureHeadroom(Integer.MAX_VALUE)).as("no wrap-around to no probe")
                .isInstanceOf(StackOverflowError.class);
        assertThat(guard.headroomAssured()).isFalse();
        assertThat(guard.isBroken()).isFalse();
        guard.requireStackHeadroom(); // the default still fits here
    }

    @Test
    void onlyTheOwnerMayOpenAScope() throws Exception {
        MachineGuard guard = new MachineGuard();
        Throwable refused = thrownOn(null, () -> guard.assureHeadroom(8));
        assertThat(refused).isInstanceOf(WrongThreadException.class);
        assertThat(guard.headroomAssured()).isFalse();
        assertThat(guard.headroomProbes()).isZero();
    }

    @Test
    void everyProbeIsCountedAndAnOpenScopeMakesNoneAfterItsOwn() {
        MachineGuard guard = new MachineGuard();
        guard.requireStackHeadroom();
        guard.requireStackHeadroom();
        assertThat(guard.headroomProbes()).isEqualTo(2);
        try (AssuredHeadroom scope = guard.assureHeadroom(8)) {
            for (int i = 0; i < 10; i++) {
                guard.requireStackHeadroom();
            }
        }
        assertThat(guard.headroomProbes()).as("two, then the scope's one").isEqualTo(3);
        guard.setStackHeadroomFrames(0);
        guard.requireStackHeadroom();
        assertThat(guard.headroomProbes()).as("the check off probes nothing").isEqualTo(3);
    }

    @Test
    void withTheCheckOffAScopeProbesNothing() {
        MachineGuard guard = new MachineGuard();
        guard.setStackHeadroomFrames(0);
        try (AssuredHeadroom scope = guard.assureHeadroom(1_000_000)) {
            assertThat(guard.headroomAssured()).isTrue();
        }
        assertThat(guard.headroomAssured()).isFalse();
        assertThat(guard.headroomProbes()).isZero();
    }
}
