package org.capbuddy.libos.allocman.mspace;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.capbuddy.libos.allocman.DifferentialSeeds;
import org.capbuddy.libos.vka.Result;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@link FreeListHeap} against {@link TreeMapFreeListHeap}, the heap as it was: the same calls on
 * both, every answer compared (the address each allocation gets, what a checked free says, what
 * the top gives back, the byte counts). The calls are what the pools make, in a random mix that
 * fragments the heap: small records and larger chunks, frees of live runs in any order, frees
 * that must be refused (double, foreign, misaligned, past the top), growth and shrinking at the
 * top, and membership questions anywhere.
 */
class FreeListHeapDifferentialTest {
    private static final int OPS = 30_000;

    private record Live(long address, long bytes) {
    }

    @ParameterizedTest(name = "seed {0}")
    @MethodSource("org.capbuddy.libos.allocman.DifferentialSeeds#seeds")
    void everyAnswerIsTheOldHeapsAnswer(long seed) {
        String why = DifferentialSeeds.rerun(seed);
        SplittableRandom random = new SplittableRandom(seed);
        for (int heapNumber = 0; heapNumber < 3; heapNumber++) {
            long base = 16L * random.nextInt(1 << 20) + (heapNumber == 2 ? 0x10_0000_0000L : 0);
            long initial = heapNumber == 0 ? 0 : 16L * random.nextInt(4096);
            drive(why + ", heap " + heapNumber, random, new FreeListHeap(base, initial),
                    new TreeMapFreeListHeap(base, initial), base);
        }
    }

    private static void drive(String why, SplittableRandom random, FreeListHeap heap, TreeMapFreeListHeap old,
                              long base) {
        List<Live> live = new ArrayList<>();
        for (int op = 0; op < OPS; op++) {
            String at = why + ", operation " + op;
            int choice = random.nextInt(100);
            if (choice < 45) {
                long bytes = requestSize(random);
                long address = heap.alloc(bytes);
                assertThat(address).as(at + ": alloc(" + bytes + ")").isEqualTo(old.alloc(bytes));
                if (address >= 0) {
                    live.add(new Live(address, bytes));
                }
            } else if (choice < 80 && !live.isEmpty()) {
                Live run = live.remove(random.nextInt(live.size()));
                assertThat(outcome(heap.freeChecked(run.address, run.bytes, "pool")))
                        .as(at + ": free " + run).isEqualTo(outcome(old.freeChecked(run.address, run.bytes, "pool")));
            } else if (choice < 86) {
                long address = base + 8L * random.nextInt((int) Math.min(1 << 20, (heap.top() - base) / 8 + 64));
                long bytes = random.nextInt(8) == 0 ? -random.nextInt(32) : 1 + random.nextInt(400);
                assertThat(outcome(heap.freeChecked(address, bytes, "pool")))
                        .as(at + ": stray free of %d bytes at %d", bytes, address)
                        .isEqualTo(outcome(old.freeChecked(address, bytes, "pool")));
                live.removeIf(l -> l.address == address && l.bytes == bytes && !old.isAllocated(address, bytes));
            } else if (choice < 90) {
                long bytes = random.nextBoolean() ? 4096 : 16L * random.nextInt(64);
                heap.extend(bytes);
                old.extend(bytes);
            } else if (choice < 94) {
                long granule = random.nextBoolean() ? 4096 : 16;
                long floor = base + 16L * random.nextInt((int) Math.min(1 << 20, (heap.top() - base) / 16 + 1));
                assertThat(heap.shrinkTop(granule, floor)).as(at + ": shrinkTop(%d, %d)", granule, floor)
                        .isEqualTo(old.shrinkTop(granule, floor));
            } else {
                long address = base - 64 + 16L * random.nextInt((int) Math.min(1 << 20, (heap.top() - base) / 16 + 8));
                long bytes = random.nextInt(300) - 10;
                assertThat(heap.isAllocated(address, bytes)).as(at + ": isAllocated(%d, %d)", address, bytes)
                        .isEqualTo(old.isAllocated(address, bytes));
            }
            assertThat(heap.top()).as(at + ": top").isEqualTo(old.top());
            assertThat(heap.bytesFree()).as(at + ": bytes free").isEqualTo(old.bytesFree());
            assertThat(heap.bytesInUse()).as(at + ": bytes in use").isEqualTo(old.bytesInUse());
        }
    }

    /** Mostly node-record and slot-bitmap sizes, sometimes a large chunk, now and then odd ones. */
    private static long requestSize(SplittableRandom random) {
        return switch (random.nextInt(10)) {
            case 0 -> 1 + random.nextInt(16 << 10);
            case 1, 2 -> 1 + random.nextInt(200);
            case 3 -> 32;
            default -> 64;
        };
    }

    private static String outcome(Result<Void> r) {
        return r.isOk() ? "ok" : r.error().kind() + ": " + r.error().detail();
    }
}
