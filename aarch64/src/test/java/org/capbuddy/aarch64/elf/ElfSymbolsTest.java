package org.capbuddy.aarch64.elf;

import static org.assertj.core.api.Assertions.assertThat;
import static org.capbuddy.aarch64.elf.ElfBuilder.B_SELF;
import static org.capbuddy.aarch64.elf.ElfBuilder.code;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The symbols a step mode's {@code break main} names, read from a real program's {@code .symtab}
 * (programs/bin/student_wrap.elf, committed); a file without one has none, and no mutation of a
 * real file makes the reader throw.
 */
class ElfSymbolsTest {
    private static byte[] program() throws Exception {
        return Files.readAllBytes(Path.of("..", "programs", "bin", "student_wrap.elf"));
    }

    @Test
    void functionsAndObjectsAreFoundByNameWithTheirAddresses() throws Exception {
        ElfSymbols symbols = ElfSymbols.of(program());
        // readelf -s: main is global at 0x400160; add is a static function, the only one of its name
        assertThat(symbols.find("main")).hasValueSatisfying(s -> {
            assertThat(s.address()).isEqualTo(0x400160L);
            assertThat(s.global()).isTrue();
        });
        assertThat(symbols.find("add")).hasValueSatisfying(s -> assertThat(s.address()).isEqualTo(0x4005b0L));
        assertThat(symbols.find("environ")).as("a weak object").isPresent();
        assertThat(symbols.find("no_such_symbol")).isEmpty();
        assertThat(symbols.isEmpty()).isFalse();
    }

    @Test
    void aNameSeveralLocalSymbolsShareResolvesToNone() throws Exception {
        ElfSymbols symbols = ElfSymbols.of(program());
        // musl's files each have a static 'dummy'
        assertThat(symbols.all("dummy")).hasSizeGreaterThan(1).noneMatch(ElfSymbols.Symbol::global);
        assertThat(symbols.find("dummy")).isEmpty();
    }

    @Test
    void anAddressIsDescribedAsTheSymbolThatHoldsItAsObjdumpDoes() throws Exception {
        ElfSymbols symbols = ElfSymbols.of(program());
        // readelf -s: main at 0x400160, add (size 8) at 0x4005b0; _start is a function of size 0
        long start = symbols.find("_start").orElseThrow().address();
        long main = symbols.find("main").orElseThrow().address();
        long mainSize = symbols.find("main").orElseThrow().size();
        assertThat(symbols.describe(main)).hasValue("main");
        assertThat(symbols.describe(main + 0x58)).hasValue("main+0x58");
        assertThat(symbols.describe(main + mainSize - 4)).hasValue("main+0x" + Long.toHexString(mainSize - 4));
        assertThat(symbols.describe(0x4005b4L)).hasValue("add+0x4");
        assertThat(symbols.describe(start + 8)).as("a size-0 function reaches to the next symbol")
                .hasValue("_start+0x8");
        // musl's weak __funcs_on_exit and its static body 'dummy' share 0x400960: the weak name is given
        assertThat(symbols.describe(0x400960L)).hasValue("__funcs_on_exit");
        assertThat(symbols.describe(symbols.find("environ").orElseThrow().address())).as("the global alias of a weak one")
                .hasValue("__environ");
        assertThat(symbols.describe(0)).as("below every symbol").isEmpty();
        assertThat(symbols.describe(0x8ffffffe60L)).as("a stack address, above every symbol").isEmpty();
        assertThat(symbols.describe(-1L)).isEmpty();
        assertThat(ElfSymbols.of(null).describe(0x400160L)).isEmpty();
    }

    @Test
    void aFileWithoutSectionHeadersOrNotElfHasNoSymbols() {
        assertThat(ElfSymbols.of(ElfBuilder.exec().headerSegment(0x400000, "rx", code(B_SELF)).build()).isEmpty()).isTrue();
        assertThat(ElfSymbols.of(null).isEmpty()).isTrue();
        assertThat(ElfSymbols.of(new byte[10]).isEmpty()).isTrue();
        assertThat(ElfSymbols.of("not an ELF file at all, but long enough to have a header's worth".getBytes(
                java.nio.charset.StandardCharsets.US_ASCII)).isEmpty()).isTrue();
    }

    @Test
    void noMutationOrTruncationOfARealProgramMakesItThrow() throws Exception {
        byte[] original = program();
        SplittableRandom random = new SplittableRandom(7);
        // the section headers and symbol table are at the end of the file: aim most flips there
        int tail = Math.max(0, original.length - 0x8000);
        for (int round = 0; round < 3_000; round++) {
            byte[] file = round % 10 == 0 ? Arrays.copyOf(original, random.nextInt(original.length))
                    : original.clone();
            for (int flips = 1 + random.nextInt(8); flips > 0 && file.length > 0; flips--) {
                int at = random.nextInt(4) == 0 ? random.nextInt(Math.min(64, file.length))
                        : tail + random.nextInt(Math.max(1, file.length - tail));
                if (at < file.length) {
                    file[at] = (byte) random.nextInt(256);
                }
            }
            ElfSymbols symbols = ElfSymbols.of(file);
            symbols.find("main");
            symbols.all("dummy");
        }
    }
}
