package org.capbuddy.kernel.invocation;

import org.capbuddy.aarch64.cpu.TranslationCache;
import org.capbuddy.kernel.cap.Cdt;
import org.capbuddy.kernel.cost.CostCounters;
import org.capbuddy.kernel.host.FailureInjector;
import org.capbuddy.kernel.host.InterruptionInjector;
import org.capbuddy.kernel.host.MachineGuard;
import org.capbuddy.kernel.memory.PhysicalMemory;
import org.capbuddy.kernel.trace.Tracer;
import org.capbuddy.kernel.vm.AsidTable;

/**
 * The kernel's global state: physical memory, the CDT, the ASID table, the cost counters and the
 * compile-time configuration that invocations depend on.
 */
public final class KernelState {
    private final PhysicalMemory memory;
    private final Cdt cdt = new Cdt();
    private final AsidTable asids = new AsidTable();
    private final CostCounters counters = new CostCounters();
    private final int retypeFanOutLimit;
    private final CapDeleter deleter;
    private final FailureInjector failures = new FailureInjector();
    private final InterruptionInjector interruptions = new InterruptionInjector();
    private final MachineGuard guard = new MachineGuard();
    private final AddressReplies addressReplies = new AddressReplies();
    private final Tracer tracer = new Tracer(guard);
    /** Blocks of user code translated by the interpreters of this machine's threads, for reuse. */
    private final TranslationCache translations = new TranslationCache();

    public KernelState(PhysicalMemory memory, int retypeFanOutLimit) {
        this.memory = memory;
        this.retypeFanOutLimit = retypeFanOutLimit;
        this.deleter = new CapDeleter(this);
    }

    /** The machine's event trace (off until started). */
    public Tracer tracer() {
        return tracer;
    }

    /** The translated blocks this machine's threads share (see {@link TranslationCache}). */
    public TranslationCache translations() {
        return translations;
    }

    public PhysicalMemory memory() {
        return memory;
    }

    public Cdt cdt() {
        return cdt;
    }

    public AsidTable asids() {
        return asids;
    }

    public CostCounters counters() {
        return counters;
    }

    /** {@code CONFIG_RETYPE_FAN_OUT_LIMIT}: the most objects one Retype may create. */
    public int retypeFanOutLimit() {
        return retypeFanOutLimit;
    }

    /** The fault-injection switch for allocating invocations. */
    public FailureInjector failures() {
        return failures;
    }

    /** The switch that throws at the entry of the N-th invocation (tests only). */
    public InterruptionInjector interruptions() {
        return interruptions;
    }

    /** The machine's owner thread and broken state, checked at every entry. */
    public MachineGuard guard() {
        return guard;
    }

    public CapDeleter deleter() {
        return deleter;
    }

    /** Page_GetAddress's replies for recently asked addresses, so asking again builds nothing. */
    AddressReplies addressReplies() {
        return addressReplies;
    }
}
