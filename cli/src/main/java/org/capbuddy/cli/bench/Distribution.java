package org.capbuddy.cli.bench;

import java.util.SplittableRandom;

/**
 * Block sizes of the original CapBuddy benchmarks, in frames: p1 uniform over 1..1023, p2
 * uniform over the powers 2^0..2^10, p3 2^k with probability about 2^-(k+1).
 */
enum Distribution {
    P1, P2, P3;

    int draw(SplittableRandom random) {
        return switch (this) {
            case P1 -> 1 + random.nextInt(1023);
            case P2 -> 1 << random.nextInt(11);
            case P3 -> {
                int k = 0;
                while (k < 10 && random.nextBoolean()) {
                    k++;
                }
                yield 1 << k;
            }
        };
    }
}
