package org.capbuddy.sos.process;

import java.util.OptionalLong;
import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.trace.TraceKind;
import org.capbuddy.kernel.trace.Tracer;
import org.capbuddy.kernel.cpu.AccessKind;
import org.capbuddy.kernel.cpu.FaultMessage;
import org.capbuddy.kernel.cpu.FaultReceiver;
import org.capbuddy.kernel.cpu.FaultReply;
import org.capbuddy.kernel.cpu.VmFault;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.addrspace.Region;
import org.capbuddy.sos.frametable.FrameTable;

/**
 * SOS's VM fault handler: the badge names the process; a translation fault inside a region whose
 * rights allow the access gets a zeroed frame mapped with the region's rights and the access
 * resumes. Anything else (no region, the stack's guard page, a PROT_NONE region, a write to code,
 * an execute of data, a permission fault, no memory left) is the signal Linux would send; when the
 * process has a handler for it that may run (see {@link ProcessTraps#onFaultSignal}) the thread
 * restarts in the handler, and otherwise the process is killed with a report; SOS and the other
 * processes go on.
 */
public final class FaultHandler implements FaultReceiver {
    private final Processes processes;
    private final ProcessPages pages;
    private final ProcessKiller killer;
    private ProcessTraps traps;
    private long handled;
    private long kills;
    private long signalled;

    /** What the handler calls to stop a process it refuses. */
    @FunctionalInterface
    public interface ProcessKiller {
        void kill(Process p, KillReport report);
    }

    /** How the handler reads a register of a stopped thread (seL4's TCB_ReadRegisters, as a handler must). */
    @FunctionalInterface
    public interface RegisterReader {
        /** X{@code n} of {@code p}'s thread, or empty when it cannot be read. */
        OptionalLong x(Process p, int n);
    }

    private final RegisterReader registers;

    public FaultHandler(Processes processes, ProcessPages pages, ProcessKiller killer, RegisterReader registers) {
        this.processes = processes;
        this.pages = pages;
        this.killer = killer;
        this.registers = registers;
    }

    /** Who serves the processes' system calls (without one, a system call kills the process). */
    public void setTraps(ProcessTraps traps) {
        this.traps = traps;
    }

    /** A system call: handed to SOS's personality, which replies or not. */
    @Override
    public FaultReply onUnknownSyscall(long badge, FaultMessage message) {
        Process p = processes.get(badge);
        if (p == null || p.state() != ProcessState.RUNNING) {
            return FaultReply.noReply("no running process has badge " + badge);
        }
        Tracer tracer = processes.tracer();
        tracer.serve(p);
        try {
            if (traps == null) {
                long ip = message.word(FaultMessage.SYSCALL_FAULT_IP);
                return kill(p, new KillReport(ip, AccessKind.EXECUTE, regionName(p, ip), "system calls are not served"));
            }
            return traps.onSystemCall(p, message);
        } finally {
            tracer.endService();
        }
    }

    /**
     * An undefined instruction, a breakpoint or a branch to a misaligned address: the process is
     * killed with a report naming the instruction (read from its frame through SOS's window) and
     * the signal Linux would send for it: SIGILL, SIGTRAP, SIGBUS.
     */
    @Override
    public FaultReply onUserException(long badge, FaultMessage message) {
        Process p = processes.get(badge);
        if (p == null || p.state() != ProcessState.RUNNING) {
            return FaultReply.noReply("no running process has badge " + badge);
        }
        Tracer tracer = processes.tracer();
        tracer.serve(p);
        try {
            return onUserException(p, message);
        } finally {
            tracer.endService();
        }
    }

    private FaultReply onUserException(Process p, FaultMessage message) {
        long ip = message.word(FaultMessage.EXCEPTION_FAULT_IP);
        long esr = message.word(FaultMessage.EXCEPTION_NUMBER);
        long word = pages.readWord(p, ip);
        String encoding = word < 0 ? "an instruction SOS cannot read" : String.format("0x%08x", word);
        int exceptionClass = (int) (esr >>> 26);
        String reason = switch (exceptionClass) {
            case 0x00 -> (word & 0xFFFF_FFE0L) == MSR_FPCR
                    ? "msr fpcr asks for a rounding mode other than to nearest (fesetround), which the interpreter"
                            + " does not model (" + encoding + ")"
                    : "undefined instruction " + encoding + family(word);
            case 0x3C -> "breakpoint (brk #" + (esr & 0xFFFF) + ")";
            case 0x22 -> "branch to " + misalignedTarget(p, word) + " (" + encoding + ")";
            default -> String.format("user exception, ESR 0x%x (%s)", esr, encoding);
        };
        int signal = switch (exceptionClass) {
            case 0x3C -> SIGTRAP;
            case 0x22 -> SIGBUS;
            default -> SIGILL;
        };
        KillReport report = new KillReport(ip, AccessKind.EXECUTE, regionName(p, ip), reason, signal, false);
        if (exceptionClass == 0x00 && (word & 0xFFFF_FFE0L) == MSR_FPCR) {
            return kill(p, report); // SOS's limit, not the program's fault: no handler of its should see it
        }
        ProcessTraps.FaultSignal asSignal = switch (exceptionClass) {
            // Linux's brk handler sends SIGTRAP (TRAP_BRKPT) at the brk, recording no fault
            case 0x3C -> new ProcessTraps.FaultSignal(SIGTRAP, TRAP_BRKPT, ip, 0, 0, ip);
            // the branch completed: Linux's pc and si_addr are the misaligned target
            case 0x22 -> {
                long target = branchTarget(p, word).orElse(ip);
                yield new ProcessTraps.FaultSignal(SIGBUS, BUS_ADRALN, target, esr, 0, target);
            }
            default -> new ProcessTraps.FaultSignal(SIGILL, ILL_ILLOPC, ip, esr, 0, ip);
        };
        return signalOrKill(p, report, asSignal);
    }

    /**
     * Runs the process's handler for a fault's signal, as Linux's force_sig does, or kills it as
     * before: without a handler, or when the signal is blocked or ignored (force_sig then takes
     * the default action), or when the handler's frame cannot be written (SIGSEGV).
     */
    private FaultReply signalOrKill(Process p, KillReport report, ProcessTraps.FaultSignal signal) {
        if (traps == null) {
            return kill(p, report);
        }
        ProcessTraps.SignalOutcome outcome = traps.onFaultSignal(p, signal);
        if (outcome.delivered()) {
            signalled++;
            // the personality moved the thread to the handler: the reply restarts it there
            return FaultReply.RESUME;
        }
        if (outcome.why() == null) {
            return kill(p, report);
        }
        int dies = outcome.killSignal() == 0 ? report.signal() : outcome.killSignal();
        return kill(p, new KillReport(report.address(), report.access(), report.region(),
                report.reason() + "; " + outcome.why(), dies, false));
    }

    /** What a BR, BLR or RET branched to, read back with TCB_ReadRegisters; empty for another word. */
    private OptionalLong branchTarget(Process p, long word) {
        return word >= 0 && (word & 0xFE1F_FC1FL) == 0xD61F_0000L ? registers.x(p, (int) (word >>> 5) & 31)
                : OptionalLong.empty();
    }

    /**
     * Where a misaligned branch went: the register a BR, BLR or RET names holds it (a smashed
     * return address such as 0x4141414141414141 is what a student needs to see); the fault IP is
     * the branch, so the target is read back with TCB_ReadRegisters.
     */
    private String misalignedTarget(Process p, long word) {
        if (word >= 0 && (word & 0xFE1F_FC1FL) == 0xD61F_0000L) {
            OptionalLong target = registers.x(p, (int) (word >>> 5) & 31);
            if (target.isPresent()) {
                return String.format("the misaligned address 0x%x", target.getAsLong());
            }
        }
        return "a misaligned address";
    }

    /** ": what it is", for a word of a family real cores have and the interpreter lacks (LSE, SVE, ...). */
    private static String family(long word) {
        String what = word < 0 ? null : org.capbuddy.aarch64.decode.Unimplemented.family((int) word);
        return what == null ? "" : ": " + what;
    }

    /** {@code msr fpcr, Xt} less its Rt: the one defined instruction the interpreter may refuse (a rounding mode). */
    private static final long MSR_FPCR = 0xD51B_4400L;
    private static final int SIGILL = 4;
    private static final int SIGTRAP = 5;
    private static final int SIGBUS = 7;
    private static final int SIGKILL = 9;
    private static final int SIGSEGV = 11;
    private static final int ILL_ILLOPC = 1;
    private static final int TRAP_BRKPT = 1;
    private static final int BUS_ADRALN = 1;
    private static final int SEGV_MAPERR = 1;
    private static final int SEGV_ACCERR = 2;

    private static String regionName(Process p, long address) {
        Region r = p.addressSpace().find(address);
        return r == null ? null : r.kind().label();
    }

    @Override
    public FaultReply onFault(long badge, VmFault fault) {
        return onFault(badge, fault.ip(), fault.address(), fault.prefetch(), fault.fsr());
    }

    /** The fault as its message words: a fault that is fixed builds nothing here. */
    @Override
    public FaultReply onFault(long badge, long ip, long addr, boolean prefetch, int fsr) {
        Process p = processes.get(badge);
        if (p == null || p.state() != ProcessState.RUNNING) {
            return FaultReply.noReply("no running process has badge " + badge);
        }
        Tracer tracer = processes.tracer();
        tracer.serve(p);
        try {
            return onFault(p, ip, addr, prefetch, fsr);
        } finally {
            tracer.endService();
        }
    }

    private FaultReply onFault(Process p, long ip, long addr, boolean prefetch, int fsr) {
        AccessKind access = VmFault.accessKind(prefetch, fsr);
        Region region = p.addressSpace().find(addr);
        long esr = fsr & 0xFFFF_FFFFL;
        if ((fsr & 0x3F) == VmFault.ALIGNMENT_STATUS) {
            // An exclusive or acquire/release access to a misaligned address: no mapping can fix
            // it (the page may well be mapped), so it must not reach the mapping below. Linux: SIGBUS.
            return signalOrKill(p, new KillReport(addr, access, region == null ? null : region.kind().label(),
                    "misaligned address for an exclusive or ordered access", SIGBUS, false),
                    new ProcessTraps.FaultSignal(SIGBUS, BUS_ADRALN, addr, esr, addr, ip));
        }
        if (VmFault.isPermissionFault(fsr) && access == AccessKind.WRITE) {
            // a store to a page sharing its frame copy-on-write (it gets its own, or its write right
            // back), or to a clean page SOS mapped read-only to see it: neither is the process's fault
            long page = Layout.pageDown(addr);
            Result<Void> unshared = pages.cowFault(p, page, region);
            FaultReply served = unshared != null
                    ? served(p, addr, region, unshared, "out of memory for a copy-on-write copy: ")
                    : served(p, addr, region, pages.dirtyFault(p, page, region),
                            "SOS could not map a clean page writable: ");
            if (served != null) {
                return served;
            }
        }
        String refusal = refusal(region, access, VmFault.isPermissionFault(fsr), addr);
        if (refusal != null) {
            // Linux: no mapping at all is SEGV_MAPERR; a mapping whose rights refuse, SEGV_ACCERR
            return signalOrKill(p, new KillReport(addr, access, region == null ? null : region.kind().label(), refusal),
                    new ProcessTraps.FaultSignal(SIGSEGV, region == null ? SEGV_MAPERR : SEGV_ACCERR, addr, esr, addr, ip));
        }
        Result<Void> mapped = pages.mapUnmapped(p, Layout.pageDown(addr), region, access == AccessKind.WRITE);
        if (!mapped.isOk()) {
            // as Linux's OOM killer ends a process: SIGKILL
            return kill(p, new KillReport(addr, access, region.kind().label(), "out of memory: " + mapped.error(),
                    SIGKILL, false));
        }
        handled++;
        p.faultsHandled++;
        Tracer tracer = processes.tracer();
        if (tracer.on(TraceKind.FAULTS)) {
            long page = Layout.pageDown(addr);
            int ref = p.shadow().frameRef(page);
            // the rights of the mapping made, not the region's: a clean page of a writable region lacks write
            CapRights rights = pages.mappedRights(p, page, region);
            tracer.emit(TraceKind.FAULTS, p.pid(), p.instructionsNow(), "page_mapped", "page", page, "region",
                    region.kind().label(), "rights", (rights.canRead() ? "r" : "-") + (rights.canWrite() ? "w" : "-")
                            + (region.execute() ? "x" : "-"), "frame", ref == FrameTable.NULL_FRAME ? -1 : ref);
        }
        return FaultReply.RESUME;
    }

    /**
     * The reply to a store's permission fault SOS served itself ({@code result}; null when it was
     * not one it serves): resumed, counted as handled, or killed, as Linux's OOM killer ends a
     * process, with {@code why} and the error when SOS could not make the page writable.
     */
    private FaultReply served(Process p, long addr, Region region, Result<Void> result, String why) {
        if (result == null) {
            return null;
        }
        if (!result.isOk()) {
            return kill(p, new KillReport(addr, AccessKind.WRITE, region.kind().label(), why + result.error(), SIGKILL,
                    false));
        }
        handled++;
        p.faultsHandled++;
        return FaultReply.RESUME;
    }

    /** Why SOS refuses this access, or null if it does not. */
    private static String refusal(Region region, AccessKind access, boolean permissionFault, long addr) {
        if (region == null) {
            return Layout.pageDown(addr) == Layout.GUARD_PAGE ? "stack overflow into the guard page"
                    : "no region at this address";
        }
        if (!region.read() && !region.write() && !region.execute()) {
            // PROT_NONE: a page never touched (a translation fault) and one whose bytes are kept
            // behind a kernel-only mapping (a permission fault) are refused alike, as Linux does
            return "no access to a PROT_NONE " + region.kind().label() + " region";
        }
        if (permissionFault) {
            return "the mapping's rights refuse " + (access == AccessKind.EXECUTE ? "an " : "a ") + access.name().toLowerCase();
        }
        return switch (access) {
            case READ -> region.read() ? null : "region is not readable";
            case WRITE -> region.write() ? null : "write to a read-only " + region.kind().label() + " region";
            case EXECUTE -> region.execute() ? null : "execute in a non-executable " + region.kind().label()
                    + " region";
        };
    }

    /** Kills the process and does not reply: the faulting access ends with the kill report as its reason. */
    private FaultReply kill(Process p, KillReport report) {
        kills++;
        killer.kill(p, report);
        return FaultReply.noReply(report.toString());
    }

    public long faultsHandled() {
        return handled;
    }

    public long kills() {
        return kills;
    }

    /** Faults whose signal ran a handler of the process's instead of killing it. */
    public long faultsSignalled() {
        return signalled;
    }
}
