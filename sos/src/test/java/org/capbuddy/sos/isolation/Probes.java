package org.capbuddy.sos.isolation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.capbuddy.kernel.object.Frame;
import org.capbuddy.kernel.object.Pte;
import org.capbuddy.sos.SosFixture;
import org.capbuddy.sos.addrspace.Region;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.process.ProcessState;
import org.capbuddy.sos.user.MemoryFault;
import org.capbuddy.sos.user.UserContext;

/**
 * A fresh process sent to touch one address that is not its own business. What may happen is
 * fixed: outside its regions it is killed, with a kill report naming the address and no region;
 * inside one it gets a page of its own, zero on first touch, that is not the frame someone else
 * has there. The probe is destroyed afterwards, so probing leaves nothing behind.
 */
public final class Probes {
    /** What a probe met. */
    public enum Outcome {
        KILLED,
        OWN_FRESH_PAGE
    }

    /** Stored by probes that may write, so a page that holds it afterwards was written by a probe. */
    public static final long MARKER = 0x5EC0_0DE5_5EC0_0DE5L;

    private Probes() {
    }

    /**
     * Sends a new process to load (or store, if {@code write}) 8 bytes at {@code vaddr}.
     *
     * @param othersFrame the frame another party has at that address, which the probe must not
     *     get; null when there is none to compare with
     */
    public static Outcome probe(SosFixture fx, long vaddr, boolean write, Frame othersFrame) throws MemoryFault {
        Process p = fx.process();
        UserContext ctx = fx.context(p);
        Region region = p.addressSpace().find(vaddr);
        Outcome outcome;
        if (region == null) {
            assertThatThrownBy(() -> access(ctx, vaddr, write)).as("0x%x is outside every region", vaddr)
                    .isInstanceOf(MemoryFault.class);
            assertThat(p.state()).isEqualTo(ProcessState.KILLED);
            assertThat(p.killReport().region()).isNull();
            assertThat(p.killReport().address()).isEqualTo(vaddr);
            outcome = Outcome.KILLED;
        } else {
            assertThat(ctx.load(vaddr, 8)).as("a fresh %s page at 0x%x reads zero", region.kind(), vaddr).isZero();
            if (write && region.write()) {
                ctx.store(vaddr, 8, MARKER);
                assertThat(ctx.load(vaddr, 8)).isEqualTo(MARKER);
            }
            Pte.Page mine = KernelMappings.pageAt(fx.kernel, p.vspaceCptr(), vaddr);
            assertThat(mine).as("the probe's own mapping at 0x%x", vaddr).isNotNull();
            if (othersFrame != null) {
                assertThat(mine.frame()).as("the frame behind 0x%x", vaddr).isNotSameAs(othersFrame);
                assertThat(mine.frame().paddr()).isNotEqualTo(othersFrame.paddr());
            }
            assertThat(p.state()).isEqualTo(ProcessState.RUNNING);
            outcome = Outcome.OWN_FRESH_PAGE;
        }
        assertThat(fx.sos.destroy(p).isOk()).isTrue();
        return outcome;
    }

    private static void access(UserContext ctx, long vaddr, boolean write) throws MemoryFault {
        if (write) {
            ctx.store(vaddr, 8, MARKER);
        } else {
            ctx.load(vaddr, 8);
        }
    }
}
