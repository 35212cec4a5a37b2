package org.capbuddy.sos.process;

import org.capbuddy.kernel.cpu.FaultMessage;
import org.capbuddy.kernel.cpu.FaultReply;

/**
 * Where SOS's fault handler sends a process's system calls (seL4_Fault_UnknownSyscall): SOS's
 * system-call personality, which answers them by replying with the registers set.
 */
@FunctionalInterface
public interface ProcessTraps {
    FaultReply onSystemCall(Process p, FaultMessage message);
}
