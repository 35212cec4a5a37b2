package org.capbuddy.aarch64.qemu;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.SplittableRandom;
import org.capbuddy.aarch64.cpu.CpuState;
import org.capbuddy.aarch64.cpu.Exit;
import org.capbuddy.aarch64.cpu.Interpreter;
import org.capbuddy.aarch64.decode.Disassembler;
import org.capbuddy.aarch64.decode.Insn;
import org.capbuddy.aarch64.decode.Op;
import org.capbuddy.aarch64.decode.SystemRegister;
import org.capbuddy.aarch64.elf.ElfImage;
import org.capbuddy.aarch64.elf.ElfParser;
import org.capbuddy.aarch64.elf.ElfResult;
import org.capbuddy.aarch64.elf.Segment;
import org.capbuddy.aarch64.testing.FlatMemory;

/**
 * Runs a program in the interpreter step by step beside QEMU's register trace of the same program
 * and reports the first step where any of X0–X30, SP, PC, NZCV, Q0–Q31, FPSR or FPCR differ.
 *
 * <p>The program starts as QEMU started it: its segments loaded with their rights, QEMU's initial
 * stack bytes (dumped when the trace was made) at QEMU's stack address, the registers of the first
 * record. System calls are answered from the trace: x0 after each {@code svc} is QEMU's result
 * (addresses from {@code mmap}, for example, are the host's), and memory the program reaches that
 * no segment or stack holds is demand-zero, as QEMU's anonymous mappings are; {@code munmap} and
 * {@code mmap} drop the pages they name, so a reused range reads as zeros again. A program that
 * sets up its own registers and memory (the random programs of {@link RandomProgram}) needs no
 * stack image.
 *
 * <p>A difference is reported with the step, the instruction that made it (disassembled), every
 * register that differs and the instructions before it.
 */
final class QemuDifferential {
    private static final int CONTEXT = 12;
    private static final int SYS_MUNMAP = 215;
    private static final int SYS_MMAP = 222;
    private static final int SYS_EXIT = 93;
    private static final int SYS_EXIT_GROUP = 94;

    /** Optional corruption for testing the comparison itself: called after each step. */
    interface Tamper {
        void afterStep(long step, CpuState state);
    }

    /**
     * How the interpreter runs between comparisons: one instruction at a time with nothing
     * translated ({@link #STEPS}), or slices of 1 to {@code longest} instructions (seeded) with
     * blocks translated at their {@code translateAfter}-th entry, compared at each slice's end.
     */
    record Slicing(int translateAfter, int longest, long seed) {
        static final Slicing STEPS = new Slicing(0, 1, 0);
    }

    record Outcome(long compared, long systemCalls, long translated, String firstDifference) {
        boolean agreed() {
            return firstDifference == null;
        }
    }

    static Outcome run(Path elf, Path trace, Path stackBytes, long stackPointer, Tamper tamper) {
        return run(elf, trace, stackBytes, stackPointer, tamper, Slicing.STEPS);
    }

    /**
     * Replays {@code trace} of {@code elf}; {@code stackBytes} (null for none) is QEMU's initial
     * stack from {@code stackPointer} up.
     */
    static Outcome run(Path elf, Path trace, Path stackBytes, long stackPointer, Tamper tamper, Slicing slicing) {
        FlatMemory memory = new FlatMemory();
        load(elf, memory);
        if (stackBytes != null) {
            byte[] stack = read(stackBytes);
            memory.map(stackPointer, stack.length, FlatMemory.R | FlatMemory.W);
            memory.put(stackPointer, stack);
        }
        memory.demandZero();
        CpuState state = new CpuState();
        Interpreter interpreter = new Interpreter(state, memory);
        interpreter.translateAfter(slicing.translateAfter());
        SplittableRandom slices = new SplittableRandom(slicing.seed());
        Deque<String> recent = new ArrayDeque<>();
        try (QemuTrace records = new QemuTrace(trace)) {
            TraceRecord current = records.next();
            if (current == null) {
                return new Outcome(0, 0, 0, "the trace is empty");
            }
            if (stackBytes != null && current.sp() != stackPointer) {
                return new Outcome(0, 0, 0, String.format("the trace starts with SP=%x but the stack dump is at %x",
                        current.sp(), stackPointer));
            }
            setState(state, current);
            long compared = 0;
            long calls = 0;
            while (true) {
                long pc = state.pc();
                Insn insn = interpreter.instructionAt(pc);
                remember(recent, pc, insn);
                long before = state.instructions();
                Exit exit = interpreter.run(slicing.longest() == 1 ? 1 : slices.nextInt(1, slicing.longest() + 1));
                long retired = state.instructions() - before;
                TraceRecord next = retired == 0 ? records.next() : null;
                for (long k = 0; k < retired; k++) {
                    next = records.next();
                }
                long translated = interpreter.translatedInstructions();
                if (exit == Exit.SVC) {
                    calls++;
                    long number = state.x(8);
                    if (number == SYS_EXIT || number == SYS_EXIT_GROUP) {
                        return new Outcome(compared, calls, translated, next == null ? null
                                : "the program exited in the interpreter but QEMU's trace goes on at " + hex(next.pc()));
                    }
                    if (next == null) {
                        return new Outcome(compared, calls, translated, "QEMU's trace ends after system call " + number);
                    }
                    answerSystemCall(number, state, next, memory);
                } else if (exit != Exit.LIMIT) {
                    return new Outcome(compared, calls, translated, String.format("the interpreter stopped with %s at %s (address %s)%n%s",
                            exit, hex(state.pc()), hex(interpreter.exitAddress()), String.join("\n", recent)));
                } else if (next == null) {
                    return new Outcome(compared, calls, translated, "QEMU's trace ended but the program did not exit");
                }
                // (a slice that read the clock before its last instruction cannot be patched: no
                // traced program reads it)
                if (retired == 1 && insn != null && insn.op() == Op.MRS
                        && SystemRegister.ofOrdinal(insn.a()) == SystemRegister.CNTVCT_EL0) {
                    state.setX(insn.rd(), next.x()[insn.rd()]); // the host's clock: take QEMU's
                }
                if (tamper != null) {
                    tamper.afterStep(compared, state);
                }
                String difference = compare(state, next);
                if (difference != null) {
                    String made = retired == 1 ? "made by " + recent.getLast().strip()
                            : "in a slice of " + retired + " instructions from " + recent.getLast().strip();
                    return new Outcome(compared, calls, translated, String.format("after step %d:%n  %s%n%s%nlast instructions:%n%s",
                            compared + retired, made, difference, String.join("\n", recent)));
                }
                compared += retired;
            }
        }
    }

    private static void answerSystemCall(long number, CpuState state, TraceRecord next, FlatMemory memory) {
        long result = next.x()[0];
        if (number == SYS_MUNMAP) {
            memory.unmap(state.x(0), state.x(1));
        } else if (number == SYS_MMAP && Long.compareUnsigned(result, -4096L) < 0) {
            memory.unmap(result, state.x(1));
        }
        state.setX(0, result);
    }

    private static void remember(Deque<String> recent, long pc, Insn insn) {
        if (recent.size() == CONTEXT) {
            recent.removeFirst();
        }
        recent.addLast(String.format("  %016x  %s", pc, insn == null ? "(not fetchable)"
                : String.format("%08x  %-36s %s", insn.word(), Disassembler.text(pc, insn.word()), Op.name(insn.op()))));
    }

    private static String compare(CpuState state, TraceRecord expected) {
        StringBuilder diff = new StringBuilder();
        if (state.pc() != expected.pc()) {
            diff.append(String.format("  PC   interpreter %016x  qemu %016x%n", state.pc(), expected.pc()));
        }
        for (int i = 0; i < 31; i++) {
            if (state.x(i) != expected.x()[i]) {
                diff.append(String.format("  X%-3d interpreter %016x  qemu %016x%n", i, state.x(i), expected.x()[i]));
            }
        }
        if (state.sp() != expected.sp()) {
            diff.append(String.format("  SP   interpreter %016x  qemu %016x%n", state.sp(), expected.sp()));
        }
        if (state.fpsr() != expected.fpsr() || state.fpcr() != expected.fpcr()) {
            diff.append(String.format("  FPSR/FPCR interpreter %08x/%08x  qemu %08x/%08x%n", state.fpsr(), state.fpcr(),
                    expected.fpsr(), expected.fpcr()));
        }
        if (state.nzcv() != expected.nzcv()) {
            diff.append(String.format("  NZCV interpreter %x  qemu %x%n", state.nzcv() >>> 28, expected.nzcv() >>> 28));
        }
        for (int i = 0; i < 32; i++) {
            if (state.vLow(i) != expected.q()[2 * i] || state.vHigh(i) != expected.q()[2 * i + 1]) {
                diff.append(String.format("  Q%-3d interpreter %016x:%016x  qemu %016x:%016x%n", i, state.vHigh(i),
                        state.vLow(i), expected.q()[2 * i + 1], expected.q()[2 * i]));
            }
        }
        return diff.length() == 0 ? null : diff.toString();
    }

    private static void setState(CpuState state, TraceRecord record) {
        for (int i = 0; i < 31; i++) {
            state.setX(i, record.x()[i]);
        }
        state.setSp(record.sp());
        state.setPc(record.pc());
        state.setNzcv(record.nzcv());
        for (int i = 0; i < 32; i++) {
            state.setV(i, record.q()[2 * i], record.q()[2 * i + 1]);
        }
        state.setFpcr(record.fpcr());
        state.setFpsr(record.fpsr());
    }

    private static void load(Path elf, FlatMemory memory) {
        load(read(elf), memory);
    }

    /** Maps the ELF's segments into {@code memory} with their rights and file bytes, as QEMU loads them. */
    static void load(byte[] elf, FlatMemory memory) {
        ElfResult result = ElfParser.parse(elf);
        if (!(result instanceof ElfResult.Ok ok)) {
            throw new IllegalArgumentException("the ELF is refused: " + result);
        }
        ElfImage image = ok.image();
        byte[] page = new byte[4096];
        for (Segment segment : image.segments()) {
            int rights = (segment.read() ? FlatMemory.R : 0) | (segment.write() ? FlatMemory.W : 0)
                    | (segment.execute() ? FlatMemory.X : 0);
            for (long base = segment.firstPage(); base <= segment.lastPage(); base += 4096) {
                if (!memory.mapped(base)) {
                    memory.map(base, 4096, rights);
                } else {
                    memory.protect(base, 4096, rights);
                }
                java.util.Arrays.fill(page, (byte) 0);
                for (int i = 0; i < 4096; i++) {
                    page[i] = (byte) memory.peek(base + i, 1);
                }
                image.copyFileBytes(segment, base, page, 0, 4096);
                memory.put(base, page);
            }
        }
    }

    private static byte[] read(Path path) {
        try {
            return Files.readAllBytes(path);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String hex(long value) {
        return "0x" + Long.toHexString(value);
    }
}
