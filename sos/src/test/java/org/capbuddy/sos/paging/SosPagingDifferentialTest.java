package org.capbuddy.sos.paging;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.capbuddy.sos.SosFixture;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.frametable.FrameTable;
import org.capbuddy.sos.machine.SosConfig;
import org.capbuddy.sos.process.ProcessPages;
import org.capbuddy.sos.process.UserPage;
import org.capbuddy.sos.user.MemoryFault;
import org.capbuddy.sos.user.UserContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * SOS itself, paging a process's pages with each policy, against {@link ReferencePager} on the
 * same sequence of touches: a frame table with room for exactly {@code k} of the pages touched
 * (the process's own frames, measured first, come on top), the same victims in the same order,
 * and the same page-out, page-in and soft-fault counts. Random sequences print their seed. Each
 * sequence runs twice: as stores, every page dirty (each eviction a written page-out, each
 * return a page-in), and as loads, every page clean in its initial state (zeros): the same
 * victims and faults, but each eviction a clean drop, no write and no page-in.
 */
class SosPagingDifferentialTest {
    private static final int[] BELADY = {1, 2, 3, 4, 1, 2, 5, 1, 2, 3, 4, 5};

    static List<String> policies() {
        return PolicyRegistry.names();
    }

    @ParameterizedTest
    @MethodSource("policies")
    void beladysSequence(String policy) throws MemoryFault {
        for (int k : new int[] {3, 4}) {
            for (boolean stores : new boolean[] {true, false}) {
                ReferencePager ref = PolicyDifferentialTest.reference(policy, k, BELADY, stores);
                Outcome sos = runOnSos(policy, k, BELADY, 6, stores);
                assertAgree(sos, ref, stores, policy + ", Belady's sequence, " + k + " frames, stores " + stores);
                if (policy.equals(FifoPolicy.NAME)) {
                    assertThat(sos.faults).as("faults with %d frames", k).isEqualTo(k == 3 ? 9 : 10);
                }
            }
        }
    }

    @ParameterizedTest
    @MethodSource("policies")
    void randomSequences(String policy) throws MemoryFault {
        long seed = Long.getLong("paging.seed", new SplittableRandom().nextLong());
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int round = 0; round < 12; round++) {
            int k = 2 + rnd.nextInt(5);
            int pages = k + 1 + rnd.nextInt(8);
            int[] seq = new int[20 + rnd.nextInt(80)];
            for (int i = 0; i < seq.length; i++) {
                seq[i] = rnd.nextInt(3) == 0 ? rnd.nextInt(pages) : rnd.nextInt(Math.max(1, pages / 3));
            }
            boolean stores = rnd.nextBoolean();
            assertAgree(runOnSos(policy, k, seq, pages, stores), PolicyDifferentialTest.reference(policy, k, seq, stores),
                    stores,
                    policy + ", seed " + seed + " round " + round + " (re-run with -Dpaging.seed=" + seed + "), "
                            + k + " frames, stores " + stores + ", sequence " + Arrays.toString(seq));
        }
    }

    /**
     * Loads and stores mixed at random: a page is dirty once stored to while resident (clean when
     * read back), which the enhanced clock reads; every policy agrees with the reference on the
     * victims, faults and soft faults, and its evictions are the written ones and the drops.
     */
    @ParameterizedTest
    @MethodSource("policies")
    void mixedLoadsAndStores(String policy) throws MemoryFault {
        long seed = Long.getLong("paging.seed", new SplittableRandom().nextLong());
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int round = 0; round < 12; round++) {
            int k = 2 + rnd.nextInt(5);
            int pages = k + 1 + rnd.nextInt(8);
            int[] seq = new int[20 + rnd.nextInt(80)];
            boolean[] writes = new boolean[seq.length];
            ReferencePager ref = new ReferencePager(policy, k);
            for (int i = 0; i < seq.length; i++) {
                seq[i] = rnd.nextInt(3) == 0 ? rnd.nextInt(pages) : rnd.nextInt(Math.max(1, pages / 3));
                writes[i] = rnd.nextInt(3) == 0;
                ref.touch(seq[i], writes[i]);
            }
            String at = policy + ", seed " + seed + " round " + round + " (re-run with -Dpaging.seed=" + seed + "), "
                    + k + " frames, sequence " + Arrays.toString(seq) + ", writes " + Arrays.toString(writes);
            Outcome sos = runOnSos(policy, k, seq, pages, writes);
            assertThat(sos.victims).as(at).isEqualTo(ref.victims);
            assertThat(sos.faults).as(at).isEqualTo(ref.faults);
            assertThat(sos.softFaults).as(at).isEqualTo(ref.softFaults);
            assertThat(sos.pageOuts + sos.cleanDrops).as(at).isEqualTo(ref.pageOuts);
        }
    }

    private record Outcome(List<Integer> victims, int faults, long pageOuts, long pageIns, long softFaults,
                           long cleanDrops, long dirtyFaults) {
    }

    private static void assertAgree(Outcome sos, ReferencePager ref, boolean stores, String at) {
        assertThat(sos.victims).as(at).isEqualTo(ref.victims);
        assertThat(sos.faults).as(at).isEqualTo(ref.faults);
        // a store's first fault maps its page writable and dirty at once: never a dirty fault
        assertThat(sos.dirtyFaults).as(at).isZero();
        assertThat(sos.softFaults).as(at).isEqualTo(ref.softFaults);
        if (stores) {
            assertThat(sos.pageOuts).as(at).isEqualTo(ref.pageOuts);
            assertThat(sos.pageIns).as(at).isEqualTo(ref.pageIns);
            assertThat(sos.cleanDrops).as(at).isZero();
        } else {
            assertThat(sos.pageOuts).as(at).isZero();
            assertThat(sos.pageIns).as(at).isZero();
            assertThat(sos.cleanDrops).as(at).isEqualTo(ref.pageOuts);
        }
    }

    /** The frames a fresh process holds before it touches anything (its IPC buffer and what creation maps). */
    private static int framesOfAFreshProcess() {
        SosFixture fx = new SosFixture(true);
        fx.process();
        return fx.sos.frameTable().framesInUse();
    }

    private static Outcome runOnSos(String policy, int k, int[] seq, int pages, boolean stores) throws MemoryFault {
        boolean[] writes = new boolean[seq.length];
        Arrays.fill(writes, stores);
        return runOnSos(policy, k, seq, pages, writes);
    }

    private static Outcome runOnSos(String policy, int k, int[] seq, int pages, boolean[] writes) throws MemoryFault {
        int own = framesOfAFreshProcess();
        SosFixture fx = new SosFixture(true, new SosConfig(FrameTable.SEED_REF_BITS, own + k, 64, policy));
        UserContext ctx = fx.context(fx.process());
        assertThat(fx.sos.frameTable().framesInUse()).isEqualTo(own);
        assertThat(fx.sos.pages().policy().size()).as("nothing evictable before the touches").isZero();
        long base = ctx.sys().mmap((long) (pages + 1) * Layout.PAGE).value();
        List<Integer> victims = new ArrayList<>();
        fx.sos.pages().setObserver(new ProcessPages.PagingObserver() {
            @Override
            public void pagedOut(UserPage page, int slot) {
                victims.add((int) ((page.vaddr() - base) / Layout.PAGE));
            }

            @Override
            public void pagedIn(UserPage page, int slot) {
            }

            @Override
            public void softFault(UserPage page) {
            }
        });
        long faultsBefore = ctx.process().faultsHandled();
        long softBefore = fx.sos.pages().softFaults();
        long dirtyBefore = fx.sos.pages().dirtyFaults();
        java.util.Set<Integer> written = new java.util.HashSet<>();
        for (int i = 0; i < seq.length; i++) {
            long at = base + (long) seq[i] * Layout.PAGE;
            if (writes[i]) {
                ctx.store(at, 8, at);
                written.add(seq[i]);
            } else {
                assertThat(ctx.load(at, 8)).as("page %d, %s", seq[i], written.contains(seq[i]) ? "stored to"
                        : "never stored to: zeros").isEqualTo(written.contains(seq[i]) ? at : 0);
            }
        }
        var pp = fx.sos.pages();
        int hardFaults = (int) (ctx.process().faultsHandled() - faultsBefore - (pp.softFaults() - softBefore)
                - (pp.dirtyFaults() - dirtyBefore));
        Outcome outcome = new Outcome(List.copyOf(victims), hardFaults, pp.pageOuts(), pp.pageIns(), pp.softFaults(),
                pp.cleanDrops(), pp.dirtyFaults());
        // every page stored to holds its store still, wherever the run left it
        for (int page : written) {
            long at = base + (long) page * Layout.PAGE;
            assertThat(ctx.load(at, 8)).as("page %d after the run", page).isEqualTo(at);
        }
        return outcome;
    }
}
