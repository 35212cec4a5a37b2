package org.capbuddy.sos;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import org.capbuddy.kernel.Kernel;
import org.capbuddy.kernel.cpu.ThreadRunner;
import org.capbuddy.libos.bootstrap.Booted;
import org.capbuddy.libos.capbuddy.CapBuddyVka;
import org.capbuddy.libos.machine.MachineConfig;
import org.capbuddy.libos.vka.Vka;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.machine.Balance;
import org.capbuddy.sos.machine.SosConfig;
import org.capbuddy.sos.machine.SosMachine;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.user.UserContext;

/**
 * A machine running SOS, on the CapBuddy pool or on plain allocman, with the assertions every SOS
 * test uses. Public so that the tests of each concept, in their own packages, share it.
 */
public final class SosFixture {
    /** svc #0. */
    private static final int SVC = 0xD400_0001;
    /** Linux's clone call number on AArch64, and the flags of a plain fork (SIGCHLD at the child's end). */
    private static final long LINUX_CLONE = 220;
    private static final long CLONE_SIGCHLD = 17;

    public final SosMachine machine;
    public final Kernel kernel;
    public final Booted booted;
    /** The CapBuddy pool's vka, or null when SOS takes its frames from plain allocman. */
    public final CapBuddyVka pool;
    public final Vka vka;
    public final Sos sos;

    /** @param usePool true to take SOS's frames from the CapBuddy pool, false for plain allocman */
    public SosFixture(boolean usePool) {
        this(usePool, new SosConfig(1 << 18));
    }

    /** As {@link #SosFixture(boolean)}, with SOS set up by {@code sosConfig} (a small frame table, paging). */
    public SosFixture(boolean usePool, SosConfig sosConfig) {
        MachineConfig config = MachineConfig.original(512L << 20)
                .withPool(usePool ? org.capbuddy.libos.capbuddy.PoolConfig.defaults().withSpareTrees(0) : null);
        var booted = SosMachine.boot(config, sosConfig);
        assertThat(booted.isOk()).as("%s", booted).isTrue();
        machine = booted.value();
        kernel = machine.kernel();
        this.booted = machine.machine().booted();
        pool = machine.machine().pool().orElse(null);
        vka = machine.machine().vka();
        sos = machine.sos();
    }

    /** A new process with 64 KiB of code and 16 KiB of data. */
    public Process process() {
        var p = sos.createProcess(64 << 10, 16 << 10);
        assertThat(p.isOk()).as("%s", p).isTrue();
        return p.value();
    }

    /** A fresh anonymous read-write-execute page of {@code p}'s, for code a test writes there and runs. */
    public long codePage(Process p) {
        var page = sos.syscalls(p).mmap(0, 4096, Syscalls.PROT_READ | Syscalls.PROT_WRITE | Syscalls.PROT_EXEC,
                Syscalls.MAP_PRIVATE | Syscalls.MAP_ANONYMOUS, -1, 0);
        assertThat(page.isOk()).as("%s", page).isTrue();
        return page.value();
    }

    /**
     * Writes {@code words} at {@code codePage} (one of {@link #codePage}'s) and returns {@code p}'s
     * runner with its PC there, ready to run them.
     */
    public ThreadRunner load(Process p, long codePage, int... words) {
        ByteBuffer bytes = ByteBuffer.allocate(4 * words.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int w : words) {
            bytes.putInt(w);
        }
        assertThat(p.cpu().copyOut(codePage, bytes.array(), 0, bytes.capacity())).isEqualTo(bytes.capacity());
        ThreadRunner runner = sos.runner(p).orElseThrow();
        runner.context().setPc(codePage);
        return runner;
    }

    /**
     * Forks {@code p} as a program's {@code fork()} does (clone with SIGCHLD, an {@code svc} at
     * {@code codePage}, one of {@link #codePage}'s) and runs parent and child to where the call
     * returns; the child.
     */
    public Process fork(Process p, long codePage) {
        ThreadRunner r = load(p, codePage, SVC);
        r.context().setSp(Layout.STACK_TOP - 4096);
        r.context().setX(0, CLONE_SIGCHLD);
        r.context().setX(1, 0);
        r.context().setX(8, LINUX_CLONE);
        runPast(r, codePage);
        Process child = sos.linux().takeForked(p).get(0);
        runPast(sos.runner(child).orElseThrow(), codePage);
        return child;
    }

    /** Runs {@code r} an instruction at a time until it is past the {@code svc} at {@code codePage} (or makes no progress). */
    private static void runPast(ThreadRunner r, long codePage) {
        for (int i = 0; i < 500 && r.context().pc() != codePage + 4; i++) {
            if (r.run(1).instructions() == 0) {
                break;
            }
        }
    }

    /**
     * Makes one Linux system call from {@code p} as a program does: an {@code svc} at
     * {@code codePage}, x0.. = {@code args}, x8 = {@code number}; returns x0 after it.
     */
    public long linuxCall(Process p, long codePage, long number, long... args) {
        ThreadRunner r = load(p, codePage, SVC);
        for (int i = 0; i < args.length; i++) {
            r.context().setX(i, args[i]);
        }
        r.context().setX(8, number);
        r.run(1);
        return r.context().x(0);
    }

    /**
     * Starts Linux call {@code number} from {@code p} as a program does (an {@code svc} at
     * {@code codePage}, a stack, x0.. = {@code args}) and leaves it as it ends or blocks: the
     * runner, to read x0 once it is woken or a handler's frame.
     */
    public ThreadRunner run(Process p, long codePage, long number, long... args) {
        ThreadRunner r = load(p, codePage, SVC);
        r.context().setSp(Layout.STACK_TOP - 0x1000);
        for (int i = 0; i < args.length; i++) {
            r.context().setX(i, args[i]);
        }
        r.context().setX(8, number);
        r.run(1);
        return r;
    }

    /** Writes {@code words} (little-endian) at {@code at} in {@code p}'s memory. */
    public void put(Process p, long at, long... words) {
        ByteBuffer b = ByteBuffer.allocate(8 * words.length).order(ByteOrder.LITTLE_ENDIAN);
        for (long w : words) {
            b.putLong(w);
        }
        assertThat(sos.syscalls(p).copyToUser(at, b.array(), b.capacity())).isTrue();
    }

    /** The 64-bit word at {@code at} in {@code p}'s memory. */
    public long word(Process p, long at) {
        return sos.peek(p, at, 8).getAsLong();
    }

    /**
     * Gives {@code p} a handler at {@code codePage} + 0x800 (never run by these tests) for
     * {@code signal} with {@code flags}, by rt_sigaction with its struct written at {@code act}.
     */
    public void handle(Process p, long codePage, long act, int signal, long flags) {
        put(p, act, codePage + 0x800, flags, 0, 0);
        assertThat(linuxCall(p, codePage, 134 /* rt_sigaction */, signal, act, 0, 8)).isZero();
    }

    /** A process as the Linux layer's call tests start it: its code page, and {@link #LINUX_MEMORY} bytes of memory. */
    public record LinuxParent(Process process, long code, long data) {
    }

    /** How much anonymous memory {@link #linuxParent} maps: room for the buffers a test's calls use. */
    public static final int LINUX_MEMORY = 256 << 10;

    /**
     * A new process with a code page and {@link #LINUX_MEMORY} bytes of anonymous memory it mapped
     * itself with mmap (read and write, private), which its forked children share copy-on-write.
     */
    public LinuxParent linuxParent() {
        Process p = process();
        long code = codePage(p);
        long data = linuxCall(p, code, 222 /* mmap */, 0, LINUX_MEMORY, 3, 0x22, -1, 0);
        assertThat(data).as("mmap").isPositive();
        return new LinuxParent(p, code, data);
    }

    /**
     * Makes a pipe in {@code p} with pipe2 as a program does, its two descriptors written at
     * {@code buffer} (8 bytes of {@code p}'s writable memory); returns them, read end first.
     */
    public int[] pipe(Process p, long codePage, long buffer, int flags) {
        assertThat(linuxCall(p, codePage, 59, buffer, flags)).as("pipe2").isZero();
        ByteBuffer b = ByteBuffer.wrap(sos.syscalls(p).copyFromUser(buffer, 8)).order(ByteOrder.LITTLE_ENDIAN);
        return new int[] {b.getInt(0), b.getInt(4)};
    }

    /** The user runtime of {@code p}. */
    public UserContext context(Process p) {
        return new UserContext(p, sos.syscalls(p));
    }

    /**
     * The CapBuddy pool's trees given back so far (0 without the pool). While this stays put, a
     * frame freed and handed out again went round inside the pool without a Retype, so nothing
     * but SOS's frame table zeroed it.
     */
    public long poolTreesReturned() {
        return pool == null ? 0 : pool.pool().stats().treesReturned();
    }

    /** The balance across workloads: caches settled, SOS's idle frame window given back (see {@link SosMachine#settledBalance()}). */
    public Balance balance() {
        return settled(machine.settledBalance());
    }

    /**
     * The balance around one operation: SOS's frame-window tables counted as they stand, so that a
     * table an operation left behind shows (see {@link SosMachine#balance()}).
     */
    public Balance strictBalance() {
        return settled(machine.balance());
    }

    private static Balance settled(Balance b) {
        assertThat(b.allocators().unsettled()).as("allocators settled: %s", b).isZero();
        return b;
    }

    /** Fails the test if any kernel invariant is broken. */
    public void assertInvariants() {
        var r = kernel.checkInvariants();
        assertThat(r.ok()).as("%s", r).isTrue();
    }
}
