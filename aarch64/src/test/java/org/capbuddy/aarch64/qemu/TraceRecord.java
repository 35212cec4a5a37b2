package org.capbuddy.aarch64.qemu;

/**
 * One step of a QEMU single-step register trace ({@code -d cpu,fpu}): the state before the
 * instruction at {@link #pc}. Vector register n is {@code q[2n]} (low) and {@code q[2n+1]} (high).
 */
record TraceRecord(long pc, long[] x, long sp, int nzcv, long[] q, int fpcr, int fpsr) {
}
