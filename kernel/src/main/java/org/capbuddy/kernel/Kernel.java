package org.capbuddy.kernel;

import java.util.Optional;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.boot.BootInfo;
import org.capbuddy.kernel.boot.Bootstrap;
import org.capbuddy.kernel.cap.Cap;
import org.capbuddy.kernel.cost.CostSnapshot;
import org.capbuddy.kernel.cspace.CSpaceResolver;
import org.capbuddy.kernel.cspace.SlotLookup;
import org.capbuddy.kernel.host.FailureInjector;
import org.capbuddy.kernel.host.InterruptionInjector;
import org.capbuddy.kernel.host.MachineGuard;
import org.capbuddy.kernel.invariant.InvariantChecker;
import org.capbuddy.kernel.invariant.InvariantReport;
import org.capbuddy.kernel.invocation.InvocationDispatcher;
import org.capbuddy.kernel.invocation.IpcBuffer;
import org.capbuddy.kernel.invocation.KernelState;
import org.capbuddy.kernel.memory.PhysicalMemory;
import org.capbuddy.kernel.object.Tcb;

/**
 * A booted, deterministic model of the seL4 kernel (AArch64, non-MCS, single core): its memory
 * and capability API, MMU and VM faults, with exact cost counters and an invariant checker.
 *
 * <p>Code above the kernel talks to it only as seL4 user code does: through {@link Sel4}, the
 * invocation stubs bound to a thread (the root task's from {@link #rootTask()}), and through
 * {@link org.capbuddy.kernel.cpu.UserCpu} for memory accesses of a thread. The introspection methods ({@link #state()},
 * {@link #physicalMemory()}) are for tests, invariant checks and reports, not for allocators.
 */
public final class Kernel {
    private final KernelConfig config;
    private final KernelState state;
    private final InvocationDispatcher dispatcher;
    private final BootInfo bootInfo;
    private final Tcb rootThread;
    private final Sel4 rootTask;

    private Kernel(KernelConfig config) {
        this.config = config;
        this.state = new KernelState(new PhysicalMemory(config.board().allRegions()), config.retypeFanOutLimit());
        this.dispatcher = new InvocationDispatcher(state);
        Bootstrap.Result booted = Bootstrap.boot(config, state);
        this.bootInfo = booted.bootInfo();
        this.rootThread = booted.rootThread();
        this.rootTask = new Sel4(this, rootThread);
    }

    /**
     * Boots a configuration known to be valid (see {@link KernelConfig#problem()}, which callers
     * with a configuration from outside check first); throws IllegalArgumentException otherwise.
     */
    public static Kernel boot(KernelConfig config) {
        Optional<String> problem = config.problem();
        if (problem.isPresent()) {
            throw new IllegalArgumentException(problem.get());
        }
        return new Kernel(config);
    }

    public KernelConfig config() {
        return config;
    }

    public BootInfo bootInfo() {
        return bootInfo;
    }

    /** The invocation stubs of the root task (the initial thread). */
    public Sel4 rootTask() {
        return rootTask;
    }

    InvocationResult invoke(Tcb caller, long cptr, IpcBuffer message) {
        return dispatcher.invoke(caller, cptr, message);
    }

    /** The exact counts so far. */
    public CostSnapshot costs() {
        return state.counters().snapshot();
    }

    /** Modelled kernel cycles for the counts so far, under the configured cost model. */
    public double modelledCycles() {
        return config.costModel().cycles(costs());
    }

    /** The fault-injection switch: make the N-th allocating invocation fail (tests only). */
    public FailureInjector failureInjector() {
        return state.failures();
    }

    /** The interruption switch: make the N-th invocation throw at its entry (tests only). */
    public InterruptionInjector interruptions() {
        return state.interruptions();
    }

    /** The machine's owner thread and broken state; see {@link MachineGuard}. */
    public MachineGuard guard() {
        return state.guard();
    }

    /** Runs every invariant check over the whole kernel state. */
    public InvariantReport checkInvariants() {
        return new InvariantChecker(state, rootThread).check();
    }

    /** Introspection for tests and reports. */
    public KernelState state() {
        return state;
    }

    /**
     * Introspection for tests and reports: the cap that {@code cptr} names in the root task's
     * CSpace (resolved at full depth, as an invocation would), or null when it names none. This
     * is how a test goes from a cptr the allocators hand out to the kernel object behind it.
     */
    public Cap rootTaskCap(long cptr) {
        SlotLookup found = CSpaceResolver.resolve(rootThread.cspaceRootSlot().cap(), cptr, CSpaceResolver.WORD_BITS);
        return found.ok() ? found.slot().cap() : null;
    }

    /** Introspection for tests and reports. */
    public PhysicalMemory physicalMemory() {
        return state.memory();
    }

    Tcb rootThread() {
        return rootThread;
    }
}
