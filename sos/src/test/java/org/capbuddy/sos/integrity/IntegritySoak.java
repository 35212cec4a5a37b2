package org.capbuddy.sos.integrity;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.capbuddy.kernel.object.Pte;
import org.capbuddy.sos.SosFixture;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.isolation.IsolationAudit;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.process.ProcessState;
import org.capbuddy.sos.user.MemoryFault;

/**
 * The integrity soak: many processes churn their heaps (malloc, calloc, realloc, free, trim),
 * stacks and mmap regions with seeded data, while others are destroyed (after running, exiting
 * or being killed) and replaced, so that frames keep moving between processes through the frame
 * table and the allocator. After every round every byte of every live process is read back, and
 * every few rounds the whole machine is audited for isolation. At the end everything is
 * destroyed and the allocators must be back where they started.
 */
final class IntegritySoak {
    private final SosFixture fx;
    private final SplittableRandom rnd;
    private final int processes;
    private final int auditEvery;
    private final SoakCounters counters = new SoakCounters();
    private final List<SoakProcess> live = new ArrayList<>();
    /** Who mapped each physical frame at the last audit, to see frames move between owners. */
    private Map<Long, Integer> lastOwners = new HashMap<>();
    private int round;

    /**
     * @param processes how many processes are alive at the start of each round
     * @param auditEvery run the isolation audit after every this many rounds
     */
    IntegritySoak(SosFixture fx, long seed, int processes, int auditEvery) {
        this.fx = fx;
        this.rnd = new SplittableRandom(seed);
        this.processes = processes;
        this.auditEvery = auditEvery;
    }

    SoakCounters counters() {
        return counters;
    }

    /** The round being run (for failure reports). */
    int round() {
        return round;
    }

    /** Runs {@code rounds} rounds and tears everything down. */
    void run(int rounds) throws MemoryFault {
        var balance = fx.balance();
        long framesBefore = fx.sos.pages().framesMapped();
        while (live.size() < processes) {
            create();
        }
        for (round = 1; round <= rounds; round++) {
            for (SoakProcess p : live) {
                int steps = 1 + rnd.nextInt(8);
                for (int i = 0; i < steps; i++) {
                    p.step(rnd);
                }
            }
            int churn = rnd.nextInt(1 + processes / 8);
            for (int i = 0; i < churn; i++) {
                replace(live.get(rnd.nextInt(live.size())));
            }
            for (SoakProcess p : live) {
                p.verify();
            }
            if (round % auditEvery == 0 || round == rounds) {
                audit();
            }
        }
        for (SoakProcess p : new ArrayList<>(live)) {
            destroy(p);
        }
        counters.framesHandedOut = fx.sos.pages().framesMapped() - framesBefore;
        assertThat(fx.sos.liveProcesses()).isZero();
        assertThat(fx.sos.frameTable().framesInUse()).isZero();
        assertThat(fx.balance()).as("the allocators after the soak").isEqualTo(balance);
        fx.assertInvariants();
    }

    private void create() {
        Process p = fx.process();
        live.add(new SoakProcess(p, fx.context(p), counters));
        counters.processesCreated++;
    }

    /** Ends a process one of three ways (destroyed while running, after exit, after a kill) and starts another. */
    private void replace(SoakProcess p) throws MemoryFault {
        p.verify();
        int how = rnd.nextInt(3);
        if (how == 1) {
            p.context().sys().exit(7);
            assertThat(p.process().state()).isEqualTo(ProcessState.EXITED);
            counters.processesExited++;
        } else if (how == 2) {
            try {
                p.context().store(Layout.GUARD_PAGE + 8 * rnd.nextInt(512), 8, -1L);
                throw new AssertionError("a store into the guard page went through");
            } catch (MemoryFault expected) {
                assertThat(p.process().state()).isEqualTo(ProcessState.KILLED);
            }
            counters.processesKilled++;
        }
        destroy(p);
        create();
    }

    private void destroy(SoakProcess p) {
        assertThat(fx.sos.destroy(p.process()).isOk()).isTrue();
        live.remove(p);
        counters.processesDestroyed++;
    }

    private void audit() {
        List<Process> processesNow = live.stream().map(SoakProcess::process).toList();
        IsolationAudit audit = IsolationAudit.assertIsolated(fx, processesNow);
        Map<Long, Integer> owners = new HashMap<>();
        for (Process p : processesNow) {
            for (Pte.Page page : audit.mappings(p).values()) {
                owners.put(page.frame().paddr(), p.pid());
            }
        }
        for (Map.Entry<Long, Integer> e : owners.entrySet()) {
            Integer before = lastOwners.get(e.getKey());
            if (before != null && !before.equals(e.getValue())) {
                counters.framesSeenRecycled++;
            }
        }
        lastOwners = owners;
        counters.audits++;
        fx.assertInvariants();
    }
}
