package org.capbuddy.sos.paging;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.capbuddy.kernel.api.PagingDump;
import org.capbuddy.sos.SosFixture;
import org.capbuddy.sos.Syscalls;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.frametable.FrameTable;
import org.capbuddy.sos.linux.LinuxProcess;
import org.capbuddy.sos.linux.LinuxSyscall;
import org.capbuddy.sos.machine.Balance;
import org.capbuddy.sos.machine.SosConfig;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.user.MemoryFault;
import org.capbuddy.sos.user.UserContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Two processes store, load, copy across page boundaries, drop pages (MADV_DONTNEED), change
 * rights and move their memory (mremap) in a frame table far smaller than their pages, against
 * a model of every word; teardown leaves the allocators, the page file and the policy empty.
 * Loads of pages never stored to and of pages read back leave them clean, so many victims are
 * dropped without a write; SOS's window writes (a copy, and read(2) from stdin) must make such
 * pages dirty first, or the model would catch the lost bytes. Every few hundred steps each
 * mapped page's rights in the kernel's tables are checked: the region's, less write while clean.
 * Seeded: a case's name gives its policy, seed and frames.
 */
class PagingModelFuzzTest {
    private static final int PROCESSES = 2;
    private static final int PAGES = 12;
    private static final int STEPS = 4000;
    private static final int RW = Syscalls.PROT_READ | Syscalls.PROT_WRITE;
    private static final int MADV_DONTNEED = 4;

    static List<Arguments> cases() {
        List<Arguments> all = new ArrayList<>();
        for (String policy : PolicyRegistry.names()) {
            for (long seed = 1; seed <= 6; seed++) {
                for (int frames : new int[] {14, 20}) {
                    all.add(Arguments.of(policy, seed, frames));
                }
            }
        }
        return all;
    }

    @ParameterizedTest(name = "{0} seed={1} frames={2}")
    @MethodSource("cases")
    void modelHolds(String policy, long seed, int frames) throws MemoryFault {
        String at = policy + " seed " + seed + " frames " + frames;
        SplittableRandom rnd = new SplittableRandom(seed);
        SosFixture fx = new SosFixture(true, new SosConfig(FrameTable.SEED_REF_BITS, frames, 4096, policy));
        Balance idle = fx.balance();
        List<UserContext> ctxs = new ArrayList<>();
        long[] bases = new long[PROCESSES];
        long[][][] model = new long[PROCESSES][PAGES][512];
        long[] code = new long[PROCESSES];
        byte[][] stdin = new byte[PROCESSES][16 * STEPS];
        int[] read = new int[PROCESSES];
        for (int i = 0; i < PROCESSES; i++) {
            Process p = fx.process();
            UserContext ctx = fx.context(p);
            ctxs.add(ctx);
            bases[i] = ctx.sys().mmap(PAGES * Layout.PAGE).value();
            code[i] = fx.codePage(p);
            rnd.nextBytes(stdin[i]);
            fx.sos.linux().attach(p, new LinuxProcess(stdin[i], seed));
        }
        for (int step = 0; step < STEPS; step++) {
            int i = rnd.nextInt(PROCESSES);
            int page = rnd.nextInt(PAGES);
            int word = rnd.nextInt(512);
            UserContext ctx = ctxs.get(i);
            long addr = bases[i] + page * Layout.PAGE + 8L * word;
            String where = at + " step " + step + " p" + i + " page " + page + " word " + word;
            int what = rnd.nextInt(100);
            if (what < 40) {
                long v = rnd.nextLong();
                ctx.store(addr, 8, v);
                model[i][page][word] = v;
            } else if (what < 75) {
                assertThat(ctx.load(addr, 8)).as(where).isEqualTo(model[i][page][word]);
            } else if (what < 82) {
                // a system call writing into the process across a page boundary
                if (page + 1 < PAGES) {
                    long from = bases[i] + page * Layout.PAGE + 4096 - 8;
                    long v1 = rnd.nextLong();
                    long v2 = rnd.nextLong();
                    byte[] b = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN)
                            .putLong(v1).putLong(v2).array();
                    assertThat(fx.sos.pages().copy(ctx.process(), from, b, 0, 16, true)).as(where).isEqualTo(16);
                    model[i][page][511] = v1;
                    model[i][page + 1][0] = v2;
                }
            } else if (what < 84) {
                // read(2) from stdin across a page boundary: SOS's window again, reached by a real call
                if (page + 1 < PAGES) {
                    long from = bases[i] + page * Layout.PAGE + 4096 - 8;
                    long got = fx.linuxCall(ctx.process(), code[i], LinuxSyscall.READ.number(), 0, from, 16);
                    assertThat(got).as(where).isEqualTo(16);
                    ByteBuffer b = ByteBuffer.wrap(stdin[i], read[i], 16).order(ByteOrder.LITTLE_ENDIAN);
                    model[i][page][511] = b.getLong();
                    model[i][page + 1][0] = b.getLong();
                    read[i] += 16;
                }
            } else if (what < 86) {
                var r = ctx.sys().madvise(bases[i] + page * Layout.PAGE, Layout.PAGE, MADV_DONTNEED);
                assertThat(r.isOk()).as("%s %s", where, r).isTrue();
                model[i][page] = new long[512];
            } else if (what < 93) {
                long pg = bases[i];
                assertThat(ctx.sys().mprotect(pg, PAGES * Layout.PAGE, Syscalls.PROT_READ).isOk()).as(where).isTrue();
                assertThat(ctx.load(addr, 8)).as(where + " read-only").isEqualTo(model[i][page][word]);
                assertThat(ctx.sys().mprotect(pg, PAGES * Layout.PAGE, 0).isOk()).as(where).isTrue();
                assertThat(ctx.sys().mprotect(pg, PAGES * Layout.PAGE, RW).isOk()).as(where).isTrue();
                assertThat(ctx.load(addr, 8)).as(where + " back to rw").isEqualTo(model[i][page][word]);
            } else {
                var moved = ctx.sys().mremap(bases[i], PAGES * Layout.PAGE, PAGES * Layout.PAGE,
                        Syscalls.MREMAP_MAYMOVE | Syscalls.MREMAP_FIXED, bases[i] + (rnd.nextBoolean() ? 1L : 2L) * 0x100_0000L);
                assertThat(moved.isOk()).as("%s %s", where, moved).isTrue();
                bases[i] = moved.value();
            }
            assertThat(fx.sos.frameTable().framesInUse()).as(where).isLessThanOrEqualTo(frames);
            if (step % 250 == 0) {
                for (int k = 0; k < PROCESSES; k++) {
                    assertRightsExact(fx, ctxs.get(k).process(), bases[k], where);
                }
            }
        }
        for (int i = 0; i < PROCESSES; i++) {
            for (int page = 0; page < PAGES; page++) {
                for (int word = 0; word < 512; word++) {
                    assertThat(ctxs.get(i).load(bases[i] + page * Layout.PAGE + 8L * word, 8))
                            .as("%s final p%d page %d word %d", at, i, page, word).isEqualTo(model[i][page][word]);
                }
            }
        }
        assertThat(fx.sos.pages().pageOuts()).as(at).isPositive();
        assertThat(fx.sos.pages().cleanDrops()).as(at).isPositive();
        assertThat(fx.sos.pages().dirtyFaults()).as(at).isPositive();
        for (UserContext ctx : ctxs) {
            assertThat(fx.sos.destroy(ctx.process()).isOk()).as(at).isTrue();
        }
        assertThat(fx.sos.pages().pageFile().slotsInUse()).as(at).isZero();
        assertThat(fx.sos.pages().policy().size()).as(at).isZero();
        assertThat(fx.balance()).as(at).isEqualTo(idle);
        fx.assertInvariants();
    }

    /** Each mapped page of the region at {@code base}: mapped with the region's rights, less write while it is clean. */
    private static void assertRightsExact(SosFixture fx, Process p, long base, String where) {
        PagingDump dump = fx.vka.sel4().pageTables(p.vspaceCptr()).orElseThrow();
        for (PagingDump.Entry e : dump.entries()) {
            if (!(e instanceof PagingDump.PageRun run) || run.vaddrLast() < base
                    || run.vaddr() >= base + PAGES * Layout.PAGE) {
                continue;
            }
            for (long va = run.vaddr(); va < run.vaddrLast(); va += Layout.PAGE) {
                String expected = fx.sos.pages().isClean(p, va) ? "r" : "rw";
                assertThat(run.rights()).as("%s: rights of 0x%x", where, va).isEqualTo(expected);
            }
        }
    }
}
