package org.capbuddy.sos.process;

import java.util.Optional;
import org.capbuddy.kernel.cpu.UserCpu;
import org.capbuddy.kernel.trace.Tracer;
import org.capbuddy.libos.vka.VkaObject;
import org.capbuddy.sos.addrspace.AddressSpace;
import org.capbuddy.sos.shadow.ShadowPageTable;

/**
 * A user process: its TCB, its CSpace (a small CNode holding its badged fault endpoint), its
 * VSpace with an ASID, its regions, SOS's shadow of its page tables, and the processor view that
 * runs it, and the program it was started from, if any.
 */
public final class Process implements Tracer.Subject {
    private final int pid;
    final VkaObject tcb;
    final VkaObject cnode;
    final VkaObject vspace;
    private final AddressSpace addressSpace;
    private final ShadowPageTable shadow = new ShadowPageTable();
    private final UserCpu cpu;
    private final ProgramStart program;
    private ProcessState state = ProcessState.RUNNING;
    private KillReport killReport;
    private long exitCode;
    long faultsHandled;
    /** Pages SOS mapped while copying for a system call (Linux counts the fault a copy takes as the process's). */
    long pagesMappedForCalls;
    /** The most pages the process has had mapped at once. */
    int peakPages;

    Process(int pid, VkaObject tcb, VkaObject cnode, VkaObject vspace, AddressSpace addressSpace, UserCpu cpu,
            ProgramStart program) {
        this.pid = pid;
        this.tcb = tcb;
        this.cnode = cnode;
        this.vspace = vspace;
        this.addressSpace = addressSpace;
        this.cpu = cpu;
        this.program = program;
    }

    @Override
    public int pid() {
        return pid;
    }

    public AddressSpace addressSpace() {
        return addressSpace;
    }

    public ShadowPageTable shadow() {
        return shadow;
    }

    public UserCpu cpu() {
        return cpu;
    }

    /** The program the process runs and how it started; empty for a process made without one. */
    public Optional<ProgramStart> program() {
        return Optional.ofNullable(program);
    }

    /**
     * The instruction count a trace event about this process carries now: during a fault on a
     * memory access, the instructions retired before the faulting one; otherwise those retired so
     * far; -1 for a process that runs no program (Java code drives it, no instructions retire).
     */
    @Override
    public long instructionsNow() {
        if (program == null) {
            return -1;
        }
        return cpu.instructionsNow();
    }

    public ProcessState state() {
        return state;
    }

    public KillReport killReport() {
        return killReport;
    }

    public long exitCode() {
        return exitCode;
    }

    public long faultsHandled() {
        return faultsHandled;
    }

    /**
     * The page faults SOS served for the process, as getrusage's ru_minflt counts them: those the
     * fault handler mapped a page for, and the pages a system call mapped when it copied to or
     * from memory the process had not touched (Linux counts a fault its copy takes as the
     * process's). Every one is minor: there is no swap to read a page back from.
     */
    public long minorFaults() {
        return faultsHandled + pagesMappedForCalls;
    }

    /** The pages mapped for the process now: its resident set, as mincore reads it. */
    public int residentPages() {
        return shadow.pageCount();
    }

    /** The most pages the process has had mapped at once (getrusage's ru_maxrss, in pages). */
    public int peakResidentPages() {
        return peakPages;
    }

    public long vspaceCptr() {
        return vspace.cptr();
    }

    public long tcbCptr() {
        return tcb.cptr();
    }

    /** SOS's objects for this process (its TCB, VSpace and CNode), for teardown. */
    public VkaObject tcbObject() {
        return tcb;
    }

    public VkaObject vspaceObject() {
        return vspace;
    }

    public VkaObject cnodeObject() {
        return cnode;
    }

    // State changes are SOS's alone, through its process table (Processes).

    void markKilled(KillReport report) {
        state = ProcessState.KILLED;
        killReport = report;
    }

    void markExited(long code) {
        state = ProcessState.EXITED;
        exitCode = code;
    }

    void markDestroyed() {
        state = ProcessState.DESTROYED;
    }
}
