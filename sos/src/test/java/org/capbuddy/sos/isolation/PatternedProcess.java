package org.capbuddy.sos.isolation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.capbuddy.sos.SosFixture;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.addrspace.Region;
import org.capbuddy.sos.addrspace.RegionKind;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.user.MemoryFault;
import org.capbuddy.sos.user.UserContext;

/**
 * A process whose every writable region (data, heap, stack, an mmap region and the IPC buffer)
 * holds a seeded pattern in every page it touched, and which can check that all of it is still
 * there, byte for byte, through its own view of memory.
 */
public final class PatternedProcess {
    /** A patterned range of the process's memory. */
    public record Range(RegionKind kind, long vaddr, int length, long seed) {
    }

    private final Process process;
    private final UserContext ctx;
    private final List<Range> ranges = new ArrayList<>();
    private final long heapBase;
    private final long mmapBase;

    private PatternedProcess(SosFixture fx, long seed, int heapPages, int stackPages, int mmapPages)
            throws MemoryFault {
        process = fx.process();
        ctx = fx.context(process);
        heapBase = ctx.brk(0);
        assertThat(ctx.brk(heapBase + heapPages * Layout.PAGE)).isEqualTo(heapBase + heapPages * Layout.PAGE);
        mmapBase = ctx.sys().mmap(mmapPages * Layout.PAGE).value();
        Region data = process.addressSpace().regions().stream().filter(r -> r.kind() == RegionKind.DATA)
                .findFirst().orElseThrow();
        add(RegionKind.DATA, data.base(), (int) data.size(), seed);
        add(RegionKind.HEAP, heapBase, heapPages * (int) Layout.PAGE, seed + 1);
        add(RegionKind.STACK, Layout.STACK_TOP - stackPages * Layout.PAGE, stackPages * (int) Layout.PAGE, seed + 2);
        add(RegionKind.MMAP, mmapBase, mmapPages * (int) Layout.PAGE, seed + 3);
        add(RegionKind.IPC_BUFFER, Layout.IPC_BUFFER, (int) Layout.PAGE, seed + 4);
        assertThat(ctx.load(Layout.CODE_BASE, 8)).as("code is mapped and readable").isZero();
    }

    /** Creates a process and patterns its regions: 4 data pages, and the heap, stack and mmap pages asked for. */
    public static PatternedProcess create(SosFixture fx, long seed, int heapPages, int stackPages, int mmapPages)
            throws MemoryFault {
        return new PatternedProcess(fx, seed, heapPages, stackPages, mmapPages);
    }

    private void add(RegionKind kind, long vaddr, int length, long seed) throws MemoryFault {
        if (length > 0) {
            Patterns.write(ctx, vaddr, length, seed);
            ranges.add(new Range(kind, vaddr, length, seed));
        }
    }

    /** Checks, through the process's own loads, that every patterned byte is intact. */
    public void assertIntact() throws MemoryFault {
        for (Range r : ranges) {
            assertThat(Patterns.read(ctx, r.vaddr(), r.length()))
                    .as("process %d's %s at 0x%x", process.pid(), r.kind(), r.vaddr())
                    .isEqualTo(Patterns.bytes(r.seed(), r.length()));
        }
    }

    public Process process() {
        return process;
    }

    public UserContext context() {
        return ctx;
    }

    public List<Range> ranges() {
        return Collections.unmodifiableList(ranges);
    }

    public long heapBase() {
        return heapBase;
    }

    public long mmapBase() {
        return mmapBase;
    }
}
