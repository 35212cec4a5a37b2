package org.capbuddy.kernel;

import static org.assertj.core.api.Assertions.assertThat;

import org.capbuddy.kernel.boot.Board;
import org.capbuddy.kernel.boot.BootInfo;
import org.capbuddy.kernel.boot.InitialCap;
import org.capbuddy.kernel.boot.UntypedDescriptor;
import org.capbuddy.kernel.cap.Cap;
import org.junit.jupiter.api.Test;

class BootTest {

    @Test
    void ramOfPartPagesOrPastThePhysicalTopIsAProblemBeforeBoot() {
        assertThat(KernelConfig.capBuddy((1L << 30) + 1).problem()).hasValueSatisfying(p ->
                assertThat(p).contains("RAM must be whole 4 KiB pages"));
        assertThat(KernelConfig.capBuddy(Board.maxVirtRam() + 4096).problem()).hasValueSatisfying(p ->
                assertThat(p).contains("below the physical top"));
        assertThat(KernelConfig.capBuddy(Board.maxVirtRam()).problem()).isEmpty();
    }

    @Test
    void defaultBootGivesTheRootTaskItsCapsAndAllRamAsUntypeds() {
        Kernel kernel = Kernel.boot(KernelConfig.defaults());
        BootInfo info = kernel.bootInfo();

        assertThat(info.initialCaps().get(InitialCap.INIT_THREAD_TCB)).isEqualTo("TcbCap");
        assertThat(info.initialCaps().get(InitialCap.INIT_THREAD_CNODE)).isEqualTo("CNodeCap");
        assertThat(info.initialCaps().get(InitialCap.IO_PORT_CONTROL)).isEqualTo("null");
        assertThat(info.userImagePaging().size()).isEqualTo(3);
        assertThat(info.userImageFrames().size()).isEqualTo(KernelConfig.DEFAULT_IMAGE_PAGES);
        assertThat(info.empty().end()).isEqualTo(1L << KernelConfig.DEFAULT_ROOT_CNODE_BITS);
        assertThat(info.empty().start()).isEqualTo(info.untyped().end());

        for (UntypedDescriptor u : info.untypedList()) {
            assertThat(u.paddr() & (u.size() - 1)).as("aligned %s", u).isZero();
            assertThat(u.sizeBits()).isBetween(4, 47);
        }
        long ramTotal = Board.DEFAULT_RAM_SIZE;
        assertThat(info.ramUntypedBytes()).isLessThan(ramTotal).isGreaterThan(ramTotal - (16L << 20));
        assertThat(kernel.checkInvariants().violations()).isEmpty();
    }

    @Test
    void aSixtyFourGibMachineBootsWithoutBackingItsMemory() {
        Kernel kernel = Kernel.boot(KernelConfig.capBuddy(64L << 30));
        assertThat(kernel.bootInfo().ramUntypedBytes()).isGreaterThan(63L << 30);
        assertThat(kernel.physicalMemory().backedBytes()).isZero();
        assertThat(kernel.checkInvariants().ok()).isTrue();
    }

    @Test
    void rootTaskCapResolvesTheRootTasksCptrsToTheirCaps() {
        Kernel kernel = Kernel.boot(KernelConfig.defaults());
        assertThat(kernel.rootTaskCap(InitialCap.INIT_THREAD_VSPACE.cptr())).isInstanceOf(Cap.VSpaceCap.class);
        assertThat(kernel.rootTaskCap(InitialCap.INIT_THREAD_TCB.cptr())).isInstanceOf(Cap.TcbCap.class);
        assertThat(kernel.rootTaskCap(InitialCap.IO_PORT_CONTROL.cptr())).as("an empty slot").isNull();
        assertThat(kernel.rootTaskCap(-1L)).as("beyond the root CNode").isNull();
    }
}
