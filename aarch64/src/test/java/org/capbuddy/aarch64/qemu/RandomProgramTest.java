package org.capbuddy.aarch64.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import java.util.TreeSet;
import org.capbuddy.aarch64.cpu.CpuState;
import org.capbuddy.aarch64.cpu.Exit;
import org.capbuddy.aarch64.cpu.Interpreter;
import org.capbuddy.aarch64.decode.Decoder;
import org.capbuddy.aarch64.decode.Insn;
import org.capbuddy.aarch64.decode.Op;
import org.capbuddy.aarch64.decode.SimdOp;
import org.capbuddy.aarch64.testing.FlatMemory;
import org.junit.jupiter.api.Test;

/**
 * The generator's own promises, checked without QEMU: the same seed makes the same program; the
 * corpus's seeds reach every operation the interpreter implements; and every program, run in the
 * interpreter over nothing but its own segments, reaches its exit without a fault, never changes
 * X28 or SP after the preamble, and never stores outside its scratch segment (the code is not
 * writable and nothing else is mapped).
 */
class RandomProgramTest {
    /** Seeds of the committed corpus (qemu-fuzz.sh writes seeds 1..40). */
    private static final int SEEDS = 40;

    @Test
    void theSameSeedMakesTheSameProgram() {
        RandomProgram a = RandomProgram.generate(42, QemuFuzz.INSTRUCTIONS);
        assertThat(RandomProgram.generate(42, QemuFuzz.INSTRUCTIONS).elf()).isEqualTo(a.elf());
        assertThat(RandomProgram.generate(43, QemuFuzz.INSTRUCTIONS).elf()).isNotEqualTo(a.elf());
        assertThat(a.blockEnd - a.blockStart).isBetween(QemuFuzz.INSTRUCTIONS, QemuFuzz.INSTRUCTIONS + 3);
    }

    @Test
    void theCorpusSeedsReachEveryOperation() {
        Set<String> ops = new TreeSet<>();
        Set<Integer> simdOps = new TreeSet<>();
        for (long seed = 1; seed <= SEEDS; seed++) {
            RandomProgram program = RandomProgram.generate(seed, QemuFuzz.INSTRUCTIONS);
            for (int i = program.blockStart; i < program.blockEnd; i++) {
                Insn in = Decoder.decode(RandomProgram.ENTRY + 4L * i, program.words[i]);
                ops.add(Op.name(in.op()));
                if (in.op() == Op.SIMD) {
                    simdOps.add(in.a());
                }
            }
        }
        Set<String> expected = new TreeSet<>();
        for (int op = 0; op < Op.COUNT; op++) {
            expected.add(Op.name(op));
        }
        // the block never stops: no undefined instruction, breakpoint or system call in it
        expected.removeAll(Set.of("UNDEFINED", "BRK", "SVC"));
        assertThat(ops).isEqualTo(expected);
        assertThat(simdOps).hasSize(SimdOp.ADVANCED + 1); // every SimdOp, the Advanced SIMD forms among them
    }

    @Test
    void programsKeepTheirPromises() {
        for (long seed = 1; seed <= SEEDS; seed++) {
            RandomProgram program = RandomProgram.generate(seed, QemuFuzz.INSTRUCTIONS);
            FlatMemory memory = new FlatMemory();
            QemuDifferential.load(program.elf(), memory);
            CpuState state = new CpuState();
            state.setPc(RandomProgram.ENTRY);
            Interpreter interpreter = new Interpreter(state, memory);
            interpreter.translateAfter(0);
            Exit exit;
            do {
                exit = interpreter.run(1);
                if (state.pc() > RandomProgram.ENTRY + 4L * program.blockStart) {
                    assertThat(state.x(RandomProgram.BASE)).as("seed %d: X28", seed).isEqualTo(RandomProgram.BASE_ADDRESS);
                    assertThat(state.sp()).as("seed %d: SP", seed).isEqualTo(RandomProgram.SP_ADDRESS);
                }
            } while (exit == Exit.LIMIT && state.instructions() < 10_000);
            assertThat(exit).as("seed %d stops at %x", seed, state.pc()).isEqualTo(Exit.SVC);
            assertThat(state.pc()).as("seed %d", seed).isEqualTo(RandomProgram.ENTRY + 4L * (program.blockEnd + 3));
            assertThat(state.x(8)).isEqualTo(93);
        }
    }
}
