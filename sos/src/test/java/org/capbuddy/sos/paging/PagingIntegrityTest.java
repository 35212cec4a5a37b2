package org.capbuddy.sos.paging;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.capbuddy.sos.SosFixture;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.frametable.FrameTable;
import org.capbuddy.sos.machine.Balance;
import org.capbuddy.sos.machine.SosConfig;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.user.MemoryFault;
import org.capbuddy.sos.user.UserContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Processes whose working set is several times SOS's frame table write seeded words to many pages
 * and read each back, through their MMUs (faults, page-outs, page-ins, soft faults) and through
 * SOS's copy (what system calls use, both ways: a write of SOS's into a page read only so far,
 * clean, must make it dirty or a clean drop would lose it), under each policy; pages read before
 * they are written are clean and dropped without a write; afterwards nothing is leaked: frames,
 * slots, untypeds, page-file slots. Re-run one case with {@code -Dpaging.seed=N}.
 */
class PagingIntegrityTest {
    private static final int FRAMES = 24;
    private static final int PROCESSES = 3;
    private static final int PAGES_EACH = 40;
    private static final int STEPS = 3000;

    static List<Arguments> cases() {
        long seed = Long.getLong("paging.seed", new SplittableRandom().nextLong());
        List<Arguments> all = new ArrayList<>();
        for (String policy : PolicyRegistry.names()) {
            for (boolean pool : new boolean[] {true, false}) {
                all.add(Arguments.of(policy, pool, seed));
            }
        }
        return all;
    }

    @ParameterizedTest(name = "{0} pool={1} seed={2}")
    @MethodSource("cases")
    void everyPageReadsBackWhatWasWrittenAndTeardownLeavesNothing(String policy, boolean pool, long seed)
            throws MemoryFault {
        String at = "policy " + policy + ", pool " + pool + ", seed " + seed + " (re-run with -Dpaging.seed=" + seed + ")";
        SplittableRandom rnd = new SplittableRandom(seed);
        SosFixture fx = new SosFixture(pool, new SosConfig(FrameTable.SEED_REF_BITS, FRAMES, 4096, policy));
        Balance idle = fx.balance();
        List<UserContext> ctxs = new ArrayList<>();
        List<Long> bases = new ArrayList<>();
        long[][][] model = new long[PROCESSES][PAGES_EACH][];
        for (int i = 0; i < PROCESSES; i++) {
            Process p = fx.process();
            UserContext ctx = fx.context(p);
            ctxs.add(ctx);
            bases.add(ctx.sys().mmap(PAGES_EACH * Layout.PAGE).value());
        }
        for (int step = 0; step < STEPS; step++) {
            int i = rnd.nextInt(PROCESSES);
            int page = rnd.nextInt(PAGES_EACH);
            int word = rnd.nextInt(512);
            long addr = bases.get(i) + page * Layout.PAGE + 8L * word;
            UserContext ctx = ctxs.get(i);
            int what = rnd.nextInt(10);
            if (what < 5) {
                long value = rnd.nextLong();
                ctx.store(addr, 8, value);
                if (model[i][page] == null) {
                    model[i][page] = new long[512];
                }
                model[i][page][word] = value;
            } else if (what < 8) {
                long expected = model[i][page] == null ? 0 : model[i][page][word];
                assertThat(ctx.load(addr, 8)).as("%s: step %d, process %d page %d word %d", at, step, i, page, word)
                        .isEqualTo(expected);
            } else if (what == 9 && page + 1 < PAGES_EACH) {
                // SOS's copy into the process, across a page boundary, as a read(2) into the buffer does
                long into = bases.get(i) + page * Layout.PAGE + 4096 - 16;
                java.nio.ByteBuffer put = java.nio.ByteBuffer.allocate(32).order(java.nio.ByteOrder.LITTLE_ENDIAN);
                for (int k = 0; k < 4; k++) {
                    int pg = page + (k >= 2 ? 1 : 0);
                    int w = k >= 2 ? k - 2 : 510 + k;
                    long value = rnd.nextLong();
                    put.putLong(value);
                    if (model[i][pg] == null) {
                        model[i][pg] = new long[512];
                    }
                    model[i][pg][w] = value;
                }
                assertThat(fx.sos.pages().copy(ctx.process(), into, put.array(), 0, 32, true)).as(at).isEqualTo(32);
            } else {
                // SOS's copy out of the process, across a page boundary, as a write(2) of the buffer does
                long from = bases.get(i) + page * Layout.PAGE + 4096 - 16;
                int len = page + 1 < PAGES_EACH ? 32 : 16;
                byte[] got = new byte[len];
                assertThat(fx.sos.pages().copy(ctx.process(), from, got, 0, len, false)).as(at).isEqualTo(len);
                for (int k = 0; k < len / 8; k++) {
                    int pg = page + (k >= 2 ? 1 : 0);
                    int w = k >= 2 ? k - 2 : 510 + k;
                    long expected = model[i][pg] == null ? 0 : model[i][pg][w];
                    assertThat(java.nio.ByteBuffer.wrap(got, 8 * k, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN)
                            .getLong()).as("%s: step %d copy of process %d page %d word %d", at, step, i, pg, w)
                            .isEqualTo(expected);
                }
            }
            assertThat(fx.sos.frameTable().framesInUse()).as(at).isLessThanOrEqualTo(FRAMES);
        }
        for (int i = 0; i < PROCESSES; i++) {
            for (int page = 0; page < PAGES_EACH; page++) {
                for (int word = 0; word < 512; word++) {
                    long expected = model[i][page] == null ? 0 : model[i][page][word];
                    long addr = bases.get(i) + page * Layout.PAGE + 8L * word;
                    assertThat(ctxs.get(i).load(addr, 8)).as("%s: final, process %d page %d word %d", at, i, page,
                            word).isEqualTo(expected);
                }
            }
        }
        var pages = fx.sos.pages();
        assertThat(pages.pageOuts()).as(at).isGreaterThan(PROCESSES * PAGES_EACH - FRAMES);
        assertThat(pages.pageIns()).as(at).isPositive();
        assertThat(pages.cleanDrops()).as(at).isPositive();
        assertThat(pages.dirtyFaults()).as(at).isPositive();
        if (policy.equals(FifoPolicy.NAME)) {
            assertThat(pages.softFaults()).as(at).isZero();
        } else {
            assertThat(pages.softFaults()).as(at).isPositive();
        }
        assertThat(pages.pageFile().slotsInUse()).as(at).isPositive();
        fx.assertInvariants();
        for (UserContext ctx : ctxs) {
            assertThat(fx.sos.destroy(ctx.process()).isOk()).as(at).isTrue();
        }
        assertThat(pages.pageFile().slotsInUse()).as(at).isZero();
        assertThat(pages.pageFile().slotsHeld()).as(at).isZero();
        assertThat(pages.policy().size()).as(at).isZero();
        assertThat(fx.balance()).as(at).isEqualTo(idle);
        fx.assertInvariants();
    }
}
