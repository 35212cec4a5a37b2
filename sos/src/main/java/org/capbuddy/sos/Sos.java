package org.capbuddy.sos;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.capbuddy.kernel.Sel4;
import org.capbuddy.kernel.cpu.UserCpu;
import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.libos.vka.AllocError;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.CSpacePath;
import org.capbuddy.libos.vka.CapOps;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.libos.vka.Vka;
import org.capbuddy.libos.vka.VkaObject;
import org.capbuddy.libos.vka.VkaObjects;
import org.capbuddy.sos.addrspace.AddressSpace;
import org.capbuddy.sos.frametable.FrameTable;
import org.capbuddy.sos.process.FaultHandler;
import org.capbuddy.sos.process.KillReport;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.process.ProcessPages;
import org.capbuddy.sos.process.ProcessState;

/**
 * SOS, the VM manager running as the root task: a frame table over the vka, processes with
 * their own CSpace, VSpace and regions, memory mapped on demand by its fault handler, and the
 * memory syscalls (brk, mmap, munmap, write, exit). It talks to the kernel only through
 * invocations.
 */
public final class Sos {
    /** Radix of each process's CNode: slot 1 holds its badged fault endpoint. */
    private static final int PROCESS_CNODE_BITS = 2;
    private static final long FAULT_EP_SLOT = 1;

    private final Vka vka;
    private final Sel4 sel4;
    private final long asidPool;
    private final FrameTable frames;
    private final ProcessPages pages;
    private final Map<Integer, Process> processes = new HashMap<>();
    private final FaultHandler faults;
    private final StringBuilder console = new StringBuilder();
    private final VkaObject endpoint;
    private int nextPid = 1;

    private Sos(Vka vka, long asidPool, FrameTable frames, VkaObject endpoint) {
        this.vka = vka;
        this.sel4 = vka.sel4();
        this.asidPool = asidPool;
        this.frames = frames;
        this.pages = new ProcessPages(vka, frames);
        this.endpoint = endpoint;
        this.faults = new FaultHandler(processes, pages, this::kill);
    }

    /**
     * Starts SOS in the root task.
     *
     * @param vka where every frame and object comes from (the CapBuddy pool's vka to use it)
     * @param sosTcb, sosVSpace, asidPool the root task's own TCB, VSpace and ASID pool cptrs
     * @param frameLimit the frame table's limit
     */
    public static Result<Sos> start(Vka vka, long sosTcb, long sosVSpace, long asidPool, int frameLimit) {
        if (vka == null) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "SOS needs a vka");
        }
        UserCpu sosCpu = vka.sel4().cpu(sosTcb).orElse(null);
        if (sosCpu == null) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "cptr " + sosTcb + " is not SOS's TCB");
        }
        Result<FrameTable> table = FrameTable.create(vka, sosVSpace, sosCpu, frameLimit);
        if (!table.isOk()) {
            return table.asFailure();
        }
        Result<VkaObject> ep = VkaObjects.allocEndpoint(vka);
        if (!ep.isOk()) {
            return ep.asFailure();
        }
        Sos sos = new Sos(vka, asidPool, table.value(), ep.value());
        InvocationResult bound = vka.sel4().bindFaultReceiver(ep.value().cptr(), sos.faults);
        if (!bound.isOk()) {
            VkaObjects.free(vka, ep.value());
            return Result.fail(AllocError.kernel("binding SOS's fault endpoint", bound));
        }
        return Result.ok(sos);
    }

    /** Creates and starts a process with the standard layout and the given code and data sizes. */
    public Result<Process> createProcess(long codeBytes, long dataBytes) {
        Result<AddressSpace> as = AddressSpace.standard(codeBytes, dataBytes);
        if (!as.isOk()) {
            return as.asFailure();
        }
        List<VkaObject> made = new ArrayList<>();
        int pid = nextPid;
        Result<VkaObject> cnode = keep(made, VkaObjects.allocCNode(vka, PROCESS_CNODE_BITS));
        Result<VkaObject> vspace = cnode.isOk() ? keep(made, VkaObjects.allocVSpace(vka)) : cnode;
        Result<VkaObject> tcb = vspace.isOk() ? keep(made, VkaObjects.allocTcb(vka)) : vspace;
        if (!tcb.isOk()) {
            return undo(made, tcb.error());
        }
        CSpacePath slot = new CSpacePath(cnode.value().cptr(), FAULT_EP_SLOT, PROCESS_CNODE_BITS, 0, 0, FAULT_EP_SLOT, 1);
        Result<Void> minted = CapOps.mint(sel4, slot, vka.cspaceMakePath(endpoint.cptr()), CapRights.ALL, pid);
        if (!minted.isOk()) {
            return undo(made, minted.error());
        }
        InvocationResult asid = sel4.asidPoolAssign(asidPool, vspace.value().cptr());
        if (!asid.isOk()) {
            return undo(made, AllocError.kernel("ASIDPool_Assign", asid));
        }
        long guard = 64 - PROCESS_CNODE_BITS;
        InvocationResult space = sel4.tcbSetSpace(tcb.value().cptr(), FAULT_EP_SLOT, cnode.value().cptr(), guard,
                vspace.value().cptr(), 0);
        if (!space.isOk()) {
            return undo(made, AllocError.kernel("TCB_SetSpace", space));
        }
        sel4.tcbResume(tcb.value().cptr());
        UserCpu cpu = sel4.cpu(tcb.value().cptr()).orElseThrow();
        Process p = new Process(pid, tcb.value(), cnode.value(), vspace.value(), as.value(), cpu);
        processes.put(pid, p);
        nextPid++;
        return Result.ok(p);
    }

    private static Result<VkaObject> keep(List<VkaObject> made, Result<VkaObject> r) {
        if (r.isOk()) {
            made.add(r.value());
        }
        return r;
    }

    private Result<Process> undo(List<VkaObject> made, AllocError why) {
        for (int i = made.size() - 1; i >= 0; i--) {
            VkaObjects.free(vka, made.get(i));
        }
        return Result.fail(why);
    }

    /** Tears a process down: its thread stops, every page, table, cap and slot goes back. */
    public Result<Void> destroy(Process p) {
        if (p == null || p.state() == ProcessState.DESTROYED || processes.get(p.pid()) != p) {
            return Result.fail(AllocErrorKind.NOT_ALLOCATED, "no such live process");
        }
        sel4.tcbSuspend(p.tcbCptr());
        pages.tearDown(p);
        Result<Void> tcb = VkaObjects.free(vka, p.tcbObject());
        Result<Void> vspace = VkaObjects.free(vka, p.vspaceObject());
        Result<Void> cnode = VkaObjects.free(vka, p.cnodeObject());
        processes.remove(p.pid());
        p.markDestroyed();
        return !tcb.isOk() ? tcb : !vspace.isOk() ? vspace : cnode;
    }

    private void kill(Process p, KillReport report) {
        p.markKilled(report);
        sel4.tcbSuspend(p.tcbCptr());
        console.append("[sos] process ").append(p.pid()).append(' ').append(report).append('\n');
    }

    /** The system calls a process makes. */
    public Syscalls syscalls(Process p) {
        return new Syscalls(this, p, pages);
    }

    void exit(Process p, long code) {
        p.markExited(code);
        sel4.tcbSuspend(p.tcbCptr());
    }

    void consoleWrite(String text) {
        console.append(text);
    }

    /** Everything written to the console (writes and kill reports) since it was last taken. */
    public String console() {
        return console.toString();
    }

    /**
     * Returns the console's text and empties it, as a terminal draining a serial line would: a
     * long-running SOS must not keep every byte ever written.
     */
    public String takeConsole() {
        if (console.length() == 0) {
            return "";
        }
        String text = console.toString();
        console.setLength(0);
        return text;
    }

    public FrameTable frameTable() {
        return frames;
    }

    public ProcessPages pages() {
        return pages;
    }

    public FaultHandler faultHandler() {
        return faults;
    }

    public int liveProcesses() {
        return processes.size();
    }

    /** Gives back SOS's own objects (its endpoint and the frame window's tables); only with no process left. */
    public Result<Void> shutdown() {
        if (!processes.isEmpty()) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, processes.size() + " processes are still alive");
        }
        Result<Void> window = frames.releaseWindowTables();
        Result<Void> ep = VkaObjects.free(vka, endpoint);
        return !window.isOk() ? window : ep;
    }
}
