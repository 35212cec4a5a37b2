package org.capbuddy.sos.paging;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.capbuddy.sos.SosFixture;
import org.capbuddy.sos.Syscalls;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.addrspace.RegionKind;
import org.capbuddy.sos.frametable.FrameTable;
import org.capbuddy.sos.linux.LinuxSyscall;
import org.capbuddy.sos.machine.Balance;
import org.capbuddy.sos.machine.SosConfig;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.process.ProcessState;
import org.capbuddy.sos.process.UserPage;
import org.capbuddy.sos.user.MemoryFault;
import org.capbuddy.sos.user.UserContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The calls that read or change a process's pages, on pages SOS has paged out (and, with second
 * chance, unreferenced): write and uname copy through them, mincore tells them apart, munmap,
 * brk and MADV_DONTNEED free their slots, mprotect's rights hold when they come back; the IPC
 * buffer never leaves, and a fault with every page pinned or the page file full is the kill for
 * want of memory it was before paging, its report saying which.
 */
class PagingCallsTest {
    private static final int ROOM = 4;
    private static final int RW = Syscalls.PROT_READ | Syscalls.PROT_WRITE;
    private static final int ANON = Syscalls.MAP_PRIVATE | Syscalls.MAP_ANONYMOUS;

    private SosFixture fx;
    private Process p;
    private UserContext ctx;
    private long code;

    static java.util.List<String> policies() {
        return PolicyRegistry.names();
    }

    /** A process with a code page (touched) and room for {@code room} more of its pages, paging by {@code policy}. */
    private void start(String policy, int room, int pageFile) throws MemoryFault {
        SosFixture probe = new SosFixture(true);
        Process q = probe.process();
        probe.context(q).store(probe.codePage(q) + 0x800, 8, 0);
        int own = probe.sos.frameTable().framesInUse();
        fx = new SosFixture(true, new SosConfig(FrameTable.SEED_REF_BITS, own + room, pageFile, policy));
        p = fx.process();
        ctx = fx.context(p);
        code = fx.codePage(p);
        ctx.store(code + 0x800, 8, 0);
        assertThat(fx.sos.frameTable().framesInUse()).isEqualTo(own);
    }

    private long call(LinuxSyscall c, long... args) {
        return fx.linuxCall(p, code, c.number(), args);
    }

    /** Touches {@code n} fresh pages, pushing older ones out. */
    private void churn(int n) throws MemoryFault {
        long at = ctx.sys().mmap(n * Layout.PAGE).value();
        for (int i = 0; i < n; i++) {
            ctx.store(at + i * Layout.PAGE, 8, i + 1);
        }
    }

    @ParameterizedTest
    @MethodSource("policies")
    void writeAndUnameReachPagedOutBuffers(String policy) throws MemoryFault {
        start(policy, ROOM, 64);
        long buf = ctx.sys().mmap(2 * Layout.PAGE).value();
        byte[] hello = "hello from the page file\n".getBytes(StandardCharsets.UTF_8);
        ctx.copyOut(buf, hello, 0, hello.length);
        churn(3 * ROOM);
        assertThat(p.shadow().pagedOutSlot(buf)).isNotNegative();
        assertThat(call(LinuxSyscall.WRITE, 1, buf, hello.length)).isEqualTo(hello.length);
        assertThat(fx.sos.console()).endsWith("hello from the page file\n");
        ctx.store(buf + Layout.PAGE, 8, 7);
        churn(3 * ROOM);
        assertThat(p.shadow().pagedOutSlot(buf + Layout.PAGE)).isNotNegative();
        assertThat(call(LinuxSyscall.UNAME, buf + Layout.PAGE)).isZero();
        byte[] sysname = new byte[5];
        ctx.copyIn(buf + Layout.PAGE, sysname, 0, 5);
        assertThat(new String(sysname, StandardCharsets.US_ASCII)).isEqualTo("Linux");
        assertThat(p.state()).isEqualTo(ProcessState.RUNNING);
    }

    @ParameterizedTest
    @MethodSource("policies")
    void mincoreSaysAPagedOutPageIsNotResident(String policy) throws MemoryFault {
        start(policy, ROOM, 64);
        long buf = ctx.sys().mmap(Layout.PAGE).value();
        ctx.store(buf, 8, 1);
        churn(3 * ROOM);
        assertThat(p.shadow().pagedOutSlot(buf)).isNotNegative();
        long vec = code + 0x800;
        assertThat(call(LinuxSyscall.MINCORE, buf, Layout.PAGE, vec)).isZero();
        assertThat(ctx.load(vec, 1) & 0xFF).isZero();
        assertThat(ctx.load(buf, 8)).isEqualTo(1);
        assertThat(call(LinuxSyscall.MINCORE, buf, Layout.PAGE, vec)).isZero();
        assertThat(ctx.load(vec, 1) & 0xFF).isEqualTo(1);
    }

    @Test
    void mincoreSaysAnUnreferencedPageIsResident() throws MemoryFault {
        start(SecondChancePolicy.NAME, ROOM, 64);
        long region = ctx.sys().mmap(ROOM * Layout.PAGE).value();
        for (int i = 0; i < ROOM; i++) {
            ctx.store(region + i * Layout.PAGE, 8, i);
        }
        long before = fx.sos.pages().pagesUnreferenced();
        churn(1);
        assertThat(fx.sos.pages().pagesUnreferenced()).as("the hand cleared bits").isGreaterThan(before);
        long unreferenced = -1;
        for (int i = 0; i < ROOM; i++) {
            long va = region + i * Layout.PAGE;
            if (p.shadow().frameRef(va) != 0 && !((SecondChancePolicy<UserPage>) (Object) fx.sos.pages().policy())
                    .isReferenced(new UserPage(p, va))) {
                unreferenced = va;
            }
        }
        assertThat(unreferenced).as("an unreferenced page").isNotNegative();
        long vec = code + 0x800;
        assertThat(call(LinuxSyscall.MINCORE, unreferenced, Layout.PAGE, vec)).isZero();
        assertThat(ctx.load(vec, 1) & 0xFF).isEqualTo(1);
        long soft = fx.sos.pages().softFaults();
        assertThat(ctx.load(unreferenced, 8)).isEqualTo((unreferenced - region) / Layout.PAGE);
        assertThat(fx.sos.pages().softFaults()).isEqualTo(soft + 1);
    }

    @ParameterizedTest
    @MethodSource("policies")
    void munmapBrkAndDontneedFreeSlots(String policy) throws MemoryFault {
        start(policy, ROOM, 64);
        long a = ctx.sys().mmap(2 * Layout.PAGE).value();
        ctx.store(a, 8, 1);
        ctx.store(a + Layout.PAGE, 8, 2);
        long heap = ctx.brk(0);
        ctx.brk(heap + 2 * Layout.PAGE);
        ctx.store(heap + Layout.PAGE, 8, 3);
        churn(3 * ROOM);
        assertThat(p.shadow().pagedOutSlot(a)).isNotNegative();
        assertThat(p.shadow().pagedOutSlot(a + Layout.PAGE)).isNotNegative();
        assertThat(p.shadow().pagedOutSlot(heap + Layout.PAGE)).isNotNegative();
        int slots = fx.sos.pages().pageFileSlotsInUse();
        assertThat(call(LinuxSyscall.MADVISE, a, Layout.PAGE, 4 /* MADV_DONTNEED */)).isZero();
        assertThat(fx.sos.pages().pageFileSlotsInUse()).isEqualTo(slots - 1);
        assertThat(p.shadow().pagedOutSlot(a)).isNegative();
        assertThat(ctx.load(a, 8)).as("DONTNEED leaves a zero page").isZero();
        slots = fx.sos.pages().pageFileSlotsInUse(); // that page's frame came from another page, paged out
        assertThat(ctx.sys().munmap(a + Layout.PAGE, Layout.PAGE).isOk()).isTrue();
        assertThat(p.shadow().pagedOutSlot(a + Layout.PAGE)).isNegative();
        assertThat(ctx.brk(heap)).isEqualTo(heap);
        assertThat(p.shadow().pagedOutSlot(heap + Layout.PAGE)).isNegative();
        assertThat(p.shadow().pagedOutAddresses(a, a + 2 * Layout.PAGE)).isEmpty();
        assertThat(fx.sos.pages().pageFileSlotsInUse()).isEqualTo(slots - 2);
        assertThat(fx.sos.destroy(p).isOk()).isTrue();
        assertThat(fx.sos.pages().pageFileSlotsInUse()).isZero();
    }

    @ParameterizedTest
    @MethodSource("policies")
    void mprotectedPagedOutPageComesBackWithTheNewRights(String policy) throws MemoryFault {
        start(policy, ROOM, 64);
        long a = ctx.sys().mmap(Layout.PAGE).value();
        ctx.store(a, 8, 77);
        churn(3 * ROOM);
        assertThat(p.shadow().pagedOutSlot(a)).isNotNegative();
        assertThat(call(LinuxSyscall.MPROTECT, a, Layout.PAGE, Syscalls.PROT_READ)).isZero();
        assertThat(ctx.load(a, 8)).isEqualTo(77);
        MemoryFault refused = null;
        try {
            ctx.store(a, 8, 1);
        } catch (MemoryFault f) {
            refused = f;
        }
        assertThat(refused).as("a write to the read-only page paged back in").isNotNull();
        assertThat(p.killReport().reason()).isEqualTo("the mapping's rights refuse a write");
    }

    @ParameterizedTest
    @MethodSource("policies")
    void theIpcBufferStaysResident(String policy) throws MemoryFault {
        start(policy, ROOM, 256);
        long ipc = p.addressSpace().regions().stream().filter(r -> r.kind() == RegionKind.IPC_BUFFER).findFirst()
                .orElseThrow().base();
        ctx.store(ipc, 8, 0x1BC);
        int ref = p.shadow().frameRef(ipc);
        assertThat(ref).isNotZero();
        churn(10 * ROOM);
        assertThat(fx.sos.pages().pageOuts()).isPositive();
        assertThat(p.shadow().frameRef(ipc)).isEqualTo(ref);
        assertThat(ctx.load(ipc, 8)).isEqualTo(0x1BC);
        assertThat(fx.sos.pages().policy().size()).isLessThanOrEqualTo(ROOM + 1);
    }

    @ParameterizedTest
    @MethodSource("policies")
    void everyPagePinnedIsOutOfMemory(String policy) throws MemoryFault {
        start(policy, ROOM, 64);
        churn(ROOM);
        var resident = new java.util.ArrayList<UserPage>();
        for (long va : p.shadow().pageAddresses()) {
            resident.add(new UserPage(p, va));
            fx.sos.pages().pin(new UserPage(p, va));
        }
        long fresh = ctx.sys().mmap(Layout.PAGE).value();
        Balance before = fx.strictBalance();
        MemoryFault fault = null;
        try {
            ctx.store(fresh, 8, 1);
        } catch (MemoryFault f) {
            fault = f;
        }
        assertThat(fault).isNotNull();
        assertThat(p.killReport().reason()).startsWith("out of memory: ").contains("all are pinned");
        assertThat(fx.strictBalance()).isEqualTo(before);
        assertThat(fx.sos.pages().pinnedPages()).as("the killed process's pages are still held").isEqualTo(resident.size());
        assertThat(fx.sos.destroy(p).isOk()).isTrue();
        assertThat(fx.sos.pages().pinnedPages()).as("its pins went with its pages").isZero();
        resident.forEach(fx.sos.pages()::unpin); // a holder's late unpin finds nothing and changes nothing
        assertThat(fx.sos.pages().pinnedPages()).isZero();
    }

    @ParameterizedTest
    @MethodSource("policies")
    void aFullPageFileIsOutOfMemory(String policy) throws MemoryFault {
        start(policy, ROOM, 2);
        long at = ctx.sys().mmap(20 * Layout.PAGE).value();
        MemoryFault fault = null;
        int stored = 0;
        try {
            for (int i = 0; i < 20; i++) {
                ctx.store(at + i * Layout.PAGE, 8, i);
                stored++;
            }
        } catch (MemoryFault f) {
            fault = f;
        }
        assertThat(fault).isNotNull();
        assertThat(stored).isEqualTo(ROOM + 2);
        assertThat(p.killReport().reason()).startsWith("out of memory: ").contains("the page file is full (2 pages)");
        assertThat(fx.sos.pages().pageFileSlotsInUse()).isEqualTo(2);
        assertThat(fx.sos.destroy(p).isOk()).isTrue();
        assertThat(fx.sos.pages().pageFileSlotsInUse()).isZero();
    }
}
