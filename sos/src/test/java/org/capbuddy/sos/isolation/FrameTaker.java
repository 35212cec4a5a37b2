package org.capbuddy.sos.isolation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.TreeSet;
import org.capbuddy.kernel.object.Pte;
import org.capbuddy.sos.SosFixture;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.user.MemoryFault;
import org.capbuddy.sos.user.UserContext;

/**
 * A new process that takes fresh pages one at a time (each a new frame from SOS), checks that
 * every byte of each arrives zero, fills it with its own pattern, and stops once it holds every
 * physical frame it was sent for, or after a bound. This is how a test hands frames that were
 * just freed to someone else, and sees what they carry.
 */
public final class FrameTaker {
    private final Process process;
    private final UserContext ctx;
    private final long base;
    private final long seed;
    private final Set<Long> reused = new TreeSet<>();
    private int pages;

    private FrameTaker(SosFixture fx, Set<Long> wanted, int maxPages, long seed) throws MemoryFault {
        this.process = fx.process();
        this.ctx = fx.context(process);
        this.seed = seed;
        this.base = ctx.sys().mmap(maxPages * Layout.PAGE).value();
        while (pages < maxPages && reused.size() < wanted.size()) {
            long va = base + pages * Layout.PAGE;
            byte[] seen = Patterns.read(ctx, va, (int) Layout.PAGE);
            Pte.Page page = KernelMappings.pageAt(fx.kernel, process.vspaceCptr(), va);
            assertThat(Patterns.firstNonZero(seen)).as("byte of fresh page 0x%x (frame 0x%x)", va,
                    page.frame().paddr()).isEqualTo(-1);
            Patterns.write(ctx, va, (int) Layout.PAGE, seed + pages);
            if (wanted.contains(page.frame().paddr())) {
                reused.add(page.frame().paddr());
            }
            pages++;
        }
    }

    /** Takes pages until it holds every frame of {@code wanted}, or {@code maxPages} pages. */
    public static FrameTaker take(SosFixture fx, Set<Long> wanted, int maxPages, long seed) throws MemoryFault {
        return new FrameTaker(fx, wanted, maxPages, seed);
    }

    /** The wanted frames it got. */
    public Set<Long> reused() {
        return reused;
    }

    /** Pages it took in all. */
    public int pagesTaken() {
        return pages;
    }

    public Process process() {
        return process;
    }

    /** Checks that every page it filled still holds its pattern. */
    public void assertIntact() throws MemoryFault {
        for (int i = 0; i < pages; i++) {
            long va = base + i * Layout.PAGE;
            assertThat(Patterns.read(ctx, va, (int) Layout.PAGE)).as("taker's page 0x%x", va)
                    .isEqualTo(Patterns.bytes(seed + i, (int) Layout.PAGE));
        }
    }
}
