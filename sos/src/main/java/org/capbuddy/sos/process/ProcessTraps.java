package org.capbuddy.sos.process;

import org.capbuddy.kernel.cpu.FaultMessage;
import org.capbuddy.kernel.cpu.FaultReply;

/**
 * Where SOS's fault handler sends a process's system calls (seL4_Fault_UnknownSyscall), and the
 * faults it would kill a process for: SOS's system-call personality, which answers a call by
 * replying with the registers set, and may run the process's own handler for a fault's signal.
 */
@FunctionalInterface
public interface ProcessTraps {
    FaultReply onSystemCall(Process p, FaultMessage message);

    /**
     * A fault SOS cannot serve, as the synchronous signal Linux would send for it: the
     * personality sets the thread up to run the process's handler (and the caller replies so that
     * it restarts there), or says why it did not. By default no process has handlers.
     */
    default SignalOutcome onFaultSignal(Process p, FaultSignal signal) {
        return SignalOutcome.NO_HANDLER;
    }

    /**
     * A fault as a signal: the signal and its si_code, si_addr, the syndrome for the frame's
     * esr_context (0 for none), the address the frame records as the fault's, and the pc the
     * handler returns to.
     */
    record FaultSignal(int signal, int code, long address, long esr, long faultAddress, long pc) {
    }

    /**
     * What became of a fault's signal: a handler will run ({@code delivered}), or the process dies
     * of {@code killSignal} (the fault's own, or SIGSEGV when its frame could not be written), with
     * {@code why} added to the report when it says more than the fault does.
     */
    record SignalOutcome(boolean delivered, int killSignal, String why) {
        public static final SignalOutcome NO_HANDLER = new SignalOutcome(false, 0, null);
        public static final SignalOutcome DELIVERED = new SignalOutcome(true, 0, null);
    }
}
