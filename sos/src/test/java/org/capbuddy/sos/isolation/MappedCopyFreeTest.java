package org.capbuddy.sos.isolation;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Set;
import org.capbuddy.kernel.object.Pte;
import org.capbuddy.sos.SosFixture;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.shadow.PageEntry;
import org.capbuddy.sos.user.MemoryFault;
import org.capbuddy.sos.user.UserContext;
import org.junit.jupiter.api.Test;

/**
 * A frame freed back to the CapBuddy pool while a copy of its cap still maps it in a process
 * (SOS's own bookkeeping gone wrong, simulated by freeing the frame table entry behind the
 * process's back): the pool revokes the copy, which takes the mapping down, so when the frame
 * backs another process's page the first process cannot read the second's data.
 */
class MappedCopyFreeTest {

    @Test
    void aFrameFreedWhileACopyMapsItIsUnmappedEverywhereBeforeItIsHandedOutAgain() throws MemoryFault {
        SosFixture fx = new SosFixture(true);
        // A bystander keeps a frame of the pool's tree, so the tree is not given back (which would
        // revoke everything in it): the freed frame goes round inside the pool.
        Process bystander = fx.process();
        fx.context(bystander).store(Layout.STACK_TOP - 8, 8, 1);
        Process a = fx.process();
        UserContext actx = fx.context(a);
        long va = actx.sys().mmap(Layout.PAGE).value();
        Patterns.write(actx, va, (int) Layout.PAGE, 0xA);
        PageEntry page = a.shadow().page(va);
        long paddr = KernelMappings.pageAt(fx.kernel, a.vspaceCptr(), va).frame().paddr();

        assertThat(fx.sos.frameTable().free(page.frameRef()).isOk()).isTrue();

        Pte.Page stale = KernelMappings.pageAt(fx.kernel, a.vspaceCptr(), va);
        assertThat(stale).as("the process's mapping of the freed frame").isNull();
        FrameTaker b = FrameTaker.take(fx, Set.of(paddr), 64, 0xB);
        assertThat(b.reused()).as("the freed frame went round inside the pool to the next process")
                .containsExactly(paddr);
        byte[] bData = Patterns.bytes(0xB + b.pagesTaken() - 1, (int) Layout.PAGE);
        byte[] seenByA;
        try {
            seenByA = Patterns.read(actx, va, (int) Layout.PAGE);
        } catch (MemoryFault refused) {
            seenByA = null;
        }
        assertThat(seenByA == null || !Arrays.equals(seenByA, bData))
                .as("the first process reads the second's page through its old address").isTrue();
        b.assertIntact();
        fx.assertInvariants();
    }
}
