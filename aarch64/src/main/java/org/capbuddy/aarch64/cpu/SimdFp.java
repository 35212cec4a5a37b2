package org.capbuddy.aarch64.cpu;

import static org.capbuddy.aarch64.cpu.Alu.W_MASK;

import org.capbuddy.aarch64.decode.Insn;
import org.capbuddy.aarch64.decode.Op;
import org.capbuddy.aarch64.decode.SimdOp;

/**
 * Executes the SIMD&amp;FP loads and stores and the {@link Op#SIMD} operations, off the interpreter's
 * hot loop. A vector register is two longs (see {@link CpuState}); lanes are little-endian within
 * them. Writing a 64-bit vector or a scalar zeroes the rest of the register, as the architecture
 * does.
 */
final class SimdFp {
    private final CpuState s;
    private final GuestMemory memory;
    private final long[] result = new long[2];
    private final FloatingPoint fp = new FloatingPoint();
    private final AdvancedSimdUnit advanced;
    private long faultAddress;

    SimdFp(CpuState state, GuestMemory memory) {
        this.s = state;
        this.memory = memory;
        this.advanced = new AdvancedSimdUnit(state, memory);
    }

    long faultAddress() {
        return faultAddress;
    }

    /** Executes {@code in}; returns null, or the trap to stop with (see {@link #faultAddress()}). */
    Exit execute(Insn in) {
        return switch (in.op) {
            case Op.VLDR, Op.VSTR, Op.VLDR_LIT -> single(in);
            case Op.VLDP, Op.VSTP -> pair(in);
            case Op.VLDST -> {
                Exit trap = advanced.loadStore(in.word);
                faultAddress = advanced.faultAddress();
                yield trap;
            }
            case Op.SIMD -> {
                operate(in);
                yield null;
            }
            default -> Exit.UNDEFINED;
        };
    }

    // ---- loads and stores

    private long address(Insn in) {
        long[] x = s.x;
        return switch ((int) in.imm2) {
            case 0 -> x[in.rn] + in.imm;
            case 1 -> x[in.rn] + in.imm;
            case 2 -> x[in.rn];
            default -> x[in.rn] + Alu.extend(x[in.rm], in.b, (int) in.imm);
        };
    }

    private void writeBack(Insn in) {
        if (in.imm2 == 1 || in.imm2 == 2) {
            s.x[in.rn] += in.imm;
        }
    }

    private Exit single(Insn in) {
        long address = in.op == Op.VLDR_LIT ? in.imm : address(in);
        int size = in.a;
        int t = in.rd;
        if (in.op == Op.VSTR) {
            if (!store(address, size, s.v[2 * t], s.v[2 * t + 1])) {
                return Exit.DATA_ABORT;
            }
        } else {
            if (!load(address, size)) {
                return Exit.DATA_ABORT;
            }
            s.v[2 * t] = result[0];
            s.v[2 * t + 1] = result[1];
        }
        if (in.op != Op.VLDR_LIT) {
            writeBack(in);
        }
        return null;
    }

    private Exit pair(Insn in) {
        long address = address(in);
        int size = in.a;
        int t = in.rd;
        int t2 = in.ra;
        if (in.op == Op.VSTP) {
            if (!store(address, size, s.v[2 * t], s.v[2 * t + 1])
                    || !store(address + size, size, s.v[2 * t2], s.v[2 * t2 + 1])) {
                return Exit.DATA_ABORT;
            }
        } else {
            if (!load(address, size)) {
                return Exit.DATA_ABORT;
            }
            long firstLow = result[0];
            long firstHigh = result[1];
            if (!load(address + size, size)) {
                return Exit.DATA_ABORT;
            }
            s.v[2 * t] = firstLow;
            s.v[2 * t + 1] = firstHigh;
            s.v[2 * t2] = result[0];
            s.v[2 * t2 + 1] = result[1];
        }
        writeBack(in);
        return null;
    }

    private boolean load(long address, int size) {
        if (size == 16) {
            long low = memory.load(address, 8);
            if (memory.failed()) {
                faultAddress = address;
                return false;
            }
            long high = memory.load(address + 8, 8);
            if (memory.failed()) {
                faultAddress = address + 8;
                return false;
            }
            result[0] = low;
            result[1] = high;
            return true;
        }
        long value = memory.load(address, size);
        if (memory.failed()) {
            faultAddress = address;
            return false;
        }
        result[0] = value;
        result[1] = 0;
        return true;
    }

    private boolean store(long address, int size, long low, long high) {
        memory.store(address, Math.min(size, 8), low);
        if (memory.failed()) {
            faultAddress = address;
            return false;
        }
        if (size == 16) {
            memory.store(address + 8, 8, high);
            if (memory.failed()) {
                faultAddress = address + 8;
                return false;
            }
        }
        return true;
    }

    // ---- lanes

    private static long laneMask(int bytes) {
        return bytes >= 8 ? -1L : (1L << (8 * bytes)) - 1;
    }

    private static long lane(long low, long high, int index, int bytes) {
        int bit = index * bytes * 8;
        long word = bit < 64 ? low : high;
        return bytes == 8 ? word : (word >>> (bit & 63)) & laneMask(bytes);
    }

    private static long signedLane(long low, long high, int index, int bytes) {
        int shift = 64 - 8 * bytes;
        return (lane(low, high, index, bytes) << shift) >> shift;
    }

    private void setLane(int index, int bytes, long value) {
        int bit = index * bytes * 8;
        int word = bit < 64 ? 0 : 1;
        if (bytes == 8) {
            result[word] = value;
            return;
        }
        long mask = laneMask(bytes) << (bit & 63);
        result[word] = (result[word] & ~mask) | ((value << (bit & 63)) & mask);
    }

    private long vLow(int n) {
        return s.v[2 * n];
    }

    private long vHigh(int n) {
        return s.v[2 * n + 1];
    }

    /** Writes result to Vd, zeroing the upper half for a 64-bit form. */
    private void writeResult(int d, boolean half) {
        s.v[2 * d] = result[0];
        s.v[2 * d + 1] = half ? 0 : result[1];
    }

    private void writeScalar(int d, long bits) {
        s.v[2 * d] = bits;
        s.v[2 * d + 1] = 0;
    }

    // ---- operations

    private void operate(Insn in) {
        long[] x = s.x;
        int bytes = (int) in.imm;
        boolean half = in.w;
        int d = in.rd;
        int n = in.rn;
        int m = in.rm;
        switch (in.a) {
            case SimdOp.DUP_GEN, SimdOp.DUP_ELEM -> {
                long value = in.a == SimdOp.DUP_GEN ? x[n] & laneMask(bytes)
                        : lane(vLow(n), vHigh(n), (int) in.imm2, bytes);
                for (int i = 0; i < 16 / bytes; i++) {
                    setLane(i, bytes, value);
                }
                writeResult(d, half);
            }
            case SimdOp.UMOV -> x[d] = lane(vLow(n), vHigh(n), (int) in.imm2, bytes);
            case SimdOp.SMOV -> {
                long value = signedLane(vLow(n), vHigh(n), (int) in.imm2, bytes);
                x[d] = half ? value & W_MASK : value;
            }
            case SimdOp.INS_GEN, SimdOp.INS_ELEM -> {
                result[0] = vLow(d);
                result[1] = vHigh(d);
                if (in.a == SimdOp.INS_GEN) {
                    setLane((int) in.imm2, bytes, x[n]);
                } else {
                    setLane((int) (in.imm2 >>> 8), bytes, lane(vLow(n), vHigh(n), (int) (in.imm2 & 0xFF), bytes));
                }
                writeResult(d, false);
            }
            case SimdOp.MODIMM -> modifiedImmediate(in, d, half);
            case SimdOp.LOGIC3 -> logic(in.b, d, n, m, half);
            case SimdOp.INT3 -> integerThreeSame(in.b, bytes, d, n, m, half);
            case SimdOp.MISC2 -> twoRegisterMisc(in.b, bytes, d, n, half);
            case SimdOp.ACROSS -> acrossLanes(in.b, bytes, d, n, half);
            case SimdOp.SHIFT_IMM -> shiftImmediate(in.b, bytes, (int) in.imm2, d, n, half);
            case SimdOp.EXT -> extract(bytes, d, n, m, half);
            case SimdOp.PERMUTE -> permute(in.b, bytes, d, n, m, half);
            case SimdOp.FMOV_GEN -> moveGeneral(in.b, bytes, d, n);
            case SimdOp.FP1 -> {
                int to = in.b == 4 ? 4 : in.b == 5 ? 8 : bytes;
                writeScalar(d, fp.unary(in.b, vLow(n) & laneMask(bytes), bytes) & laneMask(to));
            }
            case SimdOp.FP2 -> writeScalar(d,
                    fp.binary(in.b, vLow(n) & laneMask(bytes), vLow(m) & laneMask(bytes), bytes));
            case SimdOp.FP3 -> writeScalar(d, fp.fused(in.b, vLow(in.ra) & laneMask(bytes),
                    vLow(n) & laneMask(bytes), vLow(m) & laneMask(bytes), bytes));
            case SimdOp.FCMP -> s.nzcv = fp.compare(vLow(n) & laneMask(bytes),
                    m < 0 ? 0 : vLow(m) & laneMask(bytes), bytes, in.b == 1);
            case SimdOp.FCSEL -> writeScalar(d, (Alu.holds((int) in.imm2, s.nzcv) ? vLow(n) : vLow(m)) & laneMask(bytes));
            case SimdOp.FCCMP -> s.nzcv = Alu.holds((int) in.imm2, s.nzcv)
                    ? fp.compare(vLow(n) & laneMask(bytes), vLow(m) & laneMask(bytes), bytes, in.b == 1)
                    : in.ra << 28;
            case SimdOp.FMOV_IMM -> writeScalar(d, in.imm2);
            case SimdOp.CVT_I2F -> {
                long source = x[n];
                boolean unsigned = in.b == 1;
                if (half) {
                    source = unsigned ? source & W_MASK : (int) source;
                }
                writeScalar(d, fp.fromInteger(source, unsigned, bytes));
            }
            case SimdOp.CVT_F2I -> x[d] = fp.toInteger(vLow(n) & laneMask(bytes), bytes, in.b & 7,
                    (in.b & 8) != 0, half);
            case SimdOp.ADVANCED -> advanced.operate(in.word);
            default -> throw new IllegalStateException("the decoder made an unknown SIMD operation: " + in);
        }
        s.fpsr |= fp.raised();
    }

    private void modifiedImmediate(Insn in, int d, boolean half) {
        long pattern = in.imm;
        long low = vLow(d);
        long high = vHigh(d);
        switch (in.b) {
            case 0 -> {
                low = pattern;
                high = pattern;
            }
            case 1 -> {
                low |= pattern;
                high |= pattern;
            }
            default -> {
                low &= ~pattern;
                high &= ~pattern;
            }
        }
        result[0] = low;
        result[1] = high;
        writeResult(d, half);
    }

    private void logic(int which, int d, int n, int m, boolean half) {
        for (int word = 0; word < 2; word++) {
            long a = s.v[2 * n + word];
            long b = s.v[2 * m + word];
            long t = s.v[2 * d + word];
            result[word] = switch (which) {
                case 0 -> a & b;
                case 1 -> a & ~b;
                case 2 -> a | b;
                case 3 -> a | ~b;
                case 4 -> a ^ b;
                case 5 -> (t & a) | (~t & b);
                case 6 -> (t & ~b) | (a & b);
                default -> (t & b) | (a & ~b);
            };
        }
        writeResult(d, half);
    }

    private void integerThreeSame(int key, int bytes, int d, int n, int m, boolean half) {
        int lanes = (half ? 8 : 16) / bytes;
        long nLow = vLow(n);
        long nHigh = vHigh(n);
        long mLow = vLow(m);
        long mHigh = vHigh(m);
        long ones = laneMask(bytes);
        boolean pairwise = key == 0b10111 || (key & 0b11110) == 0b10100;
        for (int i = 0; i < lanes; i++) {
            long a;
            long b;
            long sa;
            long sb;
            if (pairwise) {
                int j = 2 * i;
                boolean fromM = j >= lanes;
                long low = fromM ? mLow : nLow;
                long high = fromM ? mHigh : nHigh;
                j = fromM ? j - lanes : j;
                a = lane(low, high, j, bytes);
                b = lane(low, high, j + 1, bytes);
                sa = signedLane(low, high, j, bytes);
                sb = signedLane(low, high, j + 1, bytes);
            } else {
                a = lane(nLow, nHigh, i, bytes);
                b = lane(mLow, mHigh, i, bytes);
                sa = signedLane(nLow, nHigh, i, bytes);
                sb = signedLane(mLow, mHigh, i, bytes);
            }
            long r = switch (key) {
                case 0b10000, 0b10111 -> a + b;
                case 32 | 0b10000 -> a - b;
                case 0b10001 -> (a & b) != 0 ? ones : 0;
                case 32 | 0b10001 -> a == b ? ones : 0;
                case 0b00110 -> sa > sb ? ones : 0;
                case 32 | 0b00110 -> Long.compareUnsigned(a, b) > 0 ? ones : 0;
                case 0b00111 -> sa >= sb ? ones : 0;
                case 32 | 0b00111 -> Long.compareUnsigned(a, b) >= 0 ? ones : 0;
                case 0b10011 -> a * b;
                case 0b10100, 0b01100 -> Math.max(sa, sb);
                case 32 | 0b10100, 32 | 0b01100 -> Long.compareUnsigned(a, b) >= 0 ? a : b;
                case 0b10101, 0b01101 -> Math.min(sa, sb);
                default -> Long.compareUnsigned(a, b) <= 0 ? a : b;
            };
            setLane(i, bytes, r);
        }
        writeResult(d, half);
    }

    private void twoRegisterMisc(int key, int bytes, int d, int n, boolean half) {
        int lanes = (half ? 8 : 16) / bytes;
        long low = vLow(n);
        long high = vHigh(n);
        long ones = laneMask(bytes);
        for (int i = 0; i < lanes; i++) {
            long a = lane(low, high, i, bytes);
            long sa = signedLane(low, high, i, bytes);
            long r = switch (key) {
                case 0b01000 -> sa > 0 ? ones : 0;
                case 0b01001 -> a == 0 ? ones : 0;
                case 0b01010 -> sa < 0 ? ones : 0;
                case 0b01011 -> Math.abs(sa);
                case 32 | 0b01000 -> sa >= 0 ? ones : 0;
                case 32 | 0b01001 -> sa <= 0 ? ones : 0;
                case 32 | 0b01011 -> -sa;
                case 0b00101 -> Long.bitCount(a);
                case 32 | 0b00101 -> ~a; // NOT (RBIT, size 01, is AdvancedSimd's)
                case 0b00000 -> lane(low, high, i ^ (8 / bytes - 1), bytes);
                case 32 | 0b00000 -> lane(low, high, i ^ (4 / bytes - 1), bytes);
                default -> lane(low, high, i ^ 1, bytes); // REV16 of bytes
            };
            setLane(i, bytes, r);
        }
        writeResult(d, half);
    }

    private void acrossLanes(int key, int bytes, int d, int n, boolean half) {
        int lanes = (half ? 8 : 16) / bytes;
        long low = vLow(n);
        long high = vHigh(n);
        boolean unsigned = (key & 32) != 0;
        int opcode = key & 31;
        long r = unsigned ? lane(low, high, 0, bytes) : signedLane(low, high, 0, bytes);
        for (int i = 1; i < lanes; i++) {
            long a = unsigned ? lane(low, high, i, bytes) : signedLane(low, high, i, bytes);
            r = switch (opcode) {
                case 0b11011, 0b00011 -> r + a;
                case 0b01010 -> unsigned ? (Long.compareUnsigned(a, r) > 0 ? a : r) : Math.max(r, a);
                default -> unsigned ? (Long.compareUnsigned(a, r) < 0 ? a : r) : Math.min(r, a);
            };
        }
        int resultBytes = opcode == 0b00011 ? 2 * bytes : bytes;
        writeScalar(d, r & laneMask(resultBytes));
    }

    private void shiftImmediate(int key, int bytes, int shift, int d, int n, boolean half) {
        long low = vLow(n);
        long high = vHigh(n);
        switch (key) {
            case 0b10100, 32 | 0b10100 -> {
                // SSHLL, USHLL (and SXTL, UXTL): the half of Vn that Q names, widened
                int offset = half ? 0 : 8 / bytes;
                for (int i = 0; i < 8 / bytes; i++) {
                    long a = key == 0b10100 ? signedLane(low, high, i + offset, bytes) : lane(low, high, i + offset, bytes);
                    setLane(i, 2 * bytes, a << shift);
                }
                writeResult(d, false);
            }
            case 0b10000 -> {
                // SHRN, SHRN2: narrow into the lower half (upper zeroed) or the upper half (lower kept)
                result[0] = vLow(d);
                result[1] = 0;
                int offset = half ? 0 : 8 / bytes;
                for (int i = 0; i < 8 / bytes; i++) {
                    setLane(i + offset, bytes, lane(low, high, i, 2 * bytes) >>> shift);
                }
                writeResult(d, false);
            }
            default -> {
                int lanes = (half ? 8 : 16) / bytes;
                int bits = 8 * bytes;
                for (int i = 0; i < lanes; i++) {
                    long r = switch (key) {
                        case 0b00000 -> signedLane(low, high, i, bytes) >> Math.min(shift, 63);
                        case 32 -> shift >= bits ? 0 : lane(low, high, i, bytes) >>> shift;
                        default -> lane(low, high, i, bytes) << shift;
                    };
                    setLane(i, bytes, r);
                }
                writeResult(d, half);
            }
        }
    }

    private void extract(int index, int d, int n, int m, boolean half) {
        int total = half ? 8 : 16;
        long[] source = half ? new long[] {vLow(n), vLow(m)} : new long[] {vLow(n), vHigh(n), vLow(m), vHigh(m)};
        result[0] = 0;
        result[1] = 0;
        for (int i = 0; i < total; i++) {
            int at = index + i;
            long value = (source[at >>> 3] >>> (8 * (at & 7))) & 0xFF;
            setLane(i, 1, value);
        }
        writeResult(d, half);
    }

    private void permute(int which, int bytes, int d, int n, int m, boolean half) {
        int lanes = (half ? 8 : 16) / bytes;
        long nLow = vLow(n);
        long nHigh = vHigh(n);
        long mLow = vLow(m);
        long mHigh = vHigh(m);
        int part = which >= 5 ? 1 : 0;
        for (int i = 0; i < lanes; i++) {
            long value = switch (which & 3) {
                case 1 -> {
                    int j = 2 * i + part;
                    yield j < lanes ? lane(nLow, nHigh, j, bytes) : lane(mLow, mHigh, j - lanes, bytes);
                }
                case 2 -> (i & 1) == 0 ? lane(nLow, nHigh, (i & ~1) + part, bytes) : lane(mLow, mHigh, (i & ~1) + part, bytes);
                default -> {
                    int j = (i >>> 1) + part * lanes / 2;
                    yield (i & 1) == 0 ? lane(nLow, nHigh, j, bytes) : lane(mLow, mHigh, j, bytes);
                }
            };
            setLane(i, bytes, value);
        }
        writeResult(d, half);
    }

    private void moveGeneral(int which, int bytes, int d, int n) {
        long[] x = s.x;
        switch (which) {
            case 0 -> x[d] = vLow(n) & laneMask(bytes);
            case 1 -> writeScalar(d, x[n] & laneMask(bytes));
            case 2 -> x[d] = vHigh(n);
            default -> s.v[2 * d + 1] = x[n];
        }
    }
}
