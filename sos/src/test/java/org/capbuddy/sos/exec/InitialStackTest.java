package org.capbuddy.sos.exec;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.Result;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@link InitialStack}: the layout read back, QEMU's stacks reproduced byte for byte, and the refusals. */
class InitialStackTest {
    private static final long TOP = 0x90_0000_0000L;
    private static final byte[] RANDOM = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
    private static final List<AuxEntry> AUXV = List.of(new AuxEntry(AuxType.PHDR, 0x400040),
            new AuxEntry(AuxType.PAGESZ, 4096), new AuxEntry(AuxType.RANDOM, 0), new AuxEntry(AuxType.EXECFN, 0),
            new AuxEntry(AuxType.PLATFORM, 0));
    private static final Path TRACES = Path.of("..", "programs", "traces");

    @Test
    void theStackReadsBackAsArgcArgvEnvpAndAuxvWithTheAddressesFilledIn() {
        List<String> argv = List.of("prog", "one", "", "dr\u00e9i");
        List<String> envp = List.of("HOME=/", "TERM=vt100");
        StackImage s = InitialStack.build(TOP, argv, envp, AUXV, RANDOM, "/bin/prog", "aarch64").value();
        assertThat(s.top()).isEqualTo(TOP);
        assertThat(s.sp() % 16).as("sp is 16-byte aligned").isZero();
        assertThat(s.bytes()).hasSize((int) (TOP - s.sp()));
        StackReader r = StackReader.read(s.bytes(), s.sp());
        assertThat(r.argc()).isEqualTo(4);
        assertThat(r.argv()).isEqualTo(argv);
        assertThat(r.envp()).isEqualTo(envp);
        assertThat(r.auxv().keySet()).containsExactly(3, 6, 25, 31, 15);
        assertThat(r.auxv().get(3)).isEqualTo(0x400040L);
        assertThat(r.auxv().get(6)).isEqualTo(4096L);
        assertThat(r.auxv().get(25)).isEqualTo(s.randomAddress());
        assertThat(r.random()).isEqualTo(RANDOM);
        assertThat(s.randomAddress() % 16).as("AT_RANDOM 16-byte aligned").isZero();
        assertThat(r.execFn()).isEqualTo("/bin/prog");
        assertThat(r.platform()).isEqualTo("aarch64");
        assertThat(s.auxv()).hasSize(6).last().isEqualTo(new AuxEntry(AuxType.NULL, 0));
        assertThat(s.aux(AuxType.EXECFN)).isEqualTo(s.execFnAddress());
        assertThat(s.auxvAddress()).isEqualTo(s.sp() + 8 * (1 + 5 + 3));
    }

    @Test
    void theItemsLieTopDownInQemusOrder() {
        List<String> argv = List.of("a0", "a1");
        List<String> envp = List.of("E0=x", "E1=y");
        StackImage s = InitialStack.build(TOP, argv, envp, AUXV, RANDOM, "file", "aarch64").value();
        byte[] b = s.bytes();
        for (int i = 1; i <= 8; i++) {
            assertThat(b[b.length - i]).as("the 8 zero bytes at the top").isZero();
        }
        assertThat(s.execFnAddress()).isEqualTo(TOP - 8 - "file".length() - 1);
        // filename, then envp strings, then argv strings below them; [0] lowest in each.
        assertThat(s.envp().get(1)).isEqualTo(s.execFnAddress() - 5);
        assertThat(s.envp().get(0)).isEqualTo(s.envp().get(1) - 5);
        assertThat(s.argv().get(1)).isEqualTo(s.envp().get(0) - 3);
        assertThat(s.argv().get(0)).isEqualTo(s.argv().get(1) - 3);
        assertThat(s.platformAddress()).isLessThan(s.argv().get(0)).isGreaterThanOrEqualTo(s.argv().get(0) - 16);
        assertThat(s.randomAddress() + 16).isLessThanOrEqualTo(s.platformAddress());
        long tableEnd = s.auxvAddress() + 16L * s.auxv().size();
        assertThat(tableEnd).isLessThanOrEqualTo(s.randomAddress()).isGreaterThan(s.randomAddress() - 16);
    }

    /**
     * The initial stacks QEMU built for the committed programs (programs/traces, recorded with
     * {@code env -i} and a fixed seed): given the same top, arguments, auxiliary vector and random
     * bytes, the builder makes the same bytes at the same stack pointer.
     */
    @ParameterizedTest
    @ValueSource(strings = {"hello", "bad_write", "libc_smoke", "loop_k0", "loop_k1", "malloc_stress",
        "pt_test_freestanding", "pt_test_qemu"})
    void qemusInitialStacksAreReproducedByteForByte(String name) throws IOException {
        long top = 0;
        long sp = 0;
        List<String> argv = null;
        for (String line : Files.readAllLines(TRACES.resolve(name + ".stack.txt"))) {
            if (line.startsWith("top=")) {
                top = Long.decode(line.substring(4));
            } else if (line.startsWith("sp=")) {
                sp = Long.decode(line.substring(3));
            } else if (line.startsWith("argv=")) {
                argv = Arrays.asList(line.substring(5).split(" "));
            }
        }
        byte[] qemu = Files.readAllBytes(TRACES.resolve(name + ".stack.bin"));
        StackReader theirs = StackReader.read(qemu, sp);
        List<AuxEntry> auxv = new ArrayList<>();
        for (Map.Entry<Integer, Long> e : theirs.auxv().entrySet()) {
            auxv.add(new AuxEntry(type(e.getKey()), e.getValue()));
        }
        StackImage ours = InitialStack.build(top, argv, List.of(), auxv, theirs.random(), theirs.execFn(),
                theirs.platform()).value();
        assertThat(ours.sp()).as("sp").isEqualTo(sp);
        assertThat(ours.bytes()).isEqualTo(qemu);
        assertThat(theirs.argv()).isEqualTo(argv);
    }

    @Test
    void whatALinuxShellCanPassIsTaken() {
        // 20,000 arguments (about 250 KB with their pointers) and one argument just under MAX_ARG_STRLEN:
        // Linux runs both, where SOS once refused anything over 64 KiB
        List<String> many = new ArrayList<>();
        for (int i = 0; i < 20_000; i++) {
            many.add(String.valueOf(i));
        }
        StackImage image = InitialStack.build(TOP, many, List.of("A=" + "a".repeat((128 << 10) - 3)), AUXV, RANDOM,
                "f", "aarch64").value();
        assertThat(StackReader.read(image.bytes(), image.sp()).argv()).isEqualTo(many);
    }

    @Test
    void absurdOrMalformedRequestsAreRefusedWithTheReason() {
        assertRefused(InitialStack.build(TOP, List.of("a", "b".repeat(128 << 10)), List.of(), AUXV, RANDOM,
                "f", "aarch64"), "argv[1] takes 131073 bytes with its NUL, more than 131072 (128 KiB, Linux's MAX_ARG_STRLEN");
        assertRefused(InitialStack.build(TOP, List.of("a"), Collections.nCopies(150_000, "X=1234"), AUXV, RANDOM, "f",
                "aarch64"), "more than 2097152 bytes (2 MiB, a quarter of the 8 MiB stack", "(at envp[");
        assertRefused(InitialStack.build(TOP, List.of("a\0b"), List.of(), AUXV, RANDOM, "f", "aarch64"),
                "argv[0] contains a NUL byte");
        assertRefused(InitialStack.build(TOP, Arrays.asList("a", null), List.of(), AUXV, RANDOM, "f", "aarch64"),
                "argv[1] is missing");
        assertRefused(InitialStack.build(TOP, List.of("a"), List.of(), AUXV, new byte[15], "f", "aarch64"),
                "AT_RANDOM needs 16 bytes, got 15");
        assertRefused(InitialStack.build(TOP + 8, List.of("a"), List.of(), AUXV, RANDOM, "f", "aarch64"),
                "not a 16-byte aligned");
        assertRefused(InitialStack.build(0x40, List.of("a"), List.of(), AUXV, RANDOM, "f", "aarch64"),
                "does not fit below the stack top 0x40");
        assertRefused(InitialStack.build(TOP, List.of("a"), List.of(), List.of(new AuxEntry(AuxType.NULL, 0)), RANDOM,
                "f", "aarch64"), "AT_NULL ends the vector and is added here");
        assertRefused(InitialStack.build(TOP, List.of("a"), List.of(), Collections.nCopies(65,
                new AuxEntry(AuxType.UID, 0)), RANDOM, "f", "aarch64"), "65 entries, more than 64");
        assertRefused(InitialStack.build(TOP, List.of("a"), List.of(), AUXV, RANDOM, "x".repeat(4096), "aarch64"),
                "the file name takes 4097 bytes");
        assertRefused(InitialStack.build(TOP, null, List.of(), AUXV, RANDOM, "f", "aarch64"), "needs argv");
        // sixteen strings of 131,062 bytes and one of 7, each with its NUL and pointer: exactly 2 MiB
        List<String> exactly = new ArrayList<>(Collections.nCopies(16, "x".repeat(131_062)));
        exactly.add("seven77");
        assertThat(InitialStack.build(TOP, exactly, List.of(), AUXV, RANDOM, "f", "aarch64").isOk())
                .as("exactly 2 MiB").isTrue();
        exactly.set(16, "eight888");
        assertRefused(InitialStack.build(TOP, exactly, List.of(), AUXV, RANDOM, "f", "aarch64"), "(at argv[16] of 17)");
    }

    private static void assertRefused(Result<StackImage> r, String... message) {
        assertThat(r.isOk()).as("%s", r).isFalse();
        assertThat(r.error().kind()).isEqualTo(AllocErrorKind.BAD_ARGUMENT);
        assertThat(r.error().detail()).contains(message);
    }

    private static AuxType type(int code) {
        for (AuxType t : AuxType.values()) {
            if (t.code() == code) {
                return t;
            }
        }
        throw new AssertionError("QEMU's stack has AT_ type " + code + ", which AuxType lacks");
    }
}
