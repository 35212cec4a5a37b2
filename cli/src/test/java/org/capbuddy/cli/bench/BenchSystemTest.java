package org.capbuddy.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.capbuddy.libos.machine.MachineConfig;
import org.junit.jupiter.api.Test;

class BenchSystemTest {

    @Test
    void aBlockTheAllocatorRoundsUpIsCostedPerFrameAskedForAsPlainAllocmansBlocksAre() {
        // mce-baseline hands out a block of 3 frames as 4 (an untyped of 2^2 frames' size); its
        // cost a frame must divide by the 3 the workload asked for, as plain allocman's does (it
        // makes exactly 3), or the two are not compared on the same frames
        BenchSystem sys = BenchSystem.boot("mce-baseline", MachineConfig.capBuddy(64L << 20)).value();
        sys.startMeasuring();
        BenchSystem.Block block = sys.alloc(3);
        AllocatorRun allocated = sys.finish(3, 1, WorkUnit.ITERATION, true, List.of(), List.of(), Map.of());
        assertThat(allocated.modelledCycles()).isPositive();
        assertThat(allocated.extra().get("alloc.modelledCyclesPerFrame")).isEqualTo(allocated.modelledCycles() / 3);

        sys.startMeasuring();
        sys.free(block);
        AllocatorRun freed = sys.finish(0, 0, WorkUnit.ITERATION, true, List.of(), List.of(), Map.of());
        assertThat(freed.modelledCycles()).isPositive();
        assertThat(freed.extra().get("free.modelledCyclesPerFrame")).isEqualTo(freed.modelledCycles() / 3);
    }
}
