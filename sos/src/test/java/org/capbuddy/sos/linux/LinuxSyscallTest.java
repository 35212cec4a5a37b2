package org.capbuddy.sos.linux;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** The names a report gives system calls: the served ones agree with the generic table, and the rest are named too. */
class LinuxSyscallTest {
    @Test
    void everyServedCallHasItsNameInTheGenericTable() {
        for (LinuxSyscall call : LinuxSyscall.values()) {
            assertThat(LinuxSyscall.nameOf(call.number())).as(call.name()).isEqualTo(call.linuxName());
            assertThat(LinuxSyscall.of(call.number())).isSameAs(call);
        }
    }

    @Test
    void callsSosDoesNotServeAreNamedAndGapsAreNot() {
        assertThat(LinuxSyscall.nameOf(220)).isEqualTo("clone");
        assertThat(LinuxSyscall.nameOf(56)).isEqualTo("openat");
        assertThat(LinuxSyscall.nameOf(233)).isEqualTo("madvise");
        assertThat(LinuxSyscall.nameOf(260)).isEqualTo("wait4");
        assertThat(LinuxSyscall.nameOf(435)).isEqualTo("clone3");
        assertThat(LinuxSyscall.nameOf(250)).as("kept for architecture-specific calls").isNull();
        assertThat(LinuxSyscall.nameOf(-1)).isNull();
        assertThat(LinuxSyscall.nameOf(999)).isNull();
    }
}
