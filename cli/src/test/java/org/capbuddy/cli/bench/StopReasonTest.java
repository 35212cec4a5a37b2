package org.capbuddy.cli.bench;

import static org.assertj.core.api.Assertions.assertThat;

import org.capbuddy.libos.vka.AllocError;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.junit.jupiter.api.Test;

class StopReasonTest {

    @Test
    void eachShortageMapsToItsKindAndOnlyMemoryIsMemoryBound() {
        StopReason memory = StopReason.of(AllocError.of(AllocErrorKind.OUT_OF_MEMORY, "no untyped of 2^12"));
        StopReason slots = StopReason.of(AllocError.of(AllocErrorKind.OUT_OF_SLOTS, "cspace full"));
        StopReason books = StopReason.of(AllocError.of(AllocErrorKind.OUT_OF_BOOKKEEPING, "mspace empty"));
        StopReason other = StopReason.of(AllocError.of(AllocErrorKind.BAD_ARGUMENT, "size 2^40"));

        assertThat(memory.kind()).isEqualTo(StopReason.Kind.MEMORY_EXHAUSTED);
        assertThat(slots.kind()).isEqualTo(StopReason.Kind.SLOTS_EXHAUSTED);
        assertThat(books.kind()).isEqualTo(StopReason.Kind.BOOKKEEPING_EXHAUSTED);
        assertThat(other.kind()).isEqualTo(StopReason.Kind.ERROR);
        assertThat(memory.memoryBound()).isTrue();
        assertThat(slots.memoryBound()).isFalse();
        assertThat(StopReason.LIMIT.memoryBound()).isFalse();
        assertThat(slots.words(WorkUnit.FRAME)).startsWith("slots exhausted (").contains("cspace full");
        assertThat(StopReason.of(null).kind()).isEqualTo(StopReason.Kind.ERROR);
    }

    @Test
    void theLimitNamesTheRunsUnitOfWorkAndOtherReasonsDoNot() {
        assertThat(StopReason.LIMIT.words(WorkUnit.ITERATION)).isEqualTo("iteration limit reached");
        assertThat(StopReason.LIMIT.words(WorkUnit.FRAME)).isEqualTo("frame limit reached");
        assertThat(StopReason.LIMIT.words(WorkUnit.BLOCK)).isEqualTo("block limit reached");
        assertThat(StopReason.LIMIT.words(WorkUnit.PAGE)).isEqualTo("page limit reached");
        assertThat(StopReason.Kind.MEMORY_EXHAUSTED.words(WorkUnit.PAGE)).isEqualTo("memory exhausted");
    }

    @Test
    void reportsWrittenBeforeTheLimitNamedItsUnitStillRead() {
        assertThat(StopReason.Kind.fromJson("ITERATION_LIMIT")).isEqualTo(StopReason.Kind.LIMIT_REACHED);
        assertThat(StopReason.Kind.fromJson("LIMIT_REACHED")).isEqualTo(StopReason.Kind.LIMIT_REACHED);
        assertThat(StopReason.Kind.fromJson("SLOTS_EXHAUSTED")).isEqualTo(StopReason.Kind.SLOTS_EXHAUSTED);
        assertThat(StopReason.Kind.fromJson("NO_SUCH_KIND")).isNull();
        assertThat(StopReason.of(null).kind()).isEqualTo(StopReason.Kind.ERROR);
    }
}
