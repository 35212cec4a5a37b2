package org.capbuddy.sos.inspect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import org.capbuddy.aarch64.cpu.Registers;
import org.junit.jupiter.api.Test;

/**
 * The backtrace's walk over frame records, on a stack given as a map of words: folding, every way
 * the chain can end, and the caps on what it keeps and shows.
 */
class CallChainTest {
    private static final long PC = 0x400200;
    private static final long LR = 0x400300;
    private static final long STACK = 0x8f_ffff_0000L;

    private final Map<Long, Long> words = new HashMap<>();

    private static Registers stoppedAt(long fp) {
        long[] x = new long[31];
        x[29] = fp;
        x[30] = LR;
        return new Registers(x, fp, PC, 0, 0, new long[64], 0, 0, 0);
    }

    /** A frame record at {@code fp}: the caller's fp, then the return address. */
    private void record(long fp, long callerFp, long returnAddress) {
        words.put(fp, callerFp);
        words.put(fp + 8, returnAddress);
    }

    private OptionalLong read(long address) {
        Long w = words.get(address);
        return w == null ? OptionalLong.empty() : OptionalLong.of(w);
    }

    private static String name(long address) {
        if (address >= 0x400000 && address < 0x400400) {
            return String.format("f%x+0x%x", address >>> 8 & 0xf, address & 0xff);
        }
        return null;
    }

    private CallChain walk(long fp, int maxEntries) {
        return CallChain.walk(stoppedAt(fp), this::read, CallChainTest::name, maxEntries);
    }

    @Test
    void followsTheRecordsUpTheStackToTheRuntimesZeroReturn() {
        record(STACK, STACK + 0x40, 0x400110);
        record(STACK + 0x40, STACK + 0x80, 0x400120);
        record(STACK + 0x80, STACK + 0xc0, 0);
        CallChain c = walk(STACK, 16);
        assertThat(c.pc()).isEqualTo(new CallChain.Frame(PC, "f2+0x0", 1));
        assertThat(c.lr().address()).isEqualTo(LR);
        assertThat(c.returns()).extracting(CallChain.Frame::address).containsExactly(0x400110L, 0x400120L);
        assertThat(c.end()).isEqualTo("a return address of 0, the C runtime's first frame: the chain ends here");
        assertThat(c.render(24)).isEqualTo("""
                   pc 0x400200 <f2+0x0>
                   lr 0x400300 <f3+0x0>  (x30: the return address while the function has made no call)
                   #1 0x400110 <f1+0x10>
                   #2 0x400120 <f1+0x20>
                   (a return address of 0, the C runtime's first frame: the chain ends here)
                """);
    }

    @Test
    void aRecursionIsOneEntryCountingItsFrames() {
        for (int i = 0; i < 500; i++) {
            record(STACK + 0x20L * i, STACK + 0x20L * (i + 1), 0x400150);
        }
        record(STACK + 0x20L * 500, 0, 0x400160);
        CallChain c = walk(STACK, 16);
        assertThat(c.returns()).containsExactly(new CallChain.Frame(0x400150, "f1+0x50", 500),
                new CallChain.Frame(0x400160, "f1+0x60", 1));
        assertThat(c.frames()).isEqualTo(501);
        assertThat(c.end()).isEqualTo("the saved x29 is 0: the chain ends here");
        assertThat(c.render(24)).contains("   #1-#500 0x400150 <f1+0x50>  (500 times)\n   #501 0x400160 <f1+0x60>\n");
    }

    @Test
    void endsWhereTheChainCannotBeReadOrDoesNotRunUp() {
        assertThat(walk(0, 16).end()).isEqualTo("x29 is 0: the chain ends here");
        assertThat(walk(0, 16).returns()).isEmpty();
        assertThat(walk(STACK + 4, 16).end()).as("misaligned").isEqualTo(
                "the frame record at 0x8fffff0004 cannot be read: the chain ends here");
        assertThat(walk(STACK, 16).end()).as("unmapped").isEqualTo(
                "the frame record at 0x8fffff0000 cannot be read: the chain ends here");
        record(STACK, STACK - 0x40, 0x400110);
        CallChain down = walk(STACK, 16);
        assertThat(down.returns()).hasSize(1);
        assertThat(down.end()).isEqualTo("the next frame record, 0x8ffffeffc0, is not above this one: the chain ends here");
        record(STACK, STACK, 0x400110);
        assertThat(walk(STACK, 16).end()).as("a record pointing at itself").isEqualTo(
                "the next frame record, 0x8fffff0000, is not above this one: the chain ends here");
    }

    @Test
    void keepsAtMostTheEntriesAskedForAndShowsBothEndsOfALongChain() {
        for (int i = 0; i < 100; i++) {
            // alternating return addresses: a mutual recursion, which does not fold
            record(STACK + 0x20L * i, STACK + 0x20L * (i + 1), i % 2 == 0 ? 0x400110 : 0x400120);
        }
        CallChain capped = walk(STACK, 30);
        assertThat(capped.returns()).hasSize(30);
        assertThat(capped.end()).isEqualTo("the walk stopped after 30 entries: the frames outside them, main's among"
                + " them, are not shown");

        CallChain all = walk(STACK, 1000);
        assertThat(all.returns()).hasSize(100);
        String text = all.render(24);
        assertThat(text.lines().filter(l -> l.startsWith("   #"))).hasSize(24);
        assertThat(text).contains("   #16 0x400120 <f1+0x20>\n   ... 76 more lines ...\n   #93 0x400110 <f1+0x10>\n")
                .contains("   #100 0x400120 <f1+0x20>\n");
    }

    @Test
    void missingArgumentsGiveAnEmptyOrUnnamedChainNotAnException() {
        CallChain none = CallChain.walk(null, this::read, CallChainTest::name, 16);
        assertThat(none.returns()).isEmpty();
        assertThat(none.end()).isEqualTo("no thread: there are no registers to walk");
        record(STACK, 0, 0x400110);
        assertThat(CallChain.walk(stoppedAt(STACK), null, null, 16).end())
                .isEqualTo("the frame record at 0x8fffff0000 cannot be read: the chain ends here");
        CallChain unnamed = CallChain.walk(stoppedAt(STACK), this::read, null, 0);
        assertThat(unnamed.returns()).containsExactly(new CallChain.Frame(0x400110, null, 1));
        assertThat(unnamed.pc().function()).isNull();
        assertThat(unnamed.render(-5)).contains("   #1 0x400110\n");
    }

    @Test
    void withNoThreadThereIsNoPcOrLrToShowNotAddressZero() {
        CallChain none = CallChain.walk(null, null, null, 16);
        assertThat(none.hasThread()).isFalse();
        assertThat(none.pc()).isNull();
        assertThat(none.lr()).isNull();
        assertThat(none.frames()).isZero();
        assertThat(none.render(24)).isEqualTo("   (no thread: there are no registers to walk)\n")
                .doesNotContain("0x0");
        assertThat(walk(STACK, 16).hasThread()).isTrue();
    }

    @Test
    void aChainHasBothPcAndLrOrNeitherAndNoReturnsWithoutThem() {
        CallChain.Frame at = new CallChain.Frame(0x400100, null, 1);
        assertThatThrownBy(() -> new CallChain(at, null, List.of(), "x29 is 0"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("both pc and lr or neither");
        assertThatThrownBy(() -> new CallChain(null, at, List.of(), "x29 is 0"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("both pc and lr or neither");
        assertThatThrownBy(() -> new CallChain(null, null, List.of(at), "x29 is 0"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("without registers has no returns");
        assertThat(new CallChain(at, at, List.of(at), "x29 is 0").returns()).containsExactly(at);
    }

    @Test
    void anAddressWithNoSymbolIsShownBare() {
        record(STACK, STACK + 0x40, 0x4141_4141_4141_4141L);
        CallChain c = walk(STACK, 16);
        assertThat(c.returns().get(0).function()).isNull();
        assertThat(c.render(24)).contains("   #1 0x4141414141414141\n");
    }
}
