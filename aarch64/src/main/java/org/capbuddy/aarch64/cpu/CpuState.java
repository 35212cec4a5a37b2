package org.capbuddy.aarch64.cpu;

/**
 * The register state of one thread at EL0: X0–X30, SP, PC, the NZCV flags, TPIDR_EL0, the 32
 * 128-bit SIMD&FP registers with FPCR and FPSR, and the count of instructions retired. It is plain
 * mutable state owned by one interpreter; a debugger, a trace or a fault handler reads it through
 * the accessors or a {@link #snapshot()}.
 *
 * <h2>Register file layout</h2>
 * <pre>
 *  x[0..30]  X0..X30
 *  x[31]     SP
 *  x[32]     XZR as a source: always 0, never written
 *  x[33]     XZR as a destination: a sink whose value nothing reads
 * </pre>
 * Register number 31 means SP in some operand positions and XZR in others; the decoder resolves
 * it to slot 31, 32 or 33, so executing an instruction never asks which one it is.
 * Vector register n is {@code v[2n]} (bits 63:0) and {@code v[2n+1]} (bits 127:64).
 */
public final class CpuState {
    public static final int SP = 31;
    public static final int ZERO = 32;
    public static final int SINK = 33;

    final long[] x = new long[34];
    final long[] v = new long[64];
    long pc;
    /** NZCV in bits 31:28, as the PSTATE word and {@code mrs nzcv} show them. */
    int nzcv;
    long tpidr;
    /** TPIDRRO_EL0: EL0 may only read it; the kernel sets it (seL4's TCB_WriteRegisters does). */
    long tpidrro;
    int fpcr;
    int fpsr;
    long instructions;
    /**
     * While the interpreter fetches an instruction or the instruction makes a memory access: the
     * instructions retired before that one (so a fault delivered during the access can say which
     * instruction of the run it interrupted); -1 at any other time.
     */
    long retiredAtAccess = -1;
    /** The exclusive monitor: the address an {@code ldxr} marked, or -1 when open. */
    long exclusiveAddress = -1;
    int exclusiveSize;

    public long x(int n) {
        checkGeneral(n);
        return x[n];
    }

    public void setX(int n, long value) {
        checkGeneral(n);
        x[n] = value;
    }

    public long sp() {
        return x[SP];
    }

    public void setSp(long value) {
        x[SP] = value;
    }

    public long pc() {
        return pc;
    }

    public void setPc(long value) {
        pc = value;
    }

    /** NZCV in bits 31:28. */
    public int nzcv() {
        return nzcv;
    }

    public void setNzcv(int value) {
        nzcv = value & 0xF000_0000;
    }

    public long tpidr() {
        return tpidr;
    }

    public void setTpidr(long value) {
        tpidr = value;
    }

    public long tpidrro() {
        return tpidrro;
    }

    public void setTpidrro(long value) {
        tpidrro = value;
    }

    /** Bits 63:0 of vector register {@code n}. */
    public long vLow(int n) {
        checkVector(n);
        return v[2 * n];
    }

    /** Bits 127:64 of vector register {@code n}. */
    public long vHigh(int n) {
        checkVector(n);
        return v[2 * n + 1];
    }

    public void setV(int n, long low, long high) {
        checkVector(n);
        v[2 * n] = low;
        v[2 * n + 1] = high;
    }

    public int fpcr() {
        return fpcr;
    }

    public int fpsr() {
        return fpsr;
    }

    public void setFpcr(int value) {
        fpcr = value;
    }

    public void setFpsr(int value) {
        fpsr = value;
    }

    /** Instructions retired since the state was made. */
    public long instructions() {
        return instructions;
    }

    /**
     * During an instruction fetch or a memory access made by the interpreter, the instructions
     * retired before the fetched or accessing instruction; -1 when no access is in progress or
     * Java code, not the interpreter, drives the thread.
     */
    public long retiredAtAccess() {
        return retiredAtAccess;
    }

    /** An immutable copy of every register, for traces, reports and comparisons. */
    public Registers snapshot() {
        long[] general = new long[31];
        System.arraycopy(x, 0, general, 0, 31);
        return new Registers(general, x[SP], pc, nzcv, tpidr, v.clone(), fpcr, fpsr, instructions);
    }

    private static void checkGeneral(int n) {
        if (n < 0 || n > 30) {
            throw new IllegalArgumentException("general register X" + n + " does not exist (X0..X30)");
        }
    }

    private static void checkVector(int n) {
        if (n < 0 || n > 31) {
            throw new IllegalArgumentException("vector register V" + n + " does not exist (V0..V31)");
        }
    }
}
