package org.capbuddy.aarch64.cpu;

import java.util.Arrays;

/**
 * A copy of a thread's registers at one instant (see {@link CpuState}): what a trace records, a
 * kill report shows and an UnknownSyscall fault message carries.
 *
 * @param x X0..X30 (31 values)
 * @param vector the 32 vector registers as 64 longs, low half first
 */
public record Registers(long[] x, long sp, long pc, int nzcv, long tpidr, long[] vector, int fpcr, int fpsr,
        long instructions) {
    public Registers {
        x = x.clone();
        vector = vector.clone();
    }

    @Override
    public long[] x() {
        return x.clone();
    }

    @Override
    public long[] vector() {
        return vector.clone();
    }

    public long x(int n) {
        return x[n];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Registers r && Arrays.equals(x, r.x) && sp == r.sp && pc == r.pc && nzcv == r.nzcv
                && tpidr == r.tpidr && Arrays.equals(vector, r.vector) && fpcr == r.fpcr && fpsr == r.fpsr
                && instructions == r.instructions;
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(x) * 31 + Long.hashCode(pc);
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder();
        s.append(String.format("PC=%016x SP=%016x NZCV=%x%n", pc, sp, nzcv >>> 28));
        for (int i = 0; i < 31; i++) {
            s.append(String.format("X%02d=%016x%s", i, x[i], i % 4 == 3 || i == 30 ? "\n" : " "));
        }
        return s.toString();
    }
}
