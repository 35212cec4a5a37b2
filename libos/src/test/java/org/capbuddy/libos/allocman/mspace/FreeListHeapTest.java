package org.capbuddy.libos.allocman.mspace;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class FreeListHeapTest {

    @Test
    void firstFitCoalescesAndGivesBackTheTop() {
        FreeListHeap heap = new FreeListHeap(0x1000, 0);
        assertThat(heap.alloc(10)).isEqualTo(-1);
        heap.extend(4096);
        long a = heap.alloc(64);
        long b = heap.alloc(10);
        long c = heap.alloc(100);
        assertThat(a).isEqualTo(0x1000);
        assertThat(b).isEqualTo(0x1040);
        assertThat(c).isEqualTo(0x1050);
        assertThat(heap.bytesInUse()).isEqualTo(174);
        heap.free(b, 10);
        assertThat(heap.alloc(16)).isEqualTo(b);
        heap.free(b, 16);
        heap.free(a, 64);
        heap.free(c, 100);
        assertThat(heap.bytesInUse()).isZero();
        assertThat(heap.bytesFree()).isEqualTo(4096);
        assertThat(heap.shrinkTop(4096, 0x1000)).isEqualTo(4096);
        assertThat(heap.top()).isEqualTo(0x1000);
    }

    @Test
    void aRequestLargerThanTheHeapIsRefusedWithoutWrapping() {
        FreeListHeap heap = new FreeListHeap(0x1000, 4096);
        for (long huge : new long[] {4097, 1L << 62, Long.MAX_VALUE - 15, Long.MAX_VALUE - 1, Long.MAX_VALUE}) {
            assertThat(heap.alloc(huge)).as("%d bytes", huge).isEqualTo(-1);
            assertThat(heap.isAllocated(0x1000, huge)).isFalse();
        }
        assertThat(heap.bytesFree()).isEqualTo(4096);
        assertThat(heap.isAllocated(Long.MAX_VALUE - 8, 16)).isFalse();
        assertThat(heap.alloc(4096)).isEqualTo(0x1000);
    }

    @Test
    void isAllocatedRejectsFreeForeignAndMisalignedRuns() {
        FreeListHeap heap = new FreeListHeap(0, 4096);
        long a = heap.alloc(32);
        assertThat(heap.isAllocated(a, 32)).isTrue();
        assertThat(heap.isAllocated(a + 8, 16)).isFalse();
        assertThat(heap.isAllocated(4096, 16)).isFalse();
        assertThat(heap.isAllocated(a + 32, 16)).isFalse();
        heap.free(a, 32);
        assertThat(heap.isAllocated(a, 32)).isFalse();
    }

    @Test
    void randomAllocFreeMatchesAReferenceOfLiveRuns() {
        long seed = 42;
        SplittableRandom random = new SplittableRandom(seed);
        FreeListHeap heap = new FreeListHeap(0, 1 << 16);
        TreeMap<Long, Long> live = new TreeMap<>();
        for (int i = 0; i < 20_000; i++) {
            if (live.isEmpty() || random.nextInt(3) != 0) {
                long bytes = 1 + random.nextInt(300);
                long addr = heap.alloc(bytes);
                if (addr < 0) {
                    continue;
                }
                var below = live.floorEntry(addr + FreeListHeap.round(bytes) - 1);
                assertThat(below == null || below.getKey() + FreeListHeap.round(below.getValue()) <= addr)
                        .as("seed %d: overlap at %d", seed, addr).isTrue();
                live.put(addr, bytes);
            } else {
                List<Long> keys = new ArrayList<>(live.keySet());
                long addr = keys.get(random.nextInt(keys.size()));
                heap.free(addr, live.remove(addr));
            }
            assertThat(heap.bytesInUse()).as("seed %d", seed).isEqualTo(live.values().stream().mapToLong(Long::longValue).sum());
        }
    }
}
