package org.capbuddy.sos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.SplittableRandom;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.user.MemoryFault;
import org.capbuddy.sos.user.UserContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A Java user program that recurses until its Java stack overflows, touching a fresh page (a page
 * fault SOS must serve) or calling brk at every level, so that faults and system calls come at
 * every depth, the last ones right at the stack's limit. SOS's work must never be the part that
 * overflows: the program gets its StackOverflowError, and once the process is torn down the
 * allocators, SOS and the kernel are exactly as before, with the machine not broken.
 */
class DeepRecursionTest {
    private static final int ROUNDS = 4;

    /** How deep the recursion went, and the pages it touched on the way down. */
    private static final class Descent {
        final UserContext ctx;
        final SplittableRandom random;
        final long heap;
        int depth;

        Descent(UserContext ctx, long seed) {
            this.ctx = ctx;
            this.random = new SplittableRandom(seed);
            this.heap = ctx.brk(0);
        }

        /** One level: a fault on a fresh page, now and then a brk, then deeper. Never returns normally. */
        void down(long a, long b, long c) throws MemoryFault {
            depth++;
            long page = heap + (long) depth * Layout.PAGE;
            if (ctx.brk(0) < page + Layout.PAGE) {
                ctx.brk(page + 64 * Layout.PAGE);
            }
            ctx.store(page, 8, a ^ b ^ c);
            if (random.nextInt(16) == 0) {
                ctx.brk(page + 64 * Layout.PAGE); // a system call too, at every depth in turn
            }
            down(b, c, a + depth);
        }
    }

    @ParameterizedTest(name = "seed {0}, {1}")
    @ValueSource(booleans = {true, false})
    void aProgramThatOverflowsItsJavaStackNeverOverflowsInsideSos(boolean usePool) {
        long seed = Long.getLong("capbuddy.seed", 1);
        SosFixture fx = new SosFixture(usePool);
        var idle = fx.balance();
        for (int round = 0; round < ROUNDS; round++) {
            Process p = fx.process();
            Descent descent = new Descent(fx.context(p), seed * 31 + round);
            Throwable ended = null;
            try {
                descent.down(1, 2, 3);
            } catch (Throwable t) {
                ended = t;
            }
            String at = "seed " + seed + " round " + round + " (depth " + descent.depth + ")";
            assertThat(ended).as(at).isInstanceOf(StackOverflowError.class);
            assertThat(fx.kernel.guard().isBroken()).as("%s: %s", at, fx.kernel.guard().brokenBecause()).isFalse();
            assertThat(p.shadow().pageCount()).as(at).isGreaterThan(100);
            fx.assertInvariants();
            assertThat(fx.sos.destroy(p).isOk()).as(at).isTrue();
            assertThat(fx.balance()).as(at).isEqualTo(idle);
        }
        fx.assertInvariants();
    }
}
