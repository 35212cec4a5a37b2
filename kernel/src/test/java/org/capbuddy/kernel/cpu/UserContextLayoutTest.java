package org.capbuddy.kernel.cpu;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.capbuddy.aarch64.cpu.CpuState;
import org.junit.jupiter.api.Test;

/** seL4_UserContext's order: a handler that reads one X register with TCB_ReadRegisters finds it at wordOfX. */
class UserContextLayoutTest {
    @Test
    void everyXRegisterHasTheWordThatReadsIt() {
        CpuState s = new CpuState();
        for (int n = 0; n <= 30; n++) {
            s.setX(n, 0x1000 + n);
        }
        for (int n = 0; n <= 30; n++) {
            assertThat(UserContextLayout.read(s, UserContextLayout.wordOfX(n))).as("x%d", n).isEqualTo(0x1000 + n);
        }
        // the frame registers first: x0..x8 after pc, sp, spsr; x30 last of them; x9 first of the rest
        assertThat(UserContextLayout.wordOfX(8)).isEqualTo(11);
        assertThat(UserContextLayout.wordOfX(30)).isEqualTo(16);
        assertThat(UserContextLayout.wordOfX(9)).isEqualTo(17);
        assertThatThrownBy(() -> UserContextLayout.wordOfX(31)).isInstanceOf(IllegalArgumentException.class);
    }
}
