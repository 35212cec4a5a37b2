package org.capbuddy.sos.isolation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.stream.Stream;
import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.api.VmAttributes;
import org.capbuddy.kernel.api.VmRights;
import org.capbuddy.kernel.object.Pte;
import org.capbuddy.kernel.object.VSpace;
import org.capbuddy.kernel.cpu.AccessKind;
import org.capbuddy.kernel.cpu.Mmu;
import org.capbuddy.kernel.cpu.Translation;
import org.capbuddy.sos.SosFixture;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.addrspace.Region;
import org.capbuddy.sos.addrspace.RegionKind;
import org.capbuddy.sos.frametable.FrameTable;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.process.ProcessState;
import org.capbuddy.sos.user.MemoryFault;
import org.capbuddy.sos.user.UserContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Read-only and execute-never are enforced, both by SOS's fault handler (a page not yet mapped)
 * and by the rights in the kernel's page table entry (a page already mapped, perhaps already in
 * the TLB for reading). Code can be read and executed; it can never be written, by any kind of
 * store; nothing else can be executed.
 */
class MappingRightsTest {

    /** The ways user code writes memory. */
    enum Write {
        STORE, BLOCK_COPY, FILL;

        /** Writes at {@code va}; false when the write was refused. */
        boolean tryWrite(Process p, UserContext ctx, long va) {
            try {
                switch (this) {
                    case STORE -> ctx.store(va, 4, 0xD503201FL);
                    case BLOCK_COPY -> ctx.copyOut(va, new byte[] {1, 2, 3, 4, 5, 6, 7, 8}, 0, 8);
                    case FILL -> {
                        if (p.cpu().fill(va, 64, (byte) 0x55) != 64) {
                            return false;
                        }
                    }
                }
                return true;
            } catch (MemoryFault refused) {
                return false;
            }
        }
    }

    static Stream<Arguments> writesAndMappedFirst() {
        return Stream.of(Write.values()).flatMap(w -> Stream.of(Arguments.of(w, false), Arguments.of(w, true)));
    }

    @ParameterizedTest(name = "{0}, page mapped first: {1}")
    @MethodSource("writesAndMappedFirst")
    void writingToCodeKillsAndLeavesTheCodePageAsItWas(Write how, boolean mappedFirst) throws MemoryFault {
        SosFixture fx = new SosFixture(true);
        Process p = fx.process();
        UserContext ctx = fx.context(p);
        long va = Layout.CODE_BASE + 3 * Layout.PAGE + 40;
        if (mappedFirst) {
            assertThat(ctx.load(va, 8)).isZero();
        }

        assertThat(how.tryWrite(p, ctx, va)).as("the write went through").isFalse();

        assertThat(p.state()).isEqualTo(ProcessState.KILLED);
        assertThat(p.killReport().access()).isEqualTo(AccessKind.WRITE);
        assertThat(p.killReport().region()).isEqualTo("code");
        assertThat(p.killReport().reason()).contains(mappedFirst ? "rights refuse" : "read-only code");
        Pte.Page page = KernelMappings.pageAt(fx.kernel, p.vspaceCptr(), va);
        if (mappedFirst) {
            assertThat(page.rights()).isEqualTo(VmRights.READ_ONLY);
            assertThat(Patterns.physicalPageIsZero(fx.kernel.physicalMemory(), page.frame().paddr())).isTrue();
        } else {
            assertThat(page).as("SOS maps nothing for a refused write").isNull();
        }
    }

    static Stream<Arguments> dataRegionsAndMappedFirst() {
        return Stream.of(RegionKind.DATA, RegionKind.HEAP, RegionKind.STACK, RegionKind.MMAP, RegionKind.IPC_BUFFER)
                .flatMap(k -> Stream.of(Arguments.of(k, false), Arguments.of(k, true)));
    }

    private static long addressIn(RegionKind kind, Process p, UserContext ctx) {
        return switch (kind) {
            case HEAP -> {
                long heap = ctx.brk(0);
                ctx.brk(heap + 4 * Layout.PAGE);
                yield heap + Layout.PAGE + 16;
            }
            case MMAP -> ctx.sys().mmap(4 * Layout.PAGE).value() + 2 * Layout.PAGE;
            case STACK -> Layout.STACK_TOP - 3 * Layout.PAGE + 64;
            case IPC_BUFFER -> Layout.IPC_BUFFER + 128;
            default -> p.addressSpace().regions().stream().filter(r -> r.kind() == kind).findFirst()
                    .orElseThrow().base() + 8;
        };
    }

    @ParameterizedTest(name = "{0}, page mapped first: {1}")
    @MethodSource("dataRegionsAndMappedFirst")
    void executingAnythingButCodeKills(RegionKind kind, boolean mappedFirst) throws MemoryFault {
        SosFixture fx = new SosFixture(true);
        Process p = fx.process();
        UserContext ctx = fx.context(p);
        long va = addressIn(kind, p, ctx);
        if (mappedFirst) {
            ctx.store(va, 4, 0xD503201FL);
        }

        assertThatThrownBy(() -> ctx.execute(va)).isInstanceOf(MemoryFault.class);

        assertThat(p.state()).isEqualTo(ProcessState.KILLED);
        assertThat(p.killReport().access()).isEqualTo(AccessKind.EXECUTE);
        assertThat(p.killReport().region()).isEqualTo(kind.label());
        assertThat(p.killReport().reason()).contains(mappedFirst ? "rights refuse" : "non-executable");
        if (mappedFirst) {
            Pte.Page page = KernelMappings.pageAt(fx.kernel, p.vspaceCptr(), va);
            assertThat(page.executeNever()).isTrue();
            assertThat(page.rights()).isEqualTo(VmRights.READ_WRITE);
        }
    }

    @ParameterizedTest(name = "pool={0}")
    @ValueSource(booleans = {true, false})
    void codeIsReadableAndExecutableAndItsPageTableEntriesAreReadOnly(boolean usePool) throws MemoryFault {
        SosFixture fx = new SosFixture(usePool);
        Process p = fx.process();
        UserContext ctx = fx.context(p);
        Region code = p.addressSpace().find(Layout.CODE_BASE);
        VSpace vspace = KernelMappings.vspace(fx.kernel, p.vspaceCptr());
        for (long va = code.base(); va < code.end(); va += Layout.PAGE) {
            ctx.execute(va);
            assertThat(ctx.load(va + 8, 8)).isZero();
            Pte.Page page = KernelMappings.pageAt(fx.kernel, p.vspaceCptr(), va);
            assertThat(page.rights()).as("code page 0x%x", va).isEqualTo(VmRights.READ_ONLY);
            assertThat(page.executeNever()).isFalse();
            // The rights are in the entry itself: the MMU refuses a write with no help from SOS.
            Translation write = Mmu.translate(vspace, va, AccessKind.WRITE, va);
            assertThat(write.isFault()).isTrue();
            assertThat(write.fault().isPermissionFault()).isTrue();
            int ref = p.shadow().page(va).frameRef();
            assertThat(KernelMappings.frameCap(fx.kernel, p.shadow().page(va).capCopy()).rights())
                    .as("the cap copy that maps code").isEqualTo(VmRights.READ_ONLY);
            Pte.Page window = KernelMappings.pageAt(fx.kernel, fx.booted.vspace(), FrameTable.windowAddress(ref));
            assertThat(window.frame()).isSameAs(page.frame());
            assertThat(window.executeNever()).as("SOS never executes a process's code").isTrue();
        }
        assertThat(ctx.sys().write(code.base(), 64).value()).as("a syscall may read code").isEqualTo(64);

        long heap = ctx.brk(0);
        ctx.brk(heap + Layout.PAGE);
        ctx.store(heap, 8, 1);
        Translation fetch = Mmu.translate(vspace, heap, AccessKind.EXECUTE, heap);
        assertThat(fetch.isFault()).isTrue();
        assertThat(fetch.fault().isPermissionFault()).isTrue();
        assertThat(p.state()).isEqualTo(ProcessState.RUNNING);
    }

    @ParameterizedTest(name = "pool={0}")
    @ValueSource(booleans = {true, false})
    void aRemapOfACodePageAskingForReadWriteStillMapsItReadOnly(boolean usePool) throws MemoryFault {
        SosFixture fx = new SosFixture(usePool);
        Process p = fx.process();
        UserContext ctx = fx.context(p);
        long va = Layout.CODE_BASE + Layout.PAGE;
        ctx.execute(va);

        // Page_Map of the same cap at the same address is a remap; the kernel masks the rights
        // asked for with the cap's, so only a read-only cap keeps a slip in SOS from upgrading.
        var remapped = fx.vka.sel4().pageMap(p.shadow().page(va).capCopy(), p.vspaceCptr(), va,
                CapRights.READ_WRITE, VmAttributes.DEFAULT);
        assertThat(remapped.isOk()).as("%s", remapped).isTrue();

        assertThat(KernelMappings.pageAt(fx.kernel, p.vspaceCptr(), va).rights()).isEqualTo(VmRights.READ_ONLY);
        assertThatThrownBy(() -> ctx.store(va, 8, 1)).isInstanceOf(MemoryFault.class);
        assertThat(p.killReport().access()).isEqualTo(AccessKind.WRITE);
    }
}
