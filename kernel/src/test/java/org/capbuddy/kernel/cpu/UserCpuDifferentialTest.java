package org.capbuddy.kernel.cpu;

import org.capbuddy.kernel.testing.DifferentialSeeds;
import static org.assertj.core.api.Assertions.assertThat;
import static org.capbuddy.kernel.cpu.CpuFx.ASID_CONTROL;
import static org.capbuddy.kernel.cpu.CpuFx.D;
import static org.capbuddy.kernel.cpu.CpuFx.DEF;
import static org.capbuddy.kernel.cpu.CpuFx.FREE_VA;
import static org.capbuddy.kernel.cpu.CpuFx.LARGE;
import static org.capbuddy.kernel.cpu.CpuFx.PAGE;
import static org.capbuddy.kernel.cpu.CpuFx.ROOT;
import static org.capbuddy.kernel.cpu.CpuFx.ok;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.LongStream;
import org.capbuddy.kernel.cpu.UserCpu;
import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.api.VmAttributes;
import org.capbuddy.kernel.cap.Cap;
import org.capbuddy.kernel.memory.PhysicalMemory;
import org.capbuddy.kernel.object.ThreadState;
import org.capbuddy.kernel.object.VSpace;
import org.capbuddy.kernel.cpu.AccessKind;
import org.capbuddy.kernel.cpu.Mmu;
import org.capbuddy.kernel.cpu.Translation;
import org.capbuddy.kernel.cpu.VmFault;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * A seeded differential test of the TLB: random Page_Map (fresh, over-mapping, remap with other
 * rights), Page_Unmap, PageTable_Unmap, cap deletion, VSpace switches, ASID loss and the kernel
 * zeroing a frame behind the CPU, interleaved with random loads, stores, fetches, fills and copies
 * through one long-lived {@link UserCpu}, a third of them on the previous access's page (so that the
 * CPU's fast page is used and invalidated), and a third of the loads and stores through a
 * {@link MicroTlb} in front of it (whose copies must then be exactly as valid as the fast pages).
 * Every access is checked against a reference computed beforehand from {@link Mmu#translate} on
 * the thread's current VSpace and a shadow of every frame's contents: the same value, the same
 * fault (delivered once, to the handler), the same bytes written and nothing else written
 * anywhere; and a walk for exactly every TLB miss.
 *
 * <p>Seeds 1..6 plus one time-based seed run by default, each printed; re-run one with
 * {@code -Dkernel.tlb.seed=N} (steps: {@code -Dkernel.tlb.steps=N}).
 */
class UserCpuDifferentialTest {
    private static final int STEPS = Integer.getInteger("kernel.tlb.steps", 6000);

    static LongStream seeds() {
        return DifferentialSeeds.seeds("kernel.tlb.seed", 6);
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("seeds")
    void theTlbAgreesWithTheMmuUnderRandomMappingChanges(long seed) {
        System.out.println("UserCpuDifferentialTest seed " + seed + " (re-run with -Dkernel.tlb.seed=" + seed + ")");
        Run run = new Run(seed);
        try {
            run.run(STEPS);
        } catch (Throwable t) {
            throw new AssertionError("seed " + seed + " failed at step " + run.step
                    + " (re-run with -Dkernel.tlb.seed=" + seed + ")", t);
        }
        System.out.printf("  hits %d misses %d flushes %d faults %d%n", run.t.cpu.tlbHits(), run.t.cpu.tlbMisses(),
                run.t.cpu.tlbFlushes(), run.t.faults.size());
        assertThat(run.t.cpu.tlbHits()).as("the TLB was used").isGreaterThan(STEPS / 20);
        assertThat(run.t.cpu.tlbFlushes()).as("the TLB was flushed").isGreaterThan(0);
    }

    private static final class Run {
        private static final CapRights[] RIGHTS = {CapRights.READ_WRITE, CapRights.READ_WRITE, CapRights.READ_WRITE,
            CapRights.READ_WRITE, CapRights.READ_ONLY, CapRights.READ_ONLY, CapRights.READ_ONLY, CapRights.NONE};
        /** 4 KiB slots in two leaf tables. */
        private static final long[] SMALL_VAS = new long[16];
        /** 2 MiB slots in another directory. */
        private static final long[] LARGE_VAS = {FREE_VA + (1L << 30), FREE_VA + (1L << 30) + LARGE};

        static {
            for (int i = 0; i < 8; i++) {
                SMALL_VAS[i] = FREE_VA + i * PAGE;
                SMALL_VAS[8 + i] = FREE_VA + LARGE + i * PAGE;
            }
        }

        final SplittableRandom random;
        final CpuFx fx = new CpuFx();
        final PhysicalMemory mem = fx.kernel.physicalMemory();
        final CpuFx.UserThread t = fx.new UserThread();
        /** In front of the same CPU: a third of the loads and stores go through it and must agree exactly. */
        final MicroTlb micro = new MicroTlb(t.cpu);
        final List<Long> vspaces = new ArrayList<>();
        long pool;
        boolean poolDeleted;
        /** Frame caps in use: cptr -> size bits. */
        final List<long[]> frames = new ArrayList<>();
        /** Every frame ever made (paddr, size bits), deleted ones included: nothing may write them unexpectedly. */
        final List<long[]> allFrames = new ArrayList<>();
        /** Expected contents by 4 KiB physical page; absent = zero. */
        final Map<Long, byte[]> shadow = new HashMap<>();
        int step;

        Run(long seed) {
            random = new SplittableRandom(seed);
            vspaces.add(t.vspace);
            vspaces.add(fx.assignedVSpace());
            long ut = fx.object(ObjectType.UNTYPED, 12);
            pool = fx.slot();
            ok(fx.sel4.asidControlMakePool(ASID_CONTROL, ut, ROOT, pool, D));
            long v3 = fx.object(ObjectType.VSPACE);
            ok(fx.sel4.asidPoolAssign(pool, v3));
            vspaces.add(v3);
            for (int i = 0; i < 20; i++) {
                newFrame(12);
            }
            newFrame(21);
            newFrame(21);
            for (int i = 0; i < SMALL_VAS.length; i++) {
                ok(fx.mapPage(frames.get(i)[0], t.vspace, SMALL_VAS[i], CapRights.READ_WRITE, DEF));
            }
            ok(fx.mapPage(frames.get(20)[0], t.vspace, LARGE_VAS[0], CapRights.READ_WRITE, DEF));
        }

        void newFrame(int bits) {
            long cptr = fx.object(bits == 12 ? ObjectType.SMALL_PAGE : ObjectType.LARGE_PAGE);
            frames.add(new long[] {cptr, bits});
            long paddr = fx.paddr(cptr);
            assertThat(mem.isZero(paddr, 1L << bits)).isTrue();
            allFrames.add(new long[] {paddr, bits});
        }

        void run(int steps) {
            for (step = 0; step < steps; step++) {
                if (random.nextInt(32) == 0) {
                    change();

                } else {
                    access();
                }
                if (step % 200 == 199) {
                    verifyMemory();
                }
            }
            verifyMemory();
        }

        // ------------------------------------------------------------ mapping changes

        void change() {
            int op = random.nextInt(100);
            long[] frame = frames.get(random.nextInt(frames.size()));
            if (op < 50) {
                long vspace = random.nextInt(4) != 0 ? t.vspace : vspaces.get(random.nextInt(vspaces.size()));
                long va = frame[1] == 21 ? LARGE_VAS[random.nextInt(2)]
                        : random.nextInt(10) == 0 ? LARGE_VAS[random.nextInt(2)] + random.nextInt(3) * PAGE
                        : random.nextInt(4) == 0 ? SMALL_VAS[random.nextInt(SMALL_VAS.length)] : emptySmallSlot(vspace);
                if (random.nextInt(4) != 0) {
                    fx.sel4.pageUnmap(frame[0]);
                }
                fx.mapPage(frame[0], vspace, va, rights(), attributes());
            } else if (op < 62) {
                // remap with other rights and attributes (or a refused one into another VSpace)
                if (fx.capAt(frame[0]) instanceof Cap.FrameCap f && f.isMapped()) {
                    long vspace = random.nextInt(4) != 0 ? t.vspace : vspaces.get(random.nextInt(vspaces.size()));
                    fx.mapPage(frame[0], vspace, f.mappedVaddr(), rights(), attributes());
                }
            } else if (op < 70) {
                fx.sel4.pageUnmap(frame[0]);
            } else if (op < 72) {
                if (!fx.pageTables.isEmpty()) {
                    fx.sel4.pageTableUnmap(fx.pageTables.get(random.nextInt(fx.pageTables.size())));
                }
            } else if (op < 78) {
                ok(fx.sel4.cnodeDelete(ROOT, frame[0], D));
                frames.remove(frame);
                newFrame((int) frame[1]);
            } else if (op < 79) {
                if (!fx.pageTables.isEmpty()) {
                    long pt = fx.pageTables.remove(random.nextInt(fx.pageTables.size()));
                    ok(fx.sel4.cnodeDelete(ROOT, pt, D));
                }
            } else if (op < 88) {
                // repopulate: an unmapped small frame, read-write, into an empty slot of the current VSpace
                for (long[] f : frames) {
                    if (f[1] == 12 && fx.capAt(f[0]) instanceof Cap.FrameCap c && !c.isMapped()) {
                        fx.mapPage(f[0], t.vspace, emptySmallSlot(t.vspace), CapRights.READ_WRITE, DEF);
                        break;
                    }
                }
            } else if (op < 96) {
                long v = random.nextBoolean() ? vspaces.get(0) : vspaces.get(random.nextInt(vspaces.size()));
                if (fx.sel4.tcbSetSpace(t.tcb, t.faultEp, ROOT, 0, v, 0).isOk()) {
                    t.vspace = v;
                }
            } else if (op < 97 && !poolDeleted && step > STEPS / 4) {
                ok(fx.sel4.cnodeDelete(ROOT, pool, D));
                poolDeleted = true;
            } else if (op < 99) {
                t.cpu.flushTlb();
            } else {
                // the kernel zeroes a frame behind the CPU (no translation changes): its chunks go
                zeroBehindTheCpu(frame);
            }
        }

        void zeroBehindTheCpu(long[] frame) {
            long paddr = fx.paddr(frame[0]);
            mem.zero(paddr, 1L << frame[1]);
            for (long p = paddr; p < paddr + (1L << frame[1]); p += PAGE) {
                shadow.remove(p >>> 12);
            }
        }

        /** A small slot with no valid translation in {@code vspace} (any slot if all are taken). */
        long emptySmallSlot(long vspace) {
            VSpace v = ((Cap.VSpaceCap) fx.capAt(vspace)).vspace();
            int start = random.nextInt(SMALL_VAS.length);
            for (int i = 0; i < SMALL_VAS.length; i++) {
                long va = SMALL_VAS[(start + i) % SMALL_VAS.length];
                if (Mmu.translate(v, va, AccessKind.READ, va).isFault()) {
                    return va;
                }
            }
            return SMALL_VAS[start];
        }

        CapRights rights() {
            return RIGHTS[random.nextInt(RIGHTS.length)];
        }

        long attributes() {
            return random.nextInt(3) == 0 ? DEF | VmAttributes.EXECUTE_NEVER : DEF;
        }

        // ------------------------------------------------------------ accesses

        /** The page of the previous access, so that runs of accesses to one page (the CPU's fast page) happen. */
        long lastPage = SMALL_VAS[0];

        long anyVaddr() {
            int pick = random.nextInt(100);
            long page;
            if (random.nextInt(3) == 0) {
                page = lastPage;
            } else if (pick < 40) {
                page = SMALL_VAS[random.nextInt(4)];
            } else if (pick < 70) {
                page = SMALL_VAS[random.nextInt(SMALL_VAS.length)];
            } else if (pick < 95) {
                page = LARGE_VAS[random.nextInt(2)] + random.nextInt(4) * PAGE;
            } else if (pick < 98) {
                page = FREE_VA + 3 * LARGE + random.nextInt(4) * PAGE;
            } else {
                page = random.nextBoolean() ? 0x7FFF_FFFF_F000L : -PAGE;
            }
            lastPage = page;
            int where = random.nextInt(4);
            long offset = where == 0 ? PAGE - 1 - random.nextInt(8) : where == 1 ? random.nextInt(8) : random.nextLong(PAGE);
            return page + offset;
        }

        void access() {
            assertThat(t.cpu.state()).isEqualTo(ThreadState.RUNNING);
            long walks = fx.mmuWalks();
            long hits = t.cpu.tlbHits();
            long misses = t.cpu.tlbMisses();
            int delivered = t.faults.size();
            long va = anyVaddr();
            int kind = random.nextInt(100);
            // The fault IP of a data access is the PC the last fetch set; a fetch sets it first.
            long pc = t.cpu.pc();
            Plan plan;
            VmFault fault;
            if (kind < 30) {
                int size = 1 << random.nextInt(4);
                plan = plan(va, size, AccessKind.READ, pc);
                long expected = plan.fault == null ? shadowRead(plan, size) : 0;
                int way = random.nextInt(3);
                if (way == 0) {
                    assertThat(t.cpu.read(va, size)).as("read 0x%x/%d", va, size).isEqualTo(expected);
                    fault = Access.lastFault(t.cpu);
                } else if (way == 1) {
                    assertThat(micro.read(va, size)).as("micro-TLB read 0x%x/%d", va, size).isEqualTo(expected);
                    fault = Access.lastFault(t.cpu);
                } else {
                    Access r = Access.load(t.cpu, va, size);
                    assertThat(r.value()).as("load 0x%x/%d", va, size).isEqualTo(expected);
                    fault = r.fault();
                    assertThat(Access.lastFault(t.cpu)).isEqualTo(fault);
                }
            } else if (kind < 60) {
                int size = 1 << random.nextInt(4);
                long value = random.nextLong();
                plan = plan(va, size, AccessKind.WRITE, pc);
                byte[] bytes = new byte[size];
                for (int i = 0; i < size; i++) {
                    bytes[i] = (byte) (value >>> (8 * i));
                }
                shadowWrite(plan, bytes);
                int way = random.nextInt(3);
                if (way < 2) {
                    boolean done = way == 0 ? t.cpu.write(va, size, value) : micro.write(va, size, value);
                    fault = Access.lastFault(t.cpu);
                    assertThat(done).isEqualTo(fault == null);
                } else {
                    Access r = Access.store(t.cpu, va, size, value);
                    fault = r.fault();
                    assertThat(r.value()).isZero();
                }
            } else if (kind < 70) {
                va &= ~3L; // instructions are 4-byte aligned
                plan = plan(va, 4, AccessKind.EXECUTE, va);
                Access r = Access.fetch(t.cpu, va);
                assertThat(t.cpu.pc()).isEqualTo(va);
                assertThat(r.value()).as("instruction word at 0x%x", va)
                        .isEqualTo(plan.fault == null ? shadowRead(plan, 4) : 0);
                fault = r.fault();
            } else {
                int length = random.nextInt((int) (2 * PAGE + 100));
                if (kind < 80) {
                    byte value = random.nextInt(3) == 0 ? 0 : (byte) random.nextInt(256);
                    plan = plan(va, length, AccessKind.WRITE, pc);
                    byte[] bytes = new byte[length];
                    java.util.Arrays.fill(bytes, value);
                    shadowWrite(plan, bytes);
                    Access r = Access.fill(t.cpu, va, length, value);
                    fault = r.fault();
                    assertThat(r.value()).isEqualTo(plan.done);
                } else if (kind < 90) {
                    byte[] src = new byte[length + 4];
                    for (int i = 0; i < src.length; i++) {
                        src[i] = (byte) random.nextInt(256);
                    }
                    plan = plan(va, length, AccessKind.WRITE, pc);
                    shadowWrite(plan, java.util.Arrays.copyOfRange(src, 4, src.length));
                    Access r = Access.copyOut(t.cpu, va, src, 4, length);
                    fault = r.fault();
                    assertThat(r.value()).isEqualTo(plan.done);
                } else {
                    plan = plan(va, length, AccessKind.READ, pc);
                    byte[] expected = new byte[length + 2];
                    java.util.Arrays.fill(expected, (byte) 0xEE);
                    shadowCopy(plan, expected, 2);
                    byte[] dst = new byte[length + 2];
                    java.util.Arrays.fill(dst, (byte) 0xEE);
                    Access r = Access.copyIn(t.cpu, va, dst, 2, length);
                    fault = r.fault();
                    assertThat(r.value()).isEqualTo(plan.done);
                    assertThat(dst).isEqualTo(expected);
                }
            }
            assertThat(fault).as("fault of access at 0x%x", va).isEqualTo(plan.fault);
            assertThat(Access.lastFault(t.cpu)).isEqualTo(plan.fault);
            long lookups = (t.cpu.tlbHits() - hits) + (t.cpu.tlbMisses() - misses);
            assertThat(lookups).as("one TLB lookup per page piece").isEqualTo(plan.pieces + (plan.fault != null ? 1 : 0));
            assertThat(fx.mmuWalks() - walks).as("a walk for every miss, none for a hit")
                    .isEqualTo(t.cpu.tlbMisses() - misses);
            if (plan.fault != null) {
                assertThat(t.faults).hasSize(delivered + 1);
                assertThat(t.lastFault()).isEqualTo(plan.fault);
                t.restart();
            } else {
                assertThat(t.faults).hasSize(delivered);
            }
        }

        /** The reference: how the access splits into page pieces, and where it faults. */
        record Plan(List<long[]> pieces0, int pieces, long done, VmFault fault) {
        }

        Plan plan(long vaddr, long length, AccessKind kind, long ip) {
            VSpace vspace = t.currentVSpace();
            List<long[]> pieces = new ArrayList<>();
            long done = 0;
            while (done < length) {
                long va = vaddr + done;
                Translation tr = Mmu.translate(vspace, va, kind, ip);
                if (tr.isFault()) {
                    return new Plan(pieces, pieces.size(), done, tr.fault());
                }
                long run = Math.min(length - done, PAGE - (va & (PAGE - 1)));
                pieces.add(new long[] {tr.paddr(), run, done});
                done += run;
            }
            return new Plan(pieces, pieces.size(), done, null);
        }

        byte[] shadowPage(long paddr) {
            return shadow.computeIfAbsent(paddr >>> 12, p -> new byte[(int) PAGE]);
        }

        long shadowRead(Plan plan, int size) {
            long value = 0;
            for (long[] p : plan.pieces0) {
                byte[] page = shadowPage(p[0]);
                for (int b = 0; b < p[1]; b++) {
                    value |= (page[(int) ((p[0] & (PAGE - 1)) + b)] & 0xFFL) << (8 * (p[2] + b));
                }
            }
            return value;
        }

        void shadowWrite(Plan plan, byte[] bytes) {
            for (long[] p : plan.pieces0) {
                byte[] page = shadowPage(p[0]);
                for (int b = 0; b < p[1]; b++) {
                    page[(int) ((p[0] & (PAGE - 1)) + b)] = bytes[(int) (p[2] + b)];
                }
            }
        }

        void shadowCopy(Plan plan, byte[] dst, int off) {
            for (long[] p : plan.pieces0) {
                byte[] page = shadowPage(p[0]);
                for (int b = 0; b < p[1]; b++) {
                    dst[off + (int) (p[2] + b)] = page[(int) ((p[0] & (PAGE - 1)) + b)];
                }
            }
        }

        /** Physical memory of every frame ever made equals the shadow: nothing was written elsewhere. */
        void verifyMemory() {
            for (long[] f : allFrames) {
                for (long p = f[0]; p < f[0] + (1L << f[1]); p += PAGE) {
                    byte[] page = shadow.get(p >>> 12);
                    if (page == null) {
                        assertThat(mem.isZero(p, PAGE)).as("page 0x%x untouched", p).isTrue();
                        continue;
                    }
                    for (int i = 0; i < PAGE; i += 8) {
                        long expected = 0;
                        for (int b = 7; b >= 0; b--) {
                            expected = (expected << 8) | (page[i + b] & 0xFF);
                        }
                        long actual = mem.readLittleEndian(p + i, 8);
                        if (actual != expected) {
                            throw new AssertionError(String.format("memory at 0x%x is 0x%x, expected 0x%x", p + i,
                                    actual, expected));
                        }
                    }
                }
            }
        }
    }
}
