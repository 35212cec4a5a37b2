package org.capbuddy.sos;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.addrspace.Region;
import org.capbuddy.sos.addrspace.RegionKind;
import org.capbuddy.sos.user.MemoryFault;
import org.capbuddy.sos.user.UserContext;

/**
 * The kinds of first touch a page fault can be: fresh page tables at every level, a frame only, the
 * heap after brk, an mmap region, the stack, a frame that needs a new table in SOS's frame window.
 * The fault-injection and interruption tests fail each of them at every step.
 */
final class FirstTouches {
    private FirstTouches() {
    }

    /** Something a process does before the armed step, with nothing failing. */
    @FunctionalInterface
    interface Warm {
        void run(UserContext ctx) throws MemoryFault;
    }

    /** The armed step's syscalls (if any); returns the address the process then writes. */
    @FunctionalInterface
    interface Target {
        long run(UserContext ctx);
    }

    /**
     * One kind of first touch: what runs before, where the write goes, and how many page tables
     * it needs in the process and in SOS's frame window.
     */
    record Touch(String name, Warm warm, Target target, RegionKind region, int newTables, int newWindowTables) {
        @Override
        public String toString() {
            return name;
        }
    }

    static long dataBase(UserContext ctx) {
        return ctx.process().addressSpace().regions().stream().filter(r -> r.kind() == RegionKind.DATA)
                .mapToLong(Region::base).findFirst().orElseThrow();
    }

    static void touchData(UserContext ctx) throws MemoryFault {
        ctx.store(dataBase(ctx), 8, 1);
    }

    private static long mmapBase(UserContext ctx) {
        return ctx.process().addressSpace().regions().stream().filter(r -> r.kind() == RegionKind.MMAP)
                .mapToLong(Region::base).findFirst().orElseThrow();
    }

    /** Frames in use before the touch that fill the frame window's first leaf table (refs 1..511). */
    private static final int WINDOW_LEAF_FULL = 511;

    static final List<Touch> ALL = List.of(
            // A fresh process in a fresh SOS: three page tables for the process, and the frame
            // table's first frame also needs page tables for SOS's window.
            new Touch("first touch, tables at every level", ctx -> { }, FirstTouches::dataBase,
                    RegionKind.DATA, 3, 3),
            new Touch("frame only", FirstTouches::touchData, ctx -> dataBase(ctx) + Layout.PAGE,
                    RegionKind.DATA, 0, 0),
            new Touch("heap after brk", FirstTouches::touchData, ctx -> {
                long base = ctx.brk(0);
                assertThat(ctx.brk(base + 3 * Layout.PAGE)).isEqualTo(base + 3 * Layout.PAGE);
                return base + 2 * Layout.PAGE;
            }, RegionKind.HEAP, 0, 0),
            new Touch("mmap region", FirstTouches::touchData, ctx -> {
                SysResult at = ctx.sys().mmap(4 * Layout.PAGE);
                assertThat(at.isOk()).as("%s", at).isTrue();
                return at.value() + Layout.PAGE + 24;
            }, RegionKind.MMAP, 2, 0),
            new Touch("stack", FirstTouches::touchData, ctx -> Layout.STACK_TOP - 64, RegionKind.STACK, 3, 0),
            // The process has its tables; the frame is the first past the window's first leaf
            // table, so only SOS's window needs a new table, beside tables that stay in use.
            new Touch("frame needing a new window table", ctx -> {
                touchData(ctx);
                long at = ctx.sys().mmap(512 * Layout.PAGE).value();
                for (int i = 0; i < WINDOW_LEAF_FULL - 1; i++) {
                    ctx.store(at + i * Layout.PAGE, 8, i);
                }
            }, ctx -> mmapBase(ctx) + (WINDOW_LEAF_FULL - 1) * Layout.PAGE, RegionKind.MMAP, 0, 1));
}
