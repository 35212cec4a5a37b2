package org.capbuddy.fuzz.sos;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.Supplier;
import org.capbuddy.kernel.cpu.AccessKind;
import org.capbuddy.kernel.host.AssuredHeadroom;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.sos.Sos;
import org.capbuddy.sos.Syscalls;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.machine.Balance;
import org.capbuddy.sos.process.KillReport;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.process.ProcessPages;
import org.capbuddy.sos.process.ProcessState;
import org.capbuddy.sos.process.UserPage;
import org.capbuddy.sos.user.UserContext;

/**
 * A seeded stateful fuzzer of SOS: up to {@link #MAX_PROCESSES} live processes making random
 * system calls (brk, mmap, munmap, mprotect, madvise, mremap, write, exit; sensible and hostile
 * arguments; with forks, fork and MAP_SHARED mmaps too) and random user
 * loads, stores, fetches and block copies (mostly inside their regions, some anywhere: the guard page, SOS's
 * frame window, other processes' memory, the kernel half, memory given back, code writes, data
 * executes), while processes are created and destroyed.
 *
 * <p>Beside SOS it keeps a reference model of every process (its regions and rights from the
 * syscalls' documented semantics, and the bytes of every page it has, sparse), and after each
 * operation checks that:
 * <ul>
 *   <li>nothing threw;
 *   <li>an access the model allows completes, and a load returns the modelled bytes;
 *   <li>an access the model refuses kills the process with a report of that address, access and
 *       region, and from then on the process gets nothing done;
 *   <li>each syscall's result agrees with the model, and the console shows exactly what write
 *       was given and the kill reports;
 * </ul>
 * every {@code checkEvery} operations, that the kernel's invariants hold and SOS's regions,
 * mappings and frames agree with the model ({@link Consistency}); and at the end, that destroying
 * every process and shutting SOS down leaves the allocators as they were before SOS started.
 *
 * <p>The seed chooses SOS's setup ({@link FuzzSetup}): plain allocman or the CapBuddy pool, and
 * either demand paging in a frame table far smaller than the processes' pages (most faults
 * evict), or none, some tables small enough that faults run out of memory. With paging, every
 * check above holds as without it (the bytes a process wrote read back the same wherever its
 * pages went), the deep check holds each page to exactly one of dirty tracking's states
 * ({@link PagingState}; the pages SOS drops in their initial state are told to the model by SOS's
 * paging observer) and adds the page file's and the policy's counts, and one access in
 * {@link InjectedFailures#ONE_IN} has an allocation of its fault failed on purpose. Half the operations run inside SOS's driver scope for the stack headroom
 * ({@link Sos#assureDriverHeadroom}), which must end with the operation. Used by the tests and by
 * {@code capbuddy fuzz --layer sos}.
 */
public final class SosFuzzer {
    public static final int MAX_PROCESSES = 8;
    /** A fork fuzzer forks the chosen process in one operation in this many. */
    static final int FORK_ONE_IN = 40;
    private static final int STALE_KEPT = 4;

    private final long seed;
    private final SplittableRandom random;
    private final FuzzMachine machine;
    private final Sos sos;
    private final List<ModelProcess> live = new ArrayList<>();
    /** Destroyed processes whose handles the fuzzer keeps, to call and touch them anyway. */
    private final List<ModelProcess> stale = new ArrayList<>();
    private final ConsoleModel expectedConsole = new ConsoleModel();
    private final AccessTargets targets;
    private final SyscallArguments arguments;
    private final KillJudge judge;
    private final InjectedFailures injections;
    private final UserAccessCheck accesses;
    private final BlockAccessCheck blocks;
    private final SyscallCheck syscalls;
    private final Consistency consistency;
    private final OpTrace trace = new OpTrace();
    private final FuzzSetup setup;
    private final String configuration;
    private long operations;
    private long deepChecks;
    private long created;
    /** Whether one operation in {@link #FORK_ONE_IN} forks a process (only where SOS shares: without paging). */
    private final boolean forks;
    private long forked;
    /** The fork mode's MAP_SHARED mappings and the reads that saw another process's stores to them. */
    private final SharingCounts sharing = new SharingCounts();
    /** What went wrong inside SOS's paging observer, reported after the operation; null while nothing has. */
    private String observed;

    public SosFuzzer(long seed) {
        this(seed, false);
    }

    /**
     * A fuzzer that, with {@code forks}, also forks processes ({@code Sos.fork}, sharing their
     * pages copy-on-write) on seeds that do not page, the child's model a copy of the parent's,
     * and makes a third of its mmaps MAP_SHARED (one object whose pages every process mapping it
     * shares, parent and descendants alike: {@link ModelShared}); its deep check then reads back
     * every process, holds each frame's share count to the mappings of it, no copy-on-write frame
     * mapped writable, each shared region to its object and each object's frames to the pages its
     * sharers touched. Without {@code forks} (or on a paging seed) a seed makes exactly the
     * operations it always made.
     */
    public SosFuzzer(long seed, boolean forks) {
        this.seed = seed;
        this.random = new SplittableRandom(seed);
        this.setup = FuzzSetup.of(seed);
        this.configuration = setup.describe();
        this.machine = new FuzzMachine(setup.usePool(), setup.sosConfig());
        this.sos = machine.sos;
        this.injections = new InjectedFailures(seed, machine, setup.paging());
        this.judge = new KillJudge(sos.frameTable(), expectedConsole, injections::fired);
        this.targets = new AccessTargets(random);
        this.arguments = new SyscallArguments(random);
        this.accesses = new UserAccessCheck(judge);
        this.blocks = new BlockAccessCheck(judge);
        this.syscalls = new SyscallCheck(judge, expectedConsole);
        this.forks = forks && !setup.paging();
        this.consistency = new Consistency(machine, this.forks);
        if (setup.paging()) {
            sos.pages().setObserver(new DropRecorder());
        }
    }

    /**
     * Tells the model which pages SOS dropped in their initial state: SOS then holds them
     * nowhere, and the deep check finds them only so, each with its initial contents.
     */
    private final class DropRecorder implements ProcessPages.PagingObserver {
        @Override
        public void pagedOut(UserPage page, int slot) {
            if (slot >= 0) {
                return;
            }
            for (ModelProcess p : live) {
                if (p.process == page.process()) {
                    p.noteDropped(page.vaddr());
                    return;
                }
            }
            if (observed == null) {
                observed = "SOS dropped page 0x" + Long.toHexString(page.vaddr()) + " of process "
                        + page.process().pid() + ", which is not live";
            }
        }

        @Override
        public void pagedIn(UserPage page, int slot) {
            // the deep check finds paged-in pages resident
        }

        @Override
        public void softFault(UserPage page) {
            // a soft fault changes no page's state the model tracks
        }
    }

    /** What the seed chose: the allocator under SOS and the frame table's size. */
    public String configuration() {
        return configuration;
    }

    public long operations() {
        return operations;
    }

    /** How many times the kernel's invariants and the model's agreement with SOS were checked in depth. */
    public long deepChecks() {
        return deepChecks;
    }

    /** Processes SOS killed (each one where and why the model expected). */
    public long kills() {
        return judge.kills();
    }

    /** Processes SOS killed because a fault found the frame table full (only with a small table). */
    public long outOfMemoryKills() {
        return judge.outOfMemoryKills();
    }

    /** Allocations failed on purpose in paging runs' faults (see {@link InjectedFailures}). */
    public long failuresInjected() {
        return injections.count();
    }

    /** Processes killed by a fault whose allocation was failed on purpose, each leaving the balance as it was. */
    public long injectedKills() {
        return judge.injectedKills();
    }

    public long processesCreated() {
        return created;
    }

    /** Processes forked (a fork fuzzer only). */
    public long forks() {
        return forked;
    }

    /** MAP_SHARED mappings made (a fork fuzzer only). */
    public long sharedMmaps() {
        return sharing.mmaps();
    }

    /**
     * Checked reads (loads, block reads, write(2)'s copies) of a shared page whose last store was
     * another process's: sharing seen across processes.
     */
    public long sharedReadsOfOthersStores() {
        return sharing.crossReads();
    }

    /** Copy-on-write faults that copied a shared page, and those that gave the last sharer write back. */
    public long cowCopies() {
        return sos.pages().cowCopies();
    }

    public long cowReuses() {
        return sos.pages().cowReuses();
    }

    /** Whether the seed made SOS page (see {@link FuzzSetup}). */
    public boolean paging() {
        return setup.paging();
    }

    /** Pages SOS wrote to its page file (0 without paging). */
    public long pageOuts() {
        return sos.pages().pageOuts();
    }

    /** Pages SOS read back from its page file. */
    public long pageIns() {
        return sos.pages().pageIns();
    }

    /** Clean victims SOS dropped without a write (against a kept slot or in their initial state). */
    public long cleanDrops() {
        return sos.pages().cleanDrops();
    }

    /** Stores to clean pages, each a permission fault that made its page dirty and writable. */
    public long dirtyFaults() {
        return sos.pages().dirtyFaults();
    }

    /** Kept slots a dirty victim took from clean pages when the page file was full. */
    public long slotsReclaimed() {
        return sos.pages().slotsReclaimed();
    }

    /** Faults second chance served by mapping a resident page again, without reading the file. */
    public long softFaults() {
        return sos.pages().softFaults();
    }

    /**
     * Runs {@code count} operations, checking in depth every {@code checkEvery}; returns null,
     * or what went wrong (with the seed, the operation number and the operations before it).
     */
    public String run(long count, int checkEvery) {
        for (long i = 0; i < count; i++) {
            String problem;
            try {
                problem = inDriverScope(operations) ? scopedStep() : step();
                if (problem == null && machine.kernel.guard().headroomAssured()) {
                    problem = "an assured stack headroom was left in force after the operation";
                }
                if (problem == null) {
                    problem = console();
                }
                if (problem == null) {
                    problem = observed;
                }
                operations++;
                if (problem == null && operations % checkEvery == 0) {
                    deepChecks++;
                    problem = consistency.check(live);
                }
            } catch (RuntimeException e) {
                operations++;
                problem = "threw " + e + at(e);
            }
            if (problem != null) {
                return failure(problem);
            }
        }
        return null;
    }

    /**
     * Whether operation {@code n} runs inside SOS's driver scope, as a benchmark's touch loop does
     * (one stack probe for all its faults): half of them, chosen from the seed and the operation
     * number, not from the operations' random stream, so a seed's operations stay what they were.
     */
    private boolean inDriverScope(long n) {
        // SplitMix64's finaliser over the seed and the number: every seed gets its own pattern.
        long z = seed + (n + 1) * 0x9E37_79B9_7F4A_7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58_476D_1CE4_E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D0_49BB_1331_11EBL;
        return (z ^ (z >>> 31)) < 0;
    }

    private String scopedStep() {
        try (AssuredHeadroom headroom = sos.assureDriverHeadroom()) {
            return step();
        }
    }

    private String failure(String problem) {
        return "seed " + seed + " (" + configuration + "), operation " + operations + ": " + problem
                + "\n  last operations:" + trace.describe();
    }

    private static String at(Throwable e) {
        StringBuilder out = new StringBuilder();
        StackTraceElement[] frames = e.getStackTrace();
        for (int i = 0; i < Math.min(6, frames.length); i++) {
            out.append("\n      at ").append(frames[i]);
        }
        return out.toString();
    }

    /**
     * Destroys every process, shuts SOS down, and checks that the kernel's invariants hold and
     * the allocators are back to their balance from before SOS started. The fuzzer is done
     * after this.
     */
    public String drainAndCheck() {
        try {
            deepChecks++; // the drain's own check counts as the periodic ones do
            String problem = consistency.check(live);
            if (problem != null) {
                return failure("before draining: " + problem);
            }
            while (!live.isEmpty()) {
                problem = destroy(live.get(live.size() - 1));
                if (problem != null) {
                    return failure("draining: " + problem);
                }
            }
            if (sos.frameTable().framesInUse() != 0) {
                return failure("after destroying every process " + sos.frameTable().framesInUse() + " frames are in use");
            }
            var pages = sos.pages();
            if (pages.paging() && (pages.pageFileSlotsInUse() != 0 || pages.policy().size() != 0 || pages.pinnedPages() != 0
                    || pages.cleanPages() != 0)) {
                return failure("after destroying every process the page file has " + pages.pageFileSlotsInUse()
                        + " slots in use (kept ones included), the policy holds " + pages.policy().size() + " pages, "
                        + pages.cleanPages() + " are clean and " + pages.pinnedPages() + " are pinned");
            }
            Result<Void> down = sos.shutdown();
            if (!down.isOk()) {
                return failure("shutdown: " + down);
            }
            var invariants = machine.kernel.checkInvariants();
            if (!invariants.ok()) {
                return failure("after shutdown: " + invariants);
            }
            var now = machine.settledBalance();
            return now.equals(machine.balanceBeforeSos()) ? null
                    : failure("after shutdown the balance is " + now + ", before SOS it was " + machine.balanceBeforeSos()
                            + " (difference: " + now.diff(machine.balanceBeforeSos()) + ")");
        } catch (RuntimeException e) {
            return failure("draining threw " + e + at(e));
        }
    }

    /** Compares the console with what the operation should have printed, and empties both. */
    private String console() {
        String printed = sos.takeConsole();
        if (printed.isEmpty() && expectedConsole.isEmpty()) {
            return null;
        }
        String expected = expectedConsole.take();
        if (printed.equals(expected)) {
            return null;
        }
        int at = 0;
        while (at < Math.min(printed.length(), expected.length()) && printed.charAt(at) == expected.charAt(at)) {
            at++;
        }
        return "the console (" + printed.length() + " chars) differs from the model (" + expected.length()
                + ") at char " + at + ": it shows \"" + clip(printed, at) + "\", the model \"" + clip(expected, at) + "\"";
    }

    /** Up to 60 chars of {@code s} from {@code from}, anything but printable ASCII escaped, for a readable report. */
    private static String clip(String s, int from) {
        StringBuilder out = new StringBuilder();
        for (int i = from; i < Math.min(s.length(), from + 60); i++) {
            char c = s.charAt(i);
            out.append(c >= 0x20 && c < 0x7F ? String.valueOf(c) : String.format("\\u%04x", (int) c));
        }
        return s.length() > from + 60 ? out + "..." : out.toString();
    }

    private String step() {
        if (live.isEmpty()) {
            return create();
        }
        ModelProcess p = live.get(random.nextInt(live.size()));
        // drawn only by a fork fuzzer, so that every other run makes the operations it always made
        if (forks && random.nextInt(FORK_ONE_IN) == 0 && p.running() && live.size() < MAX_PROCESSES) {
            return fork(p);
        }
        int dice = random.nextInt(1000);
        if (!p.running() && dice < 250) {
            return destroy(p);
        }
        if (dice < 10) {
            return live.size() < MAX_PROCESSES ? create() : access(p);
        }
        if (dice < 13) {
            return destroy(p);
        }
        if (dice < 14) {
            return exit(p);
        }
        if (dice < 78) {
            long newBreak = arguments.brk(p.space);
            trace.record("brk", p.pid(), newBreak, 0);
            return syscalls.brk(p, newBreak);
        }
        if (dice < 118) {
            if (p.space.mmapRegions().size() >= 10) {
                // Keeps the regions, and so the pages a process can touch, bounded.
                var r = p.space.mmapRegions().get(0);
                trace.record("munmap", p.pid(), r.base(), r.size());
                return syscalls.munmap(p, r.base(), r.size());
            }
            // drawn only by a fork fuzzer, as the fork is
            if (forks && random.nextInt(3) == 0) {
                long length = arguments.mmapLength();
                trace.record("mmap/shared", p.pid(), length, 0);
                return syscalls.mmapShared(p, length, sharing.mmaps() + 1, sharing);
            }
            long length = arguments.mmapLength();
            trace.record("mmap", p.pid(), length, 0);
            return syscalls.mmap(p, length);
        }
        if (dice < 158) {
            long[] range = arguments.munmap(p);
            trace.record("munmap", p.pid(), range[0], range[1]);
            return syscalls.munmap(p, range[0], range[1]);
        }
        if (dice < 188) {
            long[] write = arguments.write(p, targets);
            trace.record("write", p.pid(), write[0], write[1]);
            return syscalls.write(p, write[0], (int) write[1]);
        }
        if (dice < 193) {
            return staleHandle();
        }
        if (dice < 213) {
            return blockCopy(p);
        }
        if (dice < 233) {
            long[] call = arguments.mprotect(p);
            trace.record("mprotect", p.pid(), call[0], call[1]);
            return syscalls.mprotect(p, call[0], call[1], (int) call[2]);
        }
        if (dice < 243) {
            long[] range = dontneedRange(p);
            trace.record("madvise", p.pid(), range[0], range[1]);
            return syscalls.dontneed(p, range[0], range[1]);
        }
        if (dice < 253) {
            long[] call = mremapArguments(p);
            trace.record("mremap/" + call[2], p.pid(), call[0], call[1]);
            return syscalls.mremap(p, call[0], call[1], call[3], call[2], call[4]);
        }
        return access(p);
    }

    /**
     * A range to give back with MADV_DONTNEED: mostly pages of any region (the stack, code, data,
     * the IPC buffer included), else one of munmap's ranges, hostile ones among them.
     */
    private long[] dontneedRange(ModelProcess p) {
        List<org.capbuddy.sos.addrspace.Region> regions = p.space.regions();
        if (random.nextInt(100) < 60) {
            var r = regions.get(random.nextInt(regions.size()));
            long pages = r.size() / Layout.PAGE;
            long first = random.nextLong(pages);
            long count = 1 + random.nextLong(Math.min(pages - first, 16));
            return new long[] {r.base() + first * Layout.PAGE, count * Layout.PAGE - random.nextInt((int) Layout.PAGE)};
        }
        return arguments.munmap(p);
    }

    /**
     * mremap's {address, old length, flags, new length, new address}: mostly all or the end of an
     * mmap region, grown or shrunk by up to 8 pages, or a range of any region, or one of munmap's
     * (hostile ones among them). While the process has many regions it only shrinks. A quarter of
     * the calls move with MREMAP_FIXED (see {@link #fixedTarget}), a quarter with
     * MREMAP_DONTUNMAP and the same length, now and then without MREMAP_MAYMOVE or with a bad flag.
     */
    private long[] mremapArguments(ModelProcess p) {
        List<org.capbuddy.sos.addrspace.Region> mmaps = p.space.mmapRegions();
        long mayMove = random.nextInt(4) == 0 ? 0 : 1;
        long base;
        long oldLength;
        int pick = random.nextInt(100);
        if (!mmaps.isEmpty() && pick < 70) {
            var r = mmaps.get(random.nextInt(mmaps.size()));
            long pages = r.size() / Layout.PAGE;
            long first = random.nextBoolean() ? 0 : random.nextLong(pages);
            base = r.base() + first * Layout.PAGE;
            oldLength = (pages - first) * Layout.PAGE - (random.nextInt(4) == 0 ? random.nextInt((int) Layout.PAGE) : 0);
        } else if (pick < 85) {
            List<org.capbuddy.sos.addrspace.Region> regions = p.space.regions();
            var r = regions.get(random.nextInt(regions.size()));
            base = r.base();
            oldLength = Math.min(r.size(), 4 * Layout.PAGE);
        } else {
            long[] range = arguments.munmap(p);
            base = range[0];
            oldLength = range[1];
        }
        long change = (random.nextInt(17) - 8) * Layout.PAGE;
        if (mmaps.size() >= 10 && change > 0) {
            change = -change;
        }
        long newLength = random.nextInt(20) == 0 ? random.nextLong() : oldLength + change;
        long flags = mayMove;
        long newAddr = 0;
        int how = random.nextInt(4);
        if (how == 0) {
            flags |= Syscalls.MREMAP_FIXED;
            newAddr = fixedTarget(p, base);
        } else if (how == 1) {
            flags |= Syscalls.MREMAP_DONTUNMAP;
            newLength = random.nextInt(10) == 0 ? newLength : oldLength;
            newAddr = random.nextBoolean() ? 0 : fixedTarget(p, base);
        }
        if (random.nextInt(50) == 0) {
            flags |= 8;
        }
        return new long[] {base, oldLength, flags, newLength, newAddr};
    }

    /**
     * Where an MREMAP_FIXED move goes, or MREMAP_DONTUNMAP's hint: mostly free space past the
     * mmap regions or over another mmap region or the heap (replacing it), else a page given back
     * lately, the code, the guard page, the first 64 KiB, an unaligned address, one overlapping
     * the old range, or one near the top of user space.
     */
    private long fixedTarget(ModelProcess p, long oldBase) {
        List<org.capbuddy.sos.addrspace.Region> mmaps = p.space.mmapRegions();
        long page = Layout.PAGE;
        return switch (random.nextInt(12)) {
            case 0, 1, 2 -> {
                long top = Layout.MMAP_BASE;
                for (var r : mmaps) {
                    top = Math.max(top, r.end());
                }
                yield top + random.nextInt(64) * page;
            }
            case 3, 4 -> mmaps.isEmpty() ? Layout.MMAP_BASE
                    : mmaps.get(random.nextInt(mmaps.size())).base() + random.nextInt(4) * page;
            case 5 -> p.space.heapBase() + random.nextInt(4) * page;
            case 6 -> p.recentlyReleased(random) & -page;
            case 7 -> Layout.CODE_BASE;
            case 8 -> Layout.GUARD_PAGE - random.nextInt(4) * page;
            case 9 -> random.nextInt(16) * page;
            case 10 -> random.nextBoolean() ? oldBase + page : oldBase + 1 + random.nextInt((int) page - 1);
            default -> (1L << 47) - random.nextInt(8) * page;
        };
    }

    /**
     * A block copy in or out of the process, as system software does with a user buffer: mostly
     * from an allowed address, sometimes from a hostile one. Once the process has its fill of
     * pages the block stays inside its first page, so that blocks cannot creep page by page
     * into the middle of a large region.
     */
    private String blockCopy(ModelProcess p) {
        AccessKind kind = random.nextBoolean() ? AccessKind.READ : AccessKind.WRITE;
        boolean hostile = random.nextInt(100) < 3;
        long va = hostile ? targets.hostile(p, live, kind) : targets.allowed(p, kind, 8);
        int length = random.nextInt(4) == 0 ? random.nextInt(BlockAccessCheck.MAX_LENGTH + 1) : random.nextInt(513);
        if (p.memory.mappedCount() >= AccessTargets.MAX_MAPPED) {
            length = (int) Math.min(length, Layout.PAGE - (va & (Layout.PAGE - 1)));
        }
        byte[] data = new byte[length];
        random.nextBytes(data);
        trace.record(kind == AccessKind.READ ? "copyIn" : "copyOut", p.pid(), va, length);
        return injectingFailures(p, va, () -> blocks.run(p, kind, va, data));
    }

    /**
     * Runs an access, sometimes with an allocation failed on purpose ({@link InjectedFailures}).
     * When that failure killed the process at the access's first page, the fault must have left
     * everything as before: frames, slots, untypeds, bookkeeping, window tables and page-file
     * slots the same (a kill frees nothing; only teardown does).
     */
    private String injectingFailures(ModelProcess p, long va, Supplier<String> access) {
        if (!injections.draw()) {
            return access.get();
        }
        Balance before = machine.machine.balance();
        injections.arm();
        String problem;
        boolean fired;
        try {
            problem = access.get();
        } finally {
            fired = injections.disarm();
        }
        trace.record(fired ? "(failed an allocation)" : "(no allocation failed)", p.pid(), 0, 0);
        KillReport report = p.process.killReport();
        if (problem != null || !fired || report == null || report.address() != va) {
            return problem;
        }
        Balance after = machine.machine.balance();
        return after.equals(before) ? null : "a fault failed on purpose (" + report + ") left the balance "
                + after + ", before it was " + before + " (difference: " + after.diff(before) + ")";
    }

    private String access(ModelProcess p) {
        // Hostile accesses are rare, as each one usually costs a process; fetches are a bigger
        // share of them, because executing data is a kill case of its own.
        boolean hostile = random.nextInt(1000) < 6;
        int kindDice = random.nextInt(100);
        AccessKind kind = kindDice < (hostile ? 35 : 50) ? AccessKind.READ
                : kindDice < (hostile ? 70 : 92) ? AccessKind.WRITE : AccessKind.EXECUTE;
        int size = 1 << random.nextInt(4);
        long target = hostile ? targets.hostile(p, live, kind) : targets.allowed(p, kind, size);
        // Instructions are 4-byte aligned; a quarter of the fetches keep their misaligned PC,
        // which the CPU refuses without a fault.
        long va = kind == AccessKind.EXECUTE && (target & 0x30) != 0x30 ? target & ~3L : target;
        long value = random.nextLong();
        trace.record(kind == AccessKind.READ ? "load" + size : kind == AccessKind.WRITE ? "store" + size : "fetch",
                p.pid(), va, value);
        return injectingFailures(p, va, () -> accesses.run(p, kind, va, size, value));
    }

    private String create() {
        long code = arguments.imageBytes();
        long data = arguments.imageBytes();
        trace.record("create", 0, code, data);
        Result<Process> made = sos.createProcess(code, data);
        if (!ModelAddressSpace.validImage(code, data)) {
            return made.isOk() ? "createProcess(" + code + ", " + data + ") should have been refused" : null;
        }
        if (!made.isOk()) {
            return "createProcess(" + code + ", " + data + ") refused: " + made;
        }
        Process process = made.value();
        if (process.state() != ProcessState.RUNNING) {
            return "a new process is " + process.state();
        }
        live.add(new ModelProcess(process, new UserContext(process, sos.syscalls(process)), code, data, sharing));
        created++;
        return null;
    }

    /**
     * Forks {@code p}: the child must be running with the parent's regions, break and bytes (its
     * model is a copy of the parent's), sharing every resident frame of the parent's but those of
     * MAP_SHARED mappings, which the child maps from their objects when it touches them.
     */
    private String fork(ModelProcess p) {
        trace.record("fork", p.pid(), 0, 0);
        int resident = p.process.shadow().pageCount() - p.memory.sharedCount();
        Result<Process> made = sos.fork(p.process);
        if (!made.isOk()) {
            return "fork of " + p + " refused: " + made;
        }
        Process child = made.value();
        if (child.state() != ProcessState.RUNNING || child.shadow().pageCount() != resident) {
            return "the child of " + p + " is " + child.state() + " with " + child.shadow().pageCount()
                    + " pages, the parent had " + resident;
        }
        live.add(p.forkedAs(child, new UserContext(child, sos.syscalls(child))));
        created++;
        forked++;
        return null;
    }

    private String destroy(ModelProcess p) {
        trace.record("destroy", p.pid(), 0, 0);
        Result<Void> done = sos.destroy(p.process);
        if (!done.isOk()) {
            return "destroying " + p + ": " + done;
        }
        if (p.process.state() != ProcessState.DESTROYED) {
            return "destroyed " + p + " is " + p.process.state();
        }
        live.remove(p);
        p.destroyed();
        stale.add(p);
        if (stale.size() > STALE_KEPT) {
            stale.remove(0);
        }
        return null;
    }

    private String exit(ModelProcess p) {
        long code = random.nextLong();
        trace.record("exit", p.pid(), code, 0);
        ProcessState before = p.process.state();
        p.sys.exit(code);
        if (!p.running()) {
            return p.process.state() == before ? null : "exit by " + p + " made it " + p.process.state();
        }
        p.exited();
        if (p.process.state() != ProcessState.EXITED || p.process.exitCode() != code) {
            return "after exit(" + code + ") process " + p.pid() + " is " + p.process.state() + " with code "
                    + p.process.exitCode();
        }
        return null;
    }

    /** Calls, touches or destroys a process that is gone: everything must be refused and change nothing. */
    private String staleHandle() {
        if (stale.isEmpty()) {
            trace.record("destroy(null)", 0, 0, 0);
            return sos.destroy(null).isOk() ? "destroying null succeeded" : null;
        }
        ModelProcess p = stale.get(random.nextInt(stale.size()));
        trace.record("stale", p.pid(), 0, 0);
        String problem = switch (random.nextInt(6)) {
            case 0 -> sos.destroy(p.process).isOk() ? "destroying " + p + " again succeeded" : null;
            case 1 -> syscalls.brk(p, arguments.brk(p.space));
            case 2 -> syscalls.mmap(p, arguments.mmapLength());
            case 3 -> random.nextBoolean() ? syscalls.munmap(p, p.space.heapBase(), 4096)
                    : syscalls.mprotect(p, p.space.heapBase(), 4096, 0);
            case 4 -> syscalls.write(p, p.space.heapBase(), 16);
            default -> accesses.run(p, AccessKind.WRITE, targets.allowed(p, AccessKind.WRITE, 8), 8, 1);
        };
        if (problem == null && p.process.state() != ProcessState.DESTROYED) {
            problem = p + " came back as " + p.process.state();
        }
        return problem;
    }
}
