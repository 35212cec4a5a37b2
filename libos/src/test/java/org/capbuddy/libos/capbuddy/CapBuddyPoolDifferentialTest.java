package org.capbuddy.libos.capbuddy;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.capbuddy.libos.bootstrap.CSpaceLayout;
import org.capbuddy.libos.vka.Result;
import org.junit.jupiter.api.Test;

/**
 * The pool against a reference model: for every tree (by physical base), a bitmap of its free
 * frames. Over a million seeded operations mixing all block sizes, address-targeted requests,
 * frees in random order and bad frees, the pool must never hand out a frame twice, never make a
 * new tree while an existing one has room, never refuse a block an existing tree has room for,
 * and always report the same largest free block as a brute-force scan of the model.
 * Re-run one seed with {@code -Dcapbuddy.pool.seed=N}; lengthen with {@code -Dcapbuddy.pool.ops=N}.
 */
class CapBuddyPoolDifferentialTest {
    private static final int OPS = Integer.getInteger("capbuddy.pool.ops", 1_000_000);
    private static final long TREE = 1L << 22;

    /** One tree of the model: free frames as 16 words, bit i of word w = frame 64w + i. */
    private static final class ModelTree {
        final long[] free = {-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1};
        private int cachedLargest = 10;

        boolean isFree(int offset, int order) {
            for (int f = offset; f < offset + (1 << order); f++) {
                if ((free[f >>> 6] & (1L << (f & 63))) == 0) {
                    return false;
                }
            }
            return true;
        }

        void set(int offset, int order, boolean isFree) {
            cachedLargest = Integer.MIN_VALUE;
            for (int f = offset; f < offset + (1 << order); f++) {
                if (isFree) {
                    free[f >>> 6] |= 1L << (f & 63);
                } else {
                    free[f >>> 6] &= ~(1L << (f & 63));
                }
            }
        }

        boolean allFree() {
            for (long w : free) {
                if (w != -1) {
                    return false;
                }
            }
            return true;
        }

        int largest() {
            if (cachedLargest == Integer.MIN_VALUE) {
                cachedLargest = bruteForceLargest();
            }
            return cachedLargest;
        }

        /** Brute force: the largest k with an aligned run of 2^k free frames, or -1. */
        private int bruteForceLargest() {
            for (int k = 10; k >= 6; k--) {
                int words = 1 << (k - 6);
                for (int w = 0; w < 16; w += words) {
                    boolean all = true;
                    for (int i = w; i < w + words && all; i++) {
                        all = free[i] == -1;
                    }
                    if (all) {
                        return k;
                    }
                }
            }
            int best = -1;
            for (long word : free) {
                long m = word;
                for (int k = 0; k <= 5; k++) {
                    if (k > 0) {
                        m &= m >>> (1 << (k - 1));
                    }
                    long aligned = m & alignedMask(k);
                    if (aligned != 0) {
                        best = Math.max(best, k);
                    } else {
                        break;
                    }
                }
            }
            return best;
        }

        private static long alignedMask(int k) {
            long mask = 0;
            for (int i = 0; i < 64; i += 1 << k) {
                mask |= 1L << i;
            }
            return mask;
        }
    }

    private record Block(long cptr, long paddr, int order) {
    }

    @Test
    void aMillionRandomOperationsAgreeWithTheModel() {
        long seed = Long.getLong("capbuddy.pool.seed", 7L);
        SplittableRandom random = new SplittableRandom(seed);
        PoolFixture fx = new PoolFixture(CSpaceLayout.SINGLE_LEVEL, 128L << 20, 0, false);
        CapBuddyPool pool = fx.pool;
        Map<Long, ModelTree> model = new HashMap<>();
        List<Block> live = new ArrayList<>();
        long refusals = 0;
        long targeted = 0;
        long created = 0;
        for (int op = 0; op < OPS; op++) {
            int dice = random.nextInt(100);
            if (dice < 45 || live.isEmpty()) {
                int order = random.nextInt(4) == 0 ? random.nextInt(11) : random.nextInt(4);
                boolean fitsExisting = model.values().stream().anyMatch(t -> t.largest() >= order);
                int treesBefore = pool.treeCount();
                Result<Long> r = pool.alloc(order, CapBuddyPool.NO_PADDR, false);
                if (!r.isOk()) {
                    assertThat(fitsExisting).as("seed %d op %d: refused order %d that a tree has room for: %s", seed, op,
                            order, r).isFalse();
                    refusals++;
                    continue;
                }
                long paddr = pool.paddrOf(r.value()).value();
                ModelTree tree = model.get(paddr & -TREE);
                if (tree == null) {
                    assertThat(fitsExisting).as("seed %d op %d: made a tree while one had room", seed, op).isFalse();
                    assertThat(pool.treeCount()).isEqualTo(treesBefore + 1);
                    tree = new ModelTree();
                    model.put(paddr & -TREE, tree);
                    created++;
                }
                take(tree, paddr, order, seed, op);
                live.add(new Block(r.value(), paddr, order));
            } else if (dice < 55) {
                targeted++;
                int order = random.nextInt(11);
                long paddr;
                if (!model.isEmpty() && random.nextInt(4) != 0) {
                    List<Long> bases = new ArrayList<>(model.keySet());
                    long base = bases.get(random.nextInt(bases.size()));
                    paddr = base + ((long) random.nextInt(1024 >> order) << (12 + order));
                } else {
                    paddr = (0x4400_0000L + ((long) random.nextInt(16) << 22)) + ((long) random.nextInt(1024 >> order) << (12 + order));
                }
                ModelTree tree = model.get(paddr & -TREE);
                int offset = (int) ((paddr & (TREE - 1)) >>> 12);
                Result<Long> r = pool.alloc(order, paddr, false);
                if (tree != null) {
                    assertThat(r.isOk()).as("seed %d op %d: targeted order %d at 0x%x, model free=%s: %s", seed, op, order,
                            paddr, tree.isFree(offset, order), r).isEqualTo(tree.isFree(offset, order));
                }
                if (r.isOk()) {
                    assertThat(pool.paddrOf(r.value()).value()).isEqualTo(paddr);
                    if (tree == null) {
                        tree = new ModelTree();
                        model.put(paddr & -TREE, tree);
                        created++;
                    }
                    take(tree, paddr, order, seed, op);
                    live.add(new Block(r.value(), paddr, order));
                }
            } else if (dice < 97) {
                Block b = live.remove(random.nextInt(live.size()));
                assertThat(pool.free(b.cptr(), b.order()).isOk()).as("seed %d op %d: free %s", seed, op, b).isTrue();
                ModelTree tree = model.get(b.paddr() & -TREE);
                tree.set((int) ((b.paddr() & (TREE - 1)) >>> 12), b.order(), true);
                if (tree.allFree()) {
                    model.remove(b.paddr() & -TREE);
                }
            } else {
                Block b = live.get(random.nextInt(live.size()));
                int largestBefore = pool.largestFreeOrder();
                int wrongOrder = b.order() == 10 ? 9 : b.order() + 1;
                assertThat(pool.free(b.cptr(), wrongOrder).isOk()).as("seed %d op %d: wrong-size free", seed, op).isFalse();
                if (b.order() > 0) {
                    assertThat(pool.free(b.cptr() + 1, b.order()).isOk()).as("seed %d op %d: misaligned free", seed, op)
                            .isFalse();
                }
                assertThat(pool.largestFreeOrder()).isEqualTo(largestBefore);
            }
            int expected = model.values().stream().mapToInt(ModelTree::largest).max().orElse(-1);
            assertThat(pool.largestFreeOrder()).as("seed %d op %d: largest free", seed, op).isEqualTo(expected);
            assertThat(pool.treeCount()).as("seed %d op %d: trees", seed, op).isEqualTo(model.size());
        }
        for (Block b : live) {
            assertThat(pool.free(b.cptr(), b.order()).isOk()).as("seed %d final free", seed).isTrue();
        }
        assertThat(pool.treeCount()).isZero();
        assertThat(created).isGreaterThan(10);
        assertThat(targeted).isGreaterThan(OPS / 20);
        System.out.printf("pool differential: seed %d, %d ops, %d trees made, %d targeted, %d refusals%n", seed, OPS,
                created, targeted, refusals);
        fx.assertInvariants();
    }

    private static void take(ModelTree tree, long paddr, int order, long seed, int op) {
        int offset = (int) ((paddr & (TREE - 1)) >>> 12);
        assertThat(tree.isFree(offset, order)).as("seed %d op %d: block at 0x%x handed out twice", seed, op, paddr)
                .isTrue();
        tree.set(offset, order, false);
    }
}
