package org.capbuddy.fuzz.libos;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.capbuddy.kernel.Kernel;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.libos.bootstrap.Booted;
import org.capbuddy.libos.capbuddy.CapBuddyVka;
import org.capbuddy.libos.capbuddy.PoolConfig;
import org.capbuddy.libos.machine.AllocatorBalance;
import org.capbuddy.libos.machine.LibosMachine;
import org.capbuddy.libos.machine.MachineConfig;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.CSpacePath;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.libos.vka.VkaObject;
import org.capbuddy.libos.vka.VkaObjects;

/**
 * A seeded stateful fuzzer of the allocators: random object allocations of every type and size
 * through allocman and the CapBuddy pool (bad sizes included), pool blocks of every order (some
 * at physical addresses), frees in random order, and hostile frees (double frees, stale and
 * foreign cookies, misaligned and wrong-size pool frees). The oracle: nothing throws, a good
 * request succeeds or fails only for want of resources, a bad one is refused, the kernel's
 * invariants hold, and when everything is freed the allocators are back to their starting
 * balance. Used by the tests and by {@code capbuddy fuzz --layer libos}.
 *
 * <p>The run is cut into epochs ({@link #DEFAULT_EPOCH} operations unless told otherwise). Each epoch draws how many objects
 * it lets live at once, from a few dozen up to "until memory or slots run out", so that both
 * the exhausted paths and the quiet ones are exercised; at the end of each epoch everything is
 * freed and the balance must be back where it started. Bounding the live set this way keeps
 * a long soak's cost per operation flat: without it the live set only grows, and every
 * invariant check walks it.
 */
public final class LibosFuzzer {
    private final long seed;
    private final long epoch;
    private final SplittableRandom random;
    private final LibosMachine machine;
    private final Kernel kernel;
    private final Booted booted;
    private final CapBuddyVka vka;
    private final AllocatorBalance baseline;
    private final List<VkaObject> live = new ArrayList<>();
    private final List<VkaObject> freed = new ArrayList<>();
    private final List<CSpacePath> blocks = new ArrayList<>();
    /** Operations between two full drains with a balance check, unless told otherwise. */
    public static final long DEFAULT_EPOCH = 50_000;
    /** The live-set bounds an epoch can draw; the last is larger than memory and slots allow. */
    private static final int[] LIVE_TARGETS = {16, 128, 1024, 4096, Integer.MAX_VALUE};
    private static final int MAX_BLOCKS = 64;
    private long operations;
    private long invariantChecks;
    private long drains;
    private int liveTarget;

    public LibosFuzzer(long seed) {
        this(seed, DEFAULT_EPOCH);
    }

    /** @param epoch operations between two drains with a balance check (at least 1) */
    public LibosFuzzer(long seed, long epoch) {
        this.seed = seed;
        this.epoch = Math.max(1, epoch);
        this.random = new SplittableRandom(seed);
        Result<LibosMachine> m = LibosMachine.boot(MachineConfig.original(256L << 20).withSeed(seed)
                .withPool(new PoolConfig(1, PoolConfig.FreeCheck.REVOKE)));
        if (!m.isOk()) {
            throw new IllegalStateException("the fuzzer's machine did not boot: " + m.error());
        }
        this.machine = m.value();
        this.kernel = machine.kernel();
        this.booted = machine.booted();
        this.vka = machine.pool().orElseThrow();
        this.baseline = machine.balance();
        this.liveTarget = nextLiveTarget();
    }

    private int nextLiveTarget() {
        return LIVE_TARGETS[random.nextInt(LIVE_TARGETS.length)];
    }

    public long operations() {
        return operations;
    }

    public long invariantChecks() {
        return invariantChecks;
    }

    /** How many times everything was freed and the balance checked. */
    public long drains() {
        return drains;
    }

    /**
     * Runs {@code count} operations, checking invariants after every {@code checkEvery}-th operation
     * of the whole run (counted across calls, so a soak run in chunks checks as often as one run);
     * returns null, or what went wrong (with the seed and the operation number).
     */
    public String run(long count, int checkEvery) {
        for (long i = 0; i < count; i++) {
            String problem;
            try {
                problem = step();
            } catch (RuntimeException e) {
                problem = "threw " + e;
            }
            operations++;
            if (problem == null && operations % checkEvery == 0) {
                invariantChecks++;
                var report = kernel.checkInvariants();
                problem = report.ok() ? null : report.toString();
            }
            if (problem != null) {
                return "seed " + seed + ", operation " + operations + ": " + problem;
            }
            if (operations % epoch == 0) {
                String drained = drainAndCheck();
                if (drained != null) {
                    return drained + " (drain after operation " + operations + ")";
                }
                liveTarget = nextLiveTarget();
            }
        }
        return null;
    }

    /** Frees everything and checks that the allocators are back to their starting balance. */
    public String drainAndCheck() {
        for (VkaObject o : live) {
            Result<Void> r = VkaObjects.free(vka, o);
            if (!r.isOk()) {
                return "seed " + seed + ": final free of " + o + " failed: " + r;
            }
        }
        live.clear();
        for (CSpacePath b : blocks) {
            VkaObjects.freeFrameContiguous(vka, b);
        }
        blocks.clear();
        drains++;
        AllocatorBalance now = machine.balance();
        invariantChecks++;
        var report = kernel.checkInvariants();
        if (!report.ok()) {
            return "seed " + seed + ": after draining: " + report;
        }
        return now.equals(baseline) ? null : "seed " + seed + ": balance " + now + " is not the starting " + baseline
                + " (difference: " + now.diff(baseline) + ")";
    }

    private String step() {
        int dice = random.nextInt(100);
        if ((dice < 30 && live.size() < liveTarget) || live.isEmpty()) {
            return allocObject();
        }
        if (dice < 50) {
            VkaObject o = removeRandom(live);
            Result<Void> r = VkaObjects.free(vka, o);
            if (!r.isOk()) {
                return "free of live " + o + " failed: " + r;
            }
            freed.add(o);
            if (freed.size() > 64) {
                freed.remove(0);
            }
            return null;
        }
        if (dice < 60 && !freed.isEmpty()) {
            VkaObject o = freed.get(random.nextInt(freed.size()));
            // A pool frame's slot may have been handed out again; only allocman cookies are unique forever.
            if (!o.isPoolFrame() && VkaObjects.free(vka, o).isOk()) {
                return "double free of " + o + " succeeded";
            }
            return null;
        }
        if (dice < 65) {
            VkaObject forged = new VkaObject(random.nextLong(), random.nextLong() | 1, ObjectType.values()[random.nextInt(10)],
                    random.nextInt(30));
            return VkaObjects.free(vka, forged).isOk() ? "free of a forged object " + forged + " succeeded" : null;
        }
        if (dice < 85) {
            return poolBlock();
        }
        return badPoolFree();
    }

    /** Order does not matter to the lists, so a removal swaps in the last element: O(1). */
    private <T> T removeRandom(List<T> list) {
        int i = random.nextInt(list.size());
        T picked = list.get(i);
        T last = list.remove(list.size() - 1);
        if (i < list.size()) {
            list.set(i, last);
        }
        return picked;
    }

    private String allocObject() {
        ObjectType type = ObjectType.values()[random.nextInt(10)];
        int size = switch (type) {
            case UNTYPED -> random.nextInt(8) == 0 ? random.nextInt(64) : 4 + random.nextInt(20);
            case CNODE -> random.nextInt(8) == 0 ? random.nextInt(50) : 1 + random.nextInt(10);
            case HUGE_PAGE -> 30;
            case LARGE_PAGE -> 21;
            case SMALL_PAGE -> 12;
            default -> 0;
        };
        boolean valid = switch (type) {
            case UNTYPED -> size >= 4 && size <= 47;
            case CNODE -> size >= 1 && size <= 42;
            default -> true;
        };
        Result<VkaObject> r = VkaObjects.alloc(vka, type, size);
        if (r.isOk()) {
            if (!valid) {
                return "allocation of " + type + " size " + size + " should have been refused";
            }
            live.add(r.value());
            return null;
        }
        AllocErrorKind kind = r.error().kind();
        if (valid && kind != AllocErrorKind.OUT_OF_MEMORY && kind != AllocErrorKind.OUT_OF_SLOTS
                && kind != AllocErrorKind.OUT_OF_BOOKKEEPING && kind != AllocErrorKind.KERNEL) {
            return "valid allocation of " + type + " size " + size + " refused as " + r;
        }
        return null;
    }

    private String poolBlock() {
        if (!blocks.isEmpty() && (random.nextBoolean() || blocks.size() >= MAX_BLOCKS)) {
            CSpacePath b = removeRandom(blocks);
            Result<Void> r = VkaObjects.freeFrameContiguous(vka, b);
            return r.isOk() ? null : "free of live pool block " + b + " failed: " + r;
        }
        int order = random.nextInt(11);
        long paddr = random.nextInt(4) == 0 ? 0x4400_0000L + ((long) random.nextInt(1 << 14) << (12 + order)) % (128L << 20)
                : -1;
        if (paddr >= 0) {
            paddr &= -(4096L << order);
        }
        Result<CSpacePath> r = vka.utspaceTryAllocFromPool(12 + order, paddr, false);
        if (r.isOk()) {
            blocks.add(r.value());
            if (paddr >= 0 && vka.sel4().pageGetAddress(r.value().capPtr()).mr(0) != paddr) {
                return "pool block asked at 0x" + Long.toHexString(paddr) + " landed elsewhere";
            }
        }
        return null;
    }

    private String badPoolFree() {
        if (blocks.isEmpty()) {
            return vka.utspaceTryFreeFromPool(random.nextLong(), random.nextInt(11)).isOk()
                    ? "free of a random cptr from the pool succeeded" : null;
        }
        CSpacePath b = blocks.get(random.nextInt(blocks.size()));
        int order = Integer.numberOfTrailingZeros(b.window());
        if (order < 10 && vka.utspaceTryFreeFromPool(b.capPtr(), order + 1).isOk()) {
            return "pool free with a larger size than allocated succeeded";
        }
        if (order > 0 && vka.utspaceTryFreeFromPool(b.capPtr() + 1, order).isOk()) {
            return "misaligned pool free succeeded";
        }
        return null;
    }
}
