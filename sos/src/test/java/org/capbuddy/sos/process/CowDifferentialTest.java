package org.capbuddy.sos.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.capbuddy.kernel.object.Pte;
import org.capbuddy.kernel.api.VmRights;
import org.capbuddy.sos.SosFixture;
import org.capbuddy.sos.SysResult;
import org.capbuddy.sos.Syscalls;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.addrspace.Region;
import org.capbuddy.sos.addrspace.RegionKind;
import org.capbuddy.sos.isolation.KernelMappings;
import org.capbuddy.sos.machine.Balance;
import org.capbuddy.sos.machine.SosConfig;
import org.capbuddy.sos.user.MemoryFault;
import org.capbuddy.sos.user.UserContext;
import org.junit.jupiter.api.Test;

/**
 * Two machines run the same random sequence of loads, stores, system-call copies into and out of
 * processes, mmap, munmap, brk, mprotect, madvise (DONTNEED, POPULATE_WRITE), mremap, forks
 * ({@code Sos.fork}) and teardowns: on one a fork copies every resident page at once
 * ({@link ForkMode#COPY}, the reference), on the other it shares them copy-on-write
 * ({@link ForkMode#COW}). Every byte either reads must agree, every call must answer alike, each
 * process must have the same pages resident; after every step the copy-on-write machine's share
 * counts must equal the mappings its processes' shadows hold, no shared frame may be mapped
 * writable in the kernel's own tables, and both frame tables must hold exactly the frames mapped;
 * whenever no process is left, and at the end, both machines' balances must be back to where they
 * started. Some mappings are MAP_SHARED, which both modes share alike: a store to one must read
 * back in every process whose region names the same object, and the audit of counts treats its
 * frames as the object's (mapped writable by any number of pages, held while unmapped). The
 * seed is printed; re-run with {@code -Dcow.seed=...}, lengthen with {@code -Dcow.steps=...}.
 */
class CowDifferentialTest {
    private static final int STEPS = 1200;
    private static final int MAX_PROCESSES = 6;

    /** One machine and its processes, alive (null once destroyed) in the order made. */
    static final class Side {
        final SosFixture fx;
        final List<Process> procs = new ArrayList<>();
        final Balance idle;

        Side(ForkMode mode) {
            this.fx = new SosFixture(true, new SosConfig(1 << 18).withForkMode(mode));
            this.idle = fx.balance();
        }

        UserContext ctx(int i) {
            return fx.context(procs.get(i));
        }
    }

    @Test
    void eagerCopyAndCopyOnWriteReadTheSameBytes() {
        long seed = Long.getLong("cow.seed", new SplittableRandom().nextLong());
        System.out.println("CowDifferentialTest seed " + seed + " (re-run with -Dcow.seed=" + seed + ")");
        run(seed, Integer.getInteger("cow.steps", STEPS));
    }

    static void run(long seed, int steps) {
        SplittableRandom rnd = new SplittableRandom(seed);
        Side eager = new Side(ForkMode.COPY);
        Side cow = new Side(ForkMode.COW);
        Side[] sides = {eager, cow};
        for (Side s : sides) {
            s.procs.add(s.fx.process());
        }
        for (int step = 0; step < steps; step++) {
            String at = "seed " + seed + " (re-run with -Dcow.seed=" + seed + ") step " + step;
            try {
                step(rnd, sides, at);
                check(sides, at, step % 50 == 0);
            } catch (MemoryFault f) {
                throw new AssertionError(at + ": " + f, f);
            }
        }
        ProcessPages pages = cow.fx.sos.pages();
        System.out.printf("seed %d: %d pages shared, %d copy-on-write copies, %d reuses, %d frames saved now%n", seed,
                pages.pagesShared(), pages.cowCopies(), pages.cowReuses(), pages.framesSaved());
        assertThat(pages.pagesShared()).as("seed %d: forks shared pages", seed).isPositive();
        for (Side s : sides) {
            for (Process p : s.procs) {
                if (p != null) {
                    assertThat(s.fx.sos.destroy(p).isOk()).isTrue();
                }
            }
            assertThat(s.fx.balance()).as("seed %d: all destroyed", seed).isEqualTo(s.idle);
            s.fx.assertInvariants();
        }
        assertThat(cow.fx.sos.pages().sharedFrames()).isZero();
        assertThat(cow.fx.sos.pages().shareProtectedPages()).isZero();
        for (Side s : sides) {
            assertThat(s.fx.sos.pages().liveSharedObjects()).as("seed %d: shared objects left", seed).isZero();
        }
    }

    private static void step(SplittableRandom rnd, Side[] sides, String at) throws MemoryFault {
        List<Integer> live = new ArrayList<>();
        for (int i = 0; i < sides[0].procs.size(); i++) {
            if (sides[0].procs.get(i) != null) {
                live.add(i);
            }
        }
        if (live.isEmpty()) {
            for (Side s : sides) {
                assertThat(s.fx.balance()).as("%s: no process left", at).isEqualTo(s.idle);
                s.procs.add(s.fx.process());
            }
            return;
        }
        int i = live.get(rnd.nextInt(live.size()));
        Process ref = sides[0].procs.get(i);
        ProcessState state = ref.state();
        if (state != ProcessState.RUNNING) {
            for (Side s : sides) {
                assertThat(s.procs.get(i).state()).as(at).isEqualTo(state);
                assertThat(s.fx.sos.destroy(s.procs.get(i)).isOk()).isTrue();
                s.procs.set(i, null);
            }
            return;
        }
        int op = rnd.nextInt(100);
        if (op < 30) {
            long va = address(rnd, ref, true);
            long value = rnd.nextLong();
            String[] outcome = new String[2];
            for (int k = 0; k < 2; k++) {
                outcome[k] = store(sides[k].ctx(i), va, value);
            }
            assertThat(outcome[1]).as("%s: store at 0x%x", at, va).isEqualTo(outcome[0]);
            if (outcome[0].equals("ok")) {
                for (Side s : sides) {
                    sharersSee(s, s.procs.get(i), va, value, at);
                }
            }
        } else if (op < 50) {
            long va = address(rnd, ref, false);
            String[] outcome = new String[2];
            for (int k = 0; k < 2; k++) {
                outcome[k] = load(sides[k].ctx(i), va);
            }
            assertThat(outcome[1]).as("%s: load at 0x%x", at, va).isEqualTo(outcome[0]);
        } else if (op < 58) {
            long va = address(rnd, ref, true);
            byte[] bytes = new byte[1 + rnd.nextInt(6000)];
            rnd.nextBytes(bytes);
            boolean[] ok = new boolean[2];
            for (int k = 0; k < 2; k++) {
                Syscalls sys = sides[k].fx.sos.syscalls(sides[k].procs.get(i));
                ok[k] = sys.checkUserBuffer(va, bytes.length, true) == null && sys.copyToUser(va, bytes, bytes.length);
            }
            assertThat(ok[1]).as("%s: copy into 0x%x", at, va).isEqualTo(ok[0]);
        } else if (op < 66) {
            long va = address(rnd, ref, false);
            int length = 1 + rnd.nextInt(6000);
            byte[][] read = new byte[2][];
            for (int k = 0; k < 2; k++) {
                Syscalls sys = sides[k].fx.sos.syscalls(sides[k].procs.get(i));
                read[k] = sys.checkUserBuffer(va, length, false) == null ? sys.copyFromUser(va, length) : null;
            }
            assertThat(read[1]).as("%s: copy out of 0x%x", at, va).isEqualTo(read[0]);
        } else if (op < 74) {
            if (live.size() < MAX_PROCESSES) {
                fork(sides, i, at);
            }
        } else if (op < 77) {
            for (Side s : sides) {
                assertThat(s.fx.sos.destroy(s.procs.get(i)).isOk()).isTrue();
                s.procs.set(i, null);
            }
        } else {
            call(rnd, sides, i, ref, op, at);
        }
    }

    /** A memory system call on both sides: the same result on each. */
    private static void call(SplittableRandom rnd, Side[] sides, int i, Process ref, int op, String at) {
        List<Region> mmaps = regions(ref, RegionKind.MMAP);
        Region r = mmaps.isEmpty() ? null : mmaps.get(rnd.nextInt(mmaps.size()));
        long page = r == null ? 0 : r.base() + Layout.PAGE * rnd.nextInt((int) (r.size() / Layout.PAGE));
        long pages = 1 + rnd.nextInt(3);
        boolean grow = rnd.nextBoolean();
        int prot = rnd.nextInt(3) == 0 ? Syscalls.PROT_READ : Syscalls.PROT_READ | Syscalls.PROT_WRITE;
        int advice = rnd.nextBoolean() ? 4 /* MADV_DONTNEED */ : 23 /* MADV_POPULATE_WRITE */;
        int type = rnd.nextInt(3) == 0 ? Syscalls.MAP_SHARED : Syscalls.MAP_PRIVATE;
        String[] result = new String[2];
        for (int k = 0; k < 2; k++) {
            Syscalls sys = sides[k].fx.sos.syscalls(sides[k].procs.get(i));
            SysResult out;
            if (op < 82 || r == null) {
                out = sys.mmap(0, pages * Layout.PAGE, Syscalls.PROT_READ | Syscalls.PROT_WRITE,
                        type | Syscalls.MAP_ANONYMOUS, -1, 0);
            } else if (op < 85) {
                out = sys.munmap(page, pages * Layout.PAGE);
            } else if (op < 89) {
                long brk = sys.brk(0);
                long to = grow ? brk + pages * Layout.PAGE : brk - pages * Layout.PAGE;
                out = SysResult.ok(sys.brk(Math.max(ref.addressSpace().heapBase(), to)));
            } else if (op < 93) {
                out = sys.mprotect(page, pages * Layout.PAGE, prot);
            } else if (op < 97) {
                out = sys.madvise(page, pages * Layout.PAGE, advice);
            } else {
                out = sys.mremap(page, Layout.PAGE, (1 + pages) * Layout.PAGE, Syscalls.MREMAP_MAYMOVE, 0);
            }
            result[k] = out.isOk() ? "ok " + out.value() : "fail " + out.errno();
        }
        assertThat(result[1]).as("%s: call %d", at, op).isEqualTo(result[0]);
    }

    /** Forks process {@code i} on both sides with {@code Sos.fork}: the child is the last process. */
    private static void fork(Side[] sides, int i, String at) {
        for (Side s : sides) {
            var child = s.fx.sos.fork(s.procs.get(i));
            assertThat(child.isOk()).as("%s: %s", at, child).isTrue();
            s.procs.add(child.value());
        }
    }

    /**
     * After {@code writer} stored {@code value} at {@code va}: every live process whose region
     * there names the same shared object reads it.
     */
    private static void sharersSee(Side s, Process writer, long va, long value, String at) throws MemoryFault {
        Region r = writer.addressSpace().find(va);
        if (r == null || !r.isShared()) {
            return;
        }
        for (Process p : s.procs) {
            Region there = p == null || p == writer || p.state() != ProcessState.RUNNING ? null
                    : p.addressSpace().find(va);
            if (there != null && there.shared() == r.shared() && there.read()) {
                assertThat(s.fx.context(p).load(va, 8)).as("%s: process %d sees process %d's store to shared 0x%x",
                        at, p.pid(), writer.pid(), va).isEqualTo(value);
            }
        }
    }

    /** {@code p}'s regions as text, a shared object named by its number (its identity is its machine's). */
    private static List<String> described(Process p) {
        List<String> out = new ArrayList<>();
        for (Region r : p.addressSpace().regions()) {
            out.add(new Region(r.kind(), r.base(), r.end(), r.read(), r.write(), r.execute(), r.source()) + " shared "
                    + (r.isShared() ? r.shared().id() + "@" + Long.toHexString(r.shared().origin()) : "no"));
        }
        return out;
    }

    private static List<Region> regions(Process p, RegionKind kind) {
        List<Region> out = new ArrayList<>();
        for (Region r : p.addressSpace().regions()) {
            if (r.kind() == kind) {
                out.add(r);
            }
        }
        return out;
    }

    /** An 8-byte-aligned address in one of {@code p}'s regions (the stack's top pages only; code for loads). */
    private static long address(SplittableRandom rnd, Process p, boolean store) {
        List<Region> choices = new ArrayList<>();
        for (Region r : p.addressSpace().regions()) {
            if (r.kind() != RegionKind.SIGPAGE && (r.kind() != RegionKind.CODE || !store) && r.size() > 0) {
                choices.add(r);
            }
        }
        Region r = choices.get(rnd.nextInt(choices.size()));
        long pages = Math.min(r.size() / Layout.PAGE, r.kind() == RegionKind.STACK ? 6 : 64);
        long base = r.kind() == RegionKind.STACK ? r.end() - pages * Layout.PAGE : r.base();
        return base + Layout.PAGE * rnd.nextLong(pages) + 8 * rnd.nextInt((int) (Layout.PAGE / 8));
    }

    private static String store(UserContext ctx, long va, long value) {
        try {
            ctx.store(va, 8, value);
            return "ok";
        } catch (MemoryFault f) {
            return "fault";
        }
    }

    private static String load(UserContext ctx, long va) {
        try {
            return Long.toHexString(ctx.load(va, 8));
        } catch (MemoryFault f) {
            return "fault";
        }
    }

    /**
     * After a step: the same regions and resident pages in each process on both sides; each frame
     * table holds exactly the frames its processes map; the copy-on-write side's share counts are
     * the mappings its shadows hold, and a page shares only while protected.
     */
    private static void check(Side[] sides, String at, boolean invariants) {
        for (int i = 0; i < sides[0].procs.size(); i++) {
            Process a = sides[0].procs.get(i);
            Process b = sides[1].procs.get(i);
            if (a == null) {
                continue;
            }
            assertThat(described(b)).as("%s: regions of %d", at, i).isEqualTo(described(a));
            assertThat(b.shadow().pageAddresses()).as("%s: pages of %d", at, i).isEqualTo(a.shadow().pageAddresses());
            assertThat(b.state()).as(at).isEqualTo(a.state());
        }
        for (Side s : sides) {
            Map<Integer, Integer> mappings = new HashMap<>();
            for (Process p : s.procs) {
                if (p == null) {
                    continue;
                }
                for (long va : p.shadow().pageAddresses()) {
                    int ref = p.shadow().frameRef(va);
                    mappings.merge(ref, 1, Integer::sum);
                    var object = s.fx.sos.pages().sharedHolder(ref);
                    if (object != null) {
                        // a shared object's frame: only in a region naming it, at the page it holds it for
                        Region r = p.addressSpace().find(va);
                        assertThat(r != null && r.shared() == object && object.frame(va) == ref)
                                .as("%s: 0x%x of %d maps %s's frame %d", at, va, p.pid(), object, ref).isTrue();
                        continue;
                    }
                    if (mappings.get(ref) > 1 || s.fx.sos.pages().shareCount(ref) > 1) {
                        assertThat(s.fx.sos.pages().isShareProtected(p, va)).as("%s: 0x%x of %d shares unprotected",
                                at, va, p.pid()).isTrue();
                        // the hardware's view, not SOS's: a shared frame is never mapped writable
                        Pte.Page pte = KernelMappings.pageAt(s.fx.kernel, p.vspaceCptr(), va);
                        assertThat(pte.rights()).as("%s: 0x%x of %d mapped writable while shared", at, va, p.pid())
                                .isNotEqualTo(VmRights.READ_WRITE);
                    }
                }
            }
            long shared = 0;
            int objectFramesMapped = 0;
            for (Map.Entry<Integer, Integer> e : mappings.entrySet()) {
                assertThat(s.fx.sos.pages().shareCount(e.getKey())).as("%s: share count of frame %d", at, e.getKey())
                        .isEqualTo(e.getValue());
                boolean objects = s.fx.sos.pages().sharedHolder(e.getKey()) != null;
                objectFramesMapped += objects ? 1 : 0;
                shared += e.getValue() > 1 && !objects ? 1 : 0;
            }
            assertThat(s.fx.sos.pages().sharedFrames()).as(at).isEqualTo(shared);
            // the frames mapped, and those shared objects hold with no page mapping them
            assertThat(s.fx.sos.frameTable().framesInUse()).as("%s: frames in use", at).isEqualTo(mappings.size()
                    + s.fx.sos.pages().sharedFramesHeld() - objectFramesMapped);
            if (invariants) {
                s.fx.assertInvariants();
            }
        }
        assertThat(sides[0].fx.sos.pages().sharedFrames()).isZero();
    }

    @Test
    void aKnownSeedRunsToTheEnd() {
        run(42, 300);
    }
}
