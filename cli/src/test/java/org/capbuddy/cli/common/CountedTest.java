package org.capbuddy.cli.common;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class CountedTest {

    @Test
    void oneIsSingularAndEveryOtherCountPlural() {
        assertThat(Counted.of(1, "fault")).isEqualTo("1 fault");
        assertThat(Counted.of(0, "fault")).isEqualTo("0 faults");
        assertThat(Counted.of(2, "system call")).isEqualTo("2 system calls");
        assertThat(Counted.of(1_234_567, "instruction")).isEqualTo("1,234,567 instructions");
    }
}
