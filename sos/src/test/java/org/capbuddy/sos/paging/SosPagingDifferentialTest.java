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
 * and the same page-out, page-in and soft-fault counts. Random sequences print their seed.
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
            Outcome sos = runOnSos(policy, k, BELADY, 6);
            ReferencePager ref = ReferencePager(policy, k, BELADY);
            assertAgree(sos, ref, policy + ", Belady's sequence, " + k + " frames");
            if (policy.equals(FifoPolicy.NAME)) {
                assertThat(sos.faults).as("faults with %d frames", k).isEqualTo(k == 3 ? 9 : 10);
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
            assertAgree(runOnSos(policy, k, seq, pages), ReferencePager(policy, k, seq),
                    policy + ", seed " + seed + " round " + round + " (re-run with -Dpaging.seed=" + seed + "), "
                            + k + " frames, sequence " + Arrays.toString(seq));
        }
    }

    private record Outcome(List<Integer> victims, int faults, long pageOuts, long pageIns, long softFaults) {
    }

    private static ReferencePager ReferencePager(String policy, int frames, int[] seq) {
        return PolicyDifferentialTest.reference(policy, frames, seq);
    }

    private static void assertAgree(Outcome sos, ReferencePager ref, String at) {
        assertThat(sos.victims).as(at).isEqualTo(ref.victims);
        assertThat(sos.faults).as(at).isEqualTo(ref.faults);
        assertThat(sos.pageOuts).as(at).isEqualTo(ref.pageOuts);
        assertThat(sos.pageIns).as(at).isEqualTo(ref.pageIns);
        assertThat(sos.softFaults).as(at).isEqualTo(ref.softFaults);
    }

    /** The frames a fresh process holds before it touches anything (its IPC buffer and what creation maps). */
    private static int framesOfAFreshProcess() {
        SosFixture fx = new SosFixture(true);
        fx.process();
        return fx.sos.frameTable().framesInUse();
    }

    private static Outcome runOnSos(String policy, int k, int[] seq, int pages) throws MemoryFault {
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
        for (int page : seq) {
            ctx.load(base + (long) page * Layout.PAGE, 8);
        }
        var pp = fx.sos.pages();
        int hardFaults = (int) (ctx.process().faultsHandled() - faultsBefore - (pp.softFaults() - softBefore));
        return new Outcome(victims, hardFaults, pp.pageOuts(), pp.pageIns(), pp.softFaults());
    }
}
