package org.capbuddy.aarch64.testing;

import org.capbuddy.aarch64.cpu.CpuState;
import org.capbuddy.aarch64.cpu.Exit;
import org.capbuddy.aarch64.cpu.Interpreter;

/**
 * A few instructions ready to run in a {@link FlatMemory}: code at {@link #CODE} (read and
 * execute), a data page at {@link #DATA} and a stack below {@link #STACK_TOP} (read and write).
 */
public final class Run {
    public static final long CODE = 0x40_0000L;
    public static final long DATA = 0x10_0000L;
    public static final long STACK_TOP = 0x80_0000L;

    public final FlatMemory memory = new FlatMemory();
    public final CpuState state = new CpuState();
    public final Interpreter interpreter;

    private Run(int[] words) {
        memory.map(CODE, 4096, FlatMemory.R | FlatMemory.X);
        memory.map(DATA, 8192, FlatMemory.R | FlatMemory.W);
        memory.map(STACK_TOP - 8192, 8192, FlatMemory.R | FlatMemory.W);
        for (int i = 0; i < words.length; i++) {
            memory.putWord(CODE + 4L * i, words[i]);
        }
        state.setPc(CODE);
        state.setSp(STACK_TOP - 64);
        interpreter = new Interpreter(state, memory);
    }

    public static Run of(String... assembly) {
        int[] words = new int[assembly.length];
        for (int i = 0; i < assembly.length; i++) {
            words[i] = Asm.word(assembly[i]);
        }
        return new Run(words);
    }

    public static Run ofWords(int... words) {
        return new Run(words);
    }

    public Run x(int n, long value) {
        state.setX(n, value);
        return this;
    }

    public Run sp(long value) {
        state.setSp(value);
        return this;
    }

    public Run v(int n, long low, long high) {
        state.setV(n, low, high);
        return this;
    }

    public Run nzcv(int flags) {
        state.setNzcv(flags << 28);
        return this;
    }

    public Run poke(long address, int size, long value) {
        byte[] bytes = new byte[size];
        for (int i = 0; i < size; i++) {
            bytes[i] = (byte) (value >>> (8 * i));
        }
        memory.put(address, bytes);
        return this;
    }

    /** Runs one instruction and returns why the run stopped. */
    public Exit step() {
        return interpreter.run(1);
    }

    /** A run of the one instruction {@code asm} (the tests' shorthand for {@link #of}). */
    public static Run one(String asm) {
        return of(asm);
    }

    /** Runs {@code run}'s next instruction, which must complete (no trap, fault or stop), and returns the run. */
    public static Run stepped(Run run) {
        Exit exit = run.step();
        if (exit != Exit.LIMIT) {
            throw new AssertionError("the instruction did not complete: " + exit);
        }
        return run;
    }

    public long x(int n) {
        return state.x(n);
    }

    public int flags() {
        return state.nzcv() >>> 28;
    }
}
