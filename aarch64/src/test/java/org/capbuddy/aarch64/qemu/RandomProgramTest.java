package org.capbuddy.aarch64.qemu;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.capbuddy.aarch64.cpu.CpuState;
import org.capbuddy.aarch64.cpu.Exit;
import org.capbuddy.aarch64.cpu.Interpreter;
import org.capbuddy.aarch64.decode.AdvancedSimd;
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

    /** Seeds of the estimates mix's corpus (qemu-fuzz.sh 20 500 estimates). */
    private static final int ESTIMATE_SEEDS = 20;

    @Test
    void theEstimatesCorpusSeedsReachEveryFormOfTheirs() {
        Map<String, Integer> counts = new TreeMap<>();
        int lanes = 0;
        for (long seed = 1; seed <= ESTIMATE_SEEDS; seed++) {
            RandomProgram program = RandomProgram.generate(seed, QemuFuzz.INSTRUCTIONS, RandomProgram.Mix.ESTIMATES);
            for (int i = program.blockStart; i < program.blockEnd; i++) {
                AdvancedSimd.Form form = AdvancedSimd.of(program.words[i]);
                if (form != null && ESTIMATE_KINDS.contains(form.kind)) {
                    String name = form.kind + (form.scalar ? " scalar " : " vector ") + (form.size == 3 ? "D" : "S");
                    if (form.kind == AdvancedSimd.Kind.SQDMULL || form.kind == AdvancedSimd.Kind.SQDMLAL
                            || form.kind == AdvancedSimd.Kind.SQDMLSL) {
                        name = form.kind + (form.shape == AdvancedSimd.Shape.ELEMENT ? " by element " : " scalar ")
                                + (form.size == 1 ? "H" : "S");
                    }
                    counts.merge(name, 1, Integer::sum);
                    lanes += form.scalar ? 1 : form.kind == AdvancedSimd.Kind.FCVTXN ? 2 : (form.q ? 16 : 8) >> form.size;
                }
            }
        }
        System.out.printf("estimates corpus: %d instructions of the estimates' forms, %d lanes: %s%n",
                counts.values().stream().mapToInt(Integer::intValue).sum(), lanes, counts);
        Set<String> expected = new TreeSet<>();
        for (AdvancedSimd.Kind kind : ESTIMATE_KINDS) {
            switch (kind) {
                case URECPE, URSQRTE -> expected.add(kind + " vector S");
                case FRECPX -> {
                    expected.add(kind + " scalar S");
                    expected.add(kind + " scalar D");
                }
                case SQDMULL, SQDMLAL, SQDMLSL -> {
                    for (String form : new String[] {" scalar H", " scalar S", " by element H", " by element S"}) {
                        expected.add(kind + form);
                    }
                }
                case FCVTXN -> {
                    expected.add(kind + " scalar S");
                    expected.add(kind + " vector S");
                }
                default -> {
                    for (String form : new String[] {" scalar S", " scalar D", " vector S", " vector D"}) {
                        expected.add(kind + form);
                    }
                }
            }
        }
        assertThat(counts.keySet()).isEqualTo(expected);
        assertThat(counts.values()).allMatch(n -> n >= 10, "each form at least 10 times");
    }

    private static final Set<AdvancedSimd.Kind> ESTIMATE_KINDS = EnumSet.of(AdvancedSimd.Kind.FRECPE,
            AdvancedSimd.Kind.FRSQRTE, AdvancedSimd.Kind.FRECPS, AdvancedSimd.Kind.FRSQRTS, AdvancedSimd.Kind.FRECPX,
            AdvancedSimd.Kind.URECPE, AdvancedSimd.Kind.URSQRTE, AdvancedSimd.Kind.FCVTXN, AdvancedSimd.Kind.SQDMULL,
            AdvancedSimd.Kind.SQDMLAL, AdvancedSimd.Kind.SQDMLSL);

    @Test
    void programsKeepTheirPromises() {
        for (RandomProgram.Mix mix : RandomProgram.Mix.values()) {
            keepTheirPromises(mix, mix == RandomProgram.Mix.GENERAL ? SEEDS : ESTIMATE_SEEDS);
        }
    }

    private static void keepTheirPromises(RandomProgram.Mix mix, int seeds) {
        for (long seed = 1; seed <= seeds; seed++) {
            RandomProgram program = RandomProgram.generate(seed, QemuFuzz.INSTRUCTIONS, mix);
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
