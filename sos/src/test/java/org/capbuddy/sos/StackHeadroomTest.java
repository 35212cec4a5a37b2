package org.capbuddy.sos;

import static org.assertj.core.api.Assertions.assertThat;

import org.capbuddy.kernel.host.StackHeadroom;
import org.capbuddy.libos.machine.MachineConfig;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.machine.SosConfig;
import org.capbuddy.sos.machine.SosMachine;
import org.capbuddy.sos.user.UserContext;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The stack headroom a machine requires before a fault handler runs is enough for the deepest
 * page fault SOS handles, with a margin of 1.5. Measured in probe frames: the deepest a thread can
 * recurse before a first touch still completes (with the headroom check off), against the deepest
 * it can recurse at all. The first touch is made on machines that make it as deep as it gets: a
 * new pool tree, an L2 CNode, page tables, bookkeeping from a tiny static pool.
 */
class StackHeadroomTest {
    private static final int THREAD_STACK = 1 << 20;

    static MachineConfig[] deepest() {
        return DeepestFaultMachines.configs();
    }

    /** True when a first touch completes {@code frames} probe frames down, on a fresh thread and machine. */
    private static boolean fits(MachineConfig config, int frames, boolean touch) throws InterruptedException {
        return FreshThread.result("stack headroom", THREAD_STACK, () -> {
            SosMachine m = SosMachine.boot(config, new SosConfig(4096)).value();
            m.kernel().guard().setStackHeadroomFrames(0);
            var p = m.sos().createProcess(4096, 4096).value();
            UserContext ctx = new UserContext(p, m.sos().syscalls(p));
            StackHeadroom.below(frames, () -> {
                if (touch) {
                    try {
                        ctx.store(Layout.STACK_TOP - 8, 8, 1);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }
            });
            return true;
        }) != null;
    }

    /** The most probe frames under which the work still completes (binary search). */
    private static int deepestFit(MachineConfig config, boolean touch) throws InterruptedException {
        int fits = 0;
        int fails = THREAD_STACK / 16;
        while (fails - fits > 1) {
            int mid = (fits + fails) >>> 1;
            if (fits(config, mid, touch)) {
                fits = mid;
            } else {
                fails = mid;
            }
        }
        return fits;
    }

    @ParameterizedTest
    @MethodSource("deepest")
    void theDefaultHeadroomCoversTheDeepestPageFaultWithAMarginOfOneAndAHalf(MachineConfig config)
            throws InterruptedException {
        // Warm the probe and the fault path first: a frame's size changes when the JIT compiles
        // its method, and the two measurements must see the same frames.
        for (int i = 0; i < 300; i++) {
            fits(config, 8, true);
        }
        int needed = 0;
        for (int round = 0, agreed = 0; agreed < 2 && round < 6; round++) {
            int limitBefore = deepestFit(config, false);
            int withFault = deepestFit(config, true);
            int limitAfter = deepestFit(config, false);
            if (Math.abs(limitBefore - limitAfter) > limitBefore / 50) {
                continue; // the probe's frames changed size meanwhile (the JIT): measure again
            }
            agreed++;
            needed = Math.max(needed, Math.min(limitBefore, limitAfter) - withFault);
        }
        assertThat(needed).as("a first touch needs stack: the measurement measured").isGreaterThanOrEqualTo(8);
        System.out.printf("stack headroom: the first touch needs %d probe frames; the default is %d%n", needed,
                StackHeadroom.DEFAULT_FRAMES);
        assertThat(needed * 3 / 2).as("frames the deepest fault needs, times 1.5").isLessThanOrEqualTo(
                StackHeadroom.DEFAULT_FRAMES);
    }
}
