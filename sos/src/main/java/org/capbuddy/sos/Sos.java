package org.capbuddy.sos;

import java.util.List;
import java.util.OptionalLong;
import java.util.function.UnaryOperator;
import org.capbuddy.kernel.Sel4;
import org.capbuddy.kernel.trace.Tracer;
import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.cpu.ThreadRunner;
import org.capbuddy.kernel.cpu.UserContextLayout;
import org.capbuddy.kernel.cpu.UserCpu;
import org.capbuddy.kernel.host.AssuredHeadroom;
import org.capbuddy.kernel.host.MachineGuard;
import org.capbuddy.libos.vka.AllocError;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.CSpacePath;
import org.capbuddy.libos.vka.CapOps;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.libos.vka.Undo;
import org.capbuddy.libos.vka.Vka;
import org.capbuddy.libos.vka.VkaObject;
import org.capbuddy.libos.vka.VkaObjects;
import org.capbuddy.sos.addrspace.AddressSpace;
import org.capbuddy.sos.exec.LoadPlan;
import org.capbuddy.sos.exec.ProgramLoader;
import org.capbuddy.sos.exec.StackImage;
import org.capbuddy.sos.frametable.FrameTable;
import org.capbuddy.sos.frametable.FrameTableDump;
import org.capbuddy.sos.linux.LinuxSyscalls;
import org.capbuddy.sos.process.AsidPools;
import org.capbuddy.sos.process.FaultHandler;
import org.capbuddy.sos.process.ForkMode;
import org.capbuddy.sos.process.KillReport;
import org.capbuddy.kernel.api.CdtDump;
import org.capbuddy.kernel.api.PagingWalk;
import org.capbuddy.libos.capbuddy.CapBuddyVka;
import org.capbuddy.libos.capbuddy.PoolDump;
import org.capbuddy.sos.inspect.ProcessDump;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.process.ProcessPages;
import org.capbuddy.sos.process.UserPage;
import org.capbuddy.sos.paging.PageFile;
import org.capbuddy.sos.paging.PolicyRegistry;
import org.capbuddy.sos.paging.ReplacementPolicy;
import org.capbuddy.sos.process.ProcessState;
import org.capbuddy.sos.process.ProgramStart;
import org.capbuddy.sos.process.Processes;

/**
 * SOS, the VM manager running as the root task: a frame table over the vka, processes with
 * their own CSpace, VSpace and regions (started from static ELF programs, or with plain code and
 * data sizes), memory mapped on demand by its fault handler, and the memory syscalls (brk, mmap,
 * munmap, write, exit). It talks to the kernel only through invocations.
 *
 * <p>Creating a process, and handling a fault that maps a page, either complete or leave
 * everything as before, also when a throwable cuts them short. Tearing down cannot be undone: a
 * throwable in the middle of it marks the machine broken (see {@link MachineGuard}).
 */
public final class Sos {
    /**
     * Probe frames between a driver's scope and SOS's work when the driver calls a process's
     * {@link org.capbuddy.sos.user.UserContext} accesses and system calls itself, from the method
     * that opened the scope or a few helpers below it (about 2 KiB of compiled frames).
     */
    public static final int DIRECT_DRIVER_FRAMES = 16;

    /** Radix of each process's CNode: slot 1 holds its badged fault endpoint. */
    private static final int PROCESS_CNODE_BITS = 2;
    private static final long FAULT_EP_SLOT = 1;

    private final Vka vka;
    private final Sel4 sel4;
    private final MachineGuard guard;
    private final AsidPools asids;
    private final FrameTable frames;
    private final ProcessPages pages;
    private final Processes processes;
    private final FaultHandler faults;
    private final LinuxSyscalls linux;
    private final StringBuilder console = new StringBuilder();
    /** The console's last write did not end its line: a kill notice then starts a line of its own. */
    private boolean consoleMidLine;
    private final VkaObject endpoint;
    /** How a fork gives its child the parent's pages: shared copy-on-write unless SOS pages. */
    private ForkMode forkMode;

    private Sos(Vka vka, AsidPools asids, FrameTable frames, VkaObject endpoint, ProcessPages pages) {
        this.vka = vka;
        this.sel4 = vka.sel4();
        this.guard = sel4.guard();
        this.processes = new Processes(sel4.tracer());
        this.asids = asids;
        this.frames = frames;
        this.pages = pages;
        this.endpoint = endpoint;
        this.forkMode = pages.paging() ? ForkMode.COPY : ForkMode.COW;
        this.faults = new FaultHandler(processes, pages, this::kill, this::register);
        this.linux = new LinuxSyscalls(sel4, this::syscalls);
        faults.setTraps(linux);
    }

    /**
     * Starts SOS in the root task.
     *
     * @param vka where every frame and object comes from (the CapBuddy pool's vka to use it)
     * @param sosTcb the root task's TCB cptr (SOS's own thread, whose CPU zeroes frames)
     * @param sosVSpace the root task's VSpace cptr, where the frame window is mapped
     * @param asidControl the ASID control cptr, for new ASID pools
     * @param asidPool the root task's initial ASID pool cptr
     * @param frameRefBits the width of the frame table's references: 1 .. {@link FrameTable#MAX_REF_BITS}
     * @param frameLimit the frame table's limit: 1 .. {@link FrameTable#maxFrames}(frameRefBits)
     */
    public static Result<Sos> start(Vka vka, long sosTcb, long sosVSpace, long asidControl, long asidPool,
                                    int frameRefBits, int frameLimit) {
        return start(vka, sosTcb, sosVSpace, asidControl, asidPool, frameRefBits, frameLimit, 0,
                PolicyRegistry.defaultName());
    }

    /**
     * Starts SOS in the root task, paging user memory to a page file of {@code pageFilePages}
     * slots by the policy named {@code pagingPolicy} when its frame table is full (0 pages: no
     * paging). The other parameters are {@link #start(Vka, long, long, long, long, int, int)}'s.
     */
    public static Result<Sos> start(Vka vka, long sosTcb, long sosVSpace, long asidControl, long asidPool,
                                    int frameRefBits, int frameLimit, int pageFilePages, String pagingPolicy) {
        if (vka == null) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "SOS needs a vka");
        }
        vka.sel4().guard().check();
        UserCpu sosCpu = vka.sel4().cpu(sosTcb).orElse(null);
        if (sosCpu == null) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "cptr " + sosTcb + " is not SOS's TCB");
        }
        Result<FrameTable> table = FrameTable.create(vka, sosVSpace, sosCpu, frameRefBits, frameLimit);
        if (!table.isOk()) {
            return table.asFailure();
        }
        Result<Void> pages = PageFile.check(pageFilePages);
        Result<Void> paging = pages.isOk() ? PolicyRegistry.check(pagingPolicy) : pages;
        if (!paging.isOk()) {
            return paging.asFailure();
        }
        ProcessPages processPages;
        if (pageFilePages == 0) {
            processPages = new ProcessPages(vka, table.value());
        } else {
            Result<PageFile> pageFile = PageFile.of(pageFilePages);
            ReplacementPolicy<UserPage> policy = PolicyRegistry.<UserPage>create(pagingPolicy).orElse(null);
            Result<ProcessPages> paged = pageFile.isOk()
                    ? ProcessPages.withPaging(vka, table.value(), pageFile.value(), policy) : pageFile.asFailure();
            if (!paged.isOk()) {
                return paged.asFailure();
            }
            processPages = paged.value();
        }
        try (Undo undo = Undo.begin(vka.sel4().guard(), "starting SOS")) {
            Result<VkaObject> ep = VkaObjects.allocEndpoint(vka);
            if (!ep.isOk()) {
                return ep.asFailure();
            }
            undo.push(() -> VkaObjects.free(vka, ep.value()));
            Sos sos = new Sos(vka, new AsidPools(vka, asidControl, asidPool), table.value(), ep.value(), processPages);
            InvocationResult bound = vka.sel4().bindFaultReceiver(ep.value().cptr(), sos.faults);
            if (!bound.isOk()) {
                return Result.fail(AllocError.kernel("binding SOS's fault endpoint", bound));
            }
            undo.commit();
            return Result.ok(sos);
        }
    }

    /**
     * Creates and starts a process with the standard layout and the given code and data sizes:
     * a CNode holding its badged fault endpoint, a VSpace with an ASID, a TCB. Every step is undone
     * if a later one fails or throws, and a failed creation uses up no pid.
     */
    public Result<Process> createProcess(long codeBytes, long dataBytes) {
        guard.check();
        Result<AddressSpace> as = AddressSpace.standard(codeBytes, dataBytes);
        if (!as.isOk()) {
            return as.asFailure();
        }
        return create(as.value(), null);
    }

    /**
     * Creates and starts a process running a static AArch64 program (ELF64, {@code ET_EXEC} or a
     * static-PIE), as Linux's {@code execve} would start it: the segments placed where the program
     * was linked (a static-PIE at {@link ProgramLoader#STATIC_PIE_BASE}), their pages filled from
     * {@code elfFile} only as they are first touched, the initial stack (argc, argv, envp and the
     * auxiliary vector) written into the new process through its own view of memory, and its
     * thread's pc and sp set to the entry point and that stack by {@code TCB_WriteRegisters}.
     *
     * <p>A program that cannot run (refused by the ELF parser, dynamically linked, not fitting the
     * address space, absurd arguments) is refused with a {@link AllocErrorKind#BAD_ARGUMENT} before
     * anything is made. A failure after the process exists (no memory for its stack) destroys it
     * again, so nothing is left behind; its pid stays used, as its fault handler may have reported
     * it.
     *
     * @param elfFile the program file, kept (not copied) while the process runs: the caller must not change it
     * @param argv the arguments, the program's name first (also {@code AT_EXECFN})
     * @param envp the environment
     * @param seed what the 16 {@code AT_RANDOM} bytes are made from, so that a run can be repeated
     */
    public Result<Process> spawn(byte[] elfFile, List<String> argv, List<String> envp, long seed) {
        guard.check();
        Result<Placed> placed = place(ProgramLoader.plan(elfFile, argv, envp, seed), processes.nextPid(), false);
        if (!placed.isOk()) {
            return placed.asFailure();
        }
        LoadPlan plan = placed.value().plan();
        StackImage stack = plan.stack();
        Process p = placed.value().process();
        sel4.tracer().serve(p);
        try (Undo undo = Undo.begin(guard, "starting process", p.pid())) {
            undo.push(() -> destroy(p));
            // Through the process's own view, as a syscall reaches user memory: the stack's pages
            // are faulted in by SOS's fault handler like any first touch.
            if (p.cpu().copyOut(stack.sp(), stack.bytes(), 0, stack.bytes().length) != stack.bytes().length) {
                return Result.fail(AllocErrorKind.OUT_OF_MEMORY, "writing the initial stack of process " + p.pid()
                        + ": " + p.cpu().failure());
            }
            InvocationResult registers = sel4.tcbWriteRegisters(p.tcbCptr(), false, plan.registers());
            if (!registers.isOk()) {
                return Result.fail(AllocError.kernel("TCB_WriteRegisters", registers));
            }
            undo.commit();
            return Result.ok(p);
        } finally {
            sel4.tracer().endService();
        }
    }

    /**
     * Makes a copy of {@code parent}, as Linux's fork does: a new process with its own TCB, CNode,
     * VSpace and ASID (made as every process is), a copy of the parent's regions, break and mmap
     * place, every page the parent has given to the child as {@link #forkMode} says: shared
     * copy-on-write by {@link ProcessPages#share} (each resident frame mapped in both, without
     * write until a store copies it), or copied at once by {@link ProcessPages#copyPages}
     * (resident pages into frames of the child's own; with paging, paged-out pages into slots of
     * its own), the same program (so the child's untouched image
     * pages fault in from the image as the parent's would), and the parent thread's registers, read
     * with {@code TCB_ReadRegisters} and written to the child's with {@code TCB_WriteRegisters}.
     * The caller sets what differs (the Linux layer: x0, the return value, in each).
     *
     * <p>All or nothing: a failure at any step destroys the child again, which gives back every
     * object, frame, slot and page-file slot it had, and the parent's memory and registers are as
     * they were. Its pid stays used, as its creation's trace names it. Refused for a process that
     * is not live and running.
     */
    public Result<Process> fork(Process parent) {
        return fork(parent, UnaryOperator.identity());
    }

    /**
     * As {@link #fork(Process)}, the child's registers those {@code childRegisters} makes of the
     * parent's (the Linux layer's: the pc past the svc, x0 = 0), written before the pages are
     * given: the share, which write-protects the parent's pages, is the last step that can fail,
     * and is all or nothing itself, so a failed fork leaves the parent's pages writable as they were.
     */
    public Result<Process> fork(Process parent, UnaryOperator<long[]> childRegisters) {
        guard.check();
        if (childRegisters == null) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "no function for the child's registers");
        }
        if (parent == null || !processes.isLive(parent) || parent.state() != ProcessState.RUNNING) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "only a live, running process can fork");
        }
        InvocationResult read = sel4.tcbReadRegisters(parent.tcbCptr(), false, UserContextLayout.REGISTERS);
        if (!read.isOk()) {
            return Result.fail(AllocError.kernel("TCB_ReadRegisters", read));
        }
        long[] registers = new long[UserContextLayout.REGISTERS];
        for (int i = 0; i < registers.length; i++) {
            registers[i] = read.mr(i);
        }
        Result<Process> created = create(parent.addressSpace().copy(), parent.program().orElse(null));
        if (!created.isOk()) {
            return created;
        }
        Process child = created.value();
        sel4.tracer().serve(child);
        try (Undo undo = Undo.begin(guard, "forking process", parent.pid())) {
            undo.push(() -> destroy(child));
            // the child's regions name its parent's shared objects: it keeps them alive too (its
            // destroy, should the fork fail, lets go of them again)
            pages.attachShared(child);
            // the registers first: the pages (a share write-protects the parent's) are the last step that can fail
            InvocationResult written = sel4.tcbWriteRegisters(child.tcbCptr(), false, childRegisters.apply(registers.clone()));
            if (!written.isOk()) {
                return Result.fail(AllocError.kernel("TCB_WriteRegisters", written));
            }
            Result<?> copied = forkMode == ForkMode.COW ? pages.share(parent, child) : pages.copyPages(parent, child);
            if (!copied.isOk()) {
                return copied.asFailure();
            }
            undo.commit();
            return created;
        } finally {
            sel4.tracer().endService();
        }
    }

    /**
     * Runs another program in {@code old}'s place, as Linux's execve does: the pid stays, the rest
     * is new. The image is built first, beside the old process, in objects of its own (a TCB,
     * CNode, VSpace and ASID made as every process's, its badge the same pid), from the same
     * {@link ProgramLoader} plan and {@link org.capbuddy.sos.exec.InitialStack} a spawn uses (the
     * stack written through SOS's window, the registers a new program starts with): a failure up
     * to there (a program the loader refuses, no memory) gives back everything it made and leaves
     * {@code old} exactly as it was. Then the point of no return: the process table names the new
     * image under the pid, and {@code old} is torn down as {@link #destroy} tears a process down
     * (every page, its share of copy-on-write frames and shared objects, its tables, its TCB with
     * its interpreter and whatever that had cached, its CNode, VSpace and ASID), which only gives
     * back and cannot fail for want of memory. The caller (the Linux layer) keeps what Linux
     * keeps across an exec.
     *
     * @param old the live process whose system call asked for it
     * @param elfFile the program, kept (not copied) while the process runs
     * @param argv the arguments, at least one, as bytes (the program sees exactly these)
     * @param envp the environment, as bytes
     * @param execFn the path as the caller passed it: {@code AT_EXECFN}
     * @param seed what the 16 {@code AT_RANDOM} bytes are made from
     * @return the new image's process, or why none was made ({@link AllocErrorKind#BAD_ARGUMENT}
     *     for a program the loader refuses, {@link AllocErrorKind#OUT_OF_MEMORY} and the kernel's
     *     for the rest)
     */
    public Result<Process> exec(Process old, byte[] elfFile, List<byte[]> argv, List<byte[]> envp, byte[] execFn,
            long seed) {
        guard.check();
        if (!processes.isLive(old)) {
            return Result.fail(AllocErrorKind.NOT_ALLOCATED, "no such live process");
        }
        Result<Placed> placed = place(ProgramLoader.plan(elfFile, argv, envp, execFn, seed), old.pid(), true);
        if (!placed.isOk()) {
            return placed.asFailure();
        }
        LoadPlan plan = placed.value().plan();
        StackImage stack = plan.stack();
        Process image = placed.value().process();
        sel4.tracer().serve(image);
        try (Undo undo = Undo.begin(guard, "executing a program", old.pid())) {
            undo.push(() -> discard(image));
            // through SOS's window: the image's thread has not run, and its faults would reach the
            // old process, which holds the pid's badge until the swap
            int length = stack.bytes().length;
            if (pages.copy(image, stack.sp(), stack.bytes(), 0, length, true) != length) {
                return Result.fail(AllocErrorKind.OUT_OF_MEMORY, "writing the initial stack of the new image of process "
                        + old.pid());
            }
            InvocationResult registers = sel4.tcbWriteRegisters(image.tcbCptr(), false, plan.registers());
            if (!registers.isOk()) {
                return Result.fail(AllocError.kernel("TCB_WriteRegisters", registers));
            }
            undo.commit();
        } finally {
            sel4.tracer().endService();
        }
        // the table's name for the image is for reports only: the program got the bytes themselves
        Result<Void> retired = retire(old, image, new String(execFn, java.nio.charset.StandardCharsets.UTF_8));
        return retired.isOk() ? Result.ok(image) : retired.asFailure();
    }

    /** A program's load plan and the process made around it, not started yet: what spawn and exec share. */
    private record Placed(LoadPlan plan, Process process) {
    }

    /**
     * The process {@code planned} describes, made under {@code pid} ({@code staged}: an execve's
     * new image, not yet in the table), its stack and registers still to write; or why not (the
     * loader's refusal, or the creation's failure, which leaves nothing behind).
     */
    private Result<Placed> place(Result<LoadPlan> planned, int pid, boolean staged) {
        if (!planned.isOk()) {
            return planned.asFailure();
        }
        LoadPlan plan = planned.value();
        Result<Process> created = create(plan.addressSpace(),
                new ProgramStart(plan.image(), plan.bias(), plan.entry(), plan.stack().sp()), pid, staged);
        return created.isOk() ? Result.ok(new Placed(plan, created.value())) : created.asFailure();
    }

    /** Gives back everything of an execve's image that never ran: it was not in the table. */
    private Result<Void> discard(Process image) {
        Result<Void> freed = release(image);
        processes.discard(image);
        return freed;
    }

    /**
     * The point of no return of {@link #exec}: {@code image} takes the pid, {@code old} is torn
     * down. A free that fails there (an object the allocator does not know: SOS's own books wrong)
     * cannot be undone, so it marks the machine broken as a throwable would, and is returned.
     */
    private Result<Void> retire(Process old, Process image, String path) {
        sel4.tracer().serve(old);
        try {
            Result<Void> freed = release(old);
            processes.replace(old, image, path);
            if (!freed.isOk()) {
                guard.markBroken("tearing down the old image of process " + old.pid(),
                        new IllegalStateException(freed.error().toString()));
            }
            return freed;
        } catch (Throwable t) {
            guard.markBroken("tearing down the old image of process " + old.pid(), t);
            throw t;
        } finally {
            sel4.tracer().endService();
        }
    }

    /**
     * What every teardown of a process's objects does: its thread stopped, its pages and tables
     * given back, its TCB, VSpace (its ASID with it) and CNode freed. Only gives back; the first
     * free that failed is returned, after the others were tried.
     */
    private Result<Void> release(Process p) {
        sel4.tcbSuspend(p.tcbCptr());
        pages.tearDown(p);
        Result<Void> tcb = VkaObjects.free(vka, p.tcbObject());
        Result<Void> vspace = VkaObjects.free(vka, p.vspaceObject());
        Result<Void> cnode = VkaObjects.free(vka, p.cnodeObject());
        asids.released();
        return !tcb.isOk() ? tcb : !vspace.isOk() ? vspace : cnode;
    }

    /**
     * Makes the process's objects around {@code as}: a CNode holding its badged fault endpoint, a
     * VSpace with an ASID, a TCB, resumed. Every step is undone if a later one fails or throws,
     * and a failed creation uses up no pid.
     */
    private Result<Process> create(AddressSpace as, ProgramStart program) {
        return create(as, program, processes.nextPid(), false);
    }

    /** {@link #create(AddressSpace, ProgramStart)} under {@code pid}; {@code staged}: an execve's new image, not yet in the table. */
    private Result<Process> create(AddressSpace as, ProgramStart program, int pid, boolean staged) {
        // the invocations that make it are the new process's, in a trace of it
        sel4.tracer().serve(new Tracer.Pid(pid));
        try {
            return createServed(as, program, pid, staged);
        } finally {
            sel4.tracer().endService();
        }
    }

    private Result<Process> createServed(AddressSpace as, ProgramStart program, int pid, boolean staged) {
        try (Undo undo = Undo.begin(guard, "creating process", pid)) {
            Result<VkaObject> cnode = VkaObjects.allocCNode(vka, PROCESS_CNODE_BITS);
            if (!cnode.isOk()) {
                return cnode.asFailure();
            }
            undo.push(() -> VkaObjects.free(vka, cnode.value()));
            Result<VkaObject> vspace = VkaObjects.allocVSpace(vka);
            if (!vspace.isOk()) {
                return vspace.asFailure();
            }
            // Deleting the VSpace also gives its ASID back.
            undo.push(() -> {
                Result<Void> freed = VkaObjects.free(vka, vspace.value());
                asids.released();
                return freed;
            });
            Result<VkaObject> tcb = VkaObjects.allocTcb(vka);
            if (!tcb.isOk()) {
                return tcb.asFailure();
            }
            undo.push(() -> VkaObjects.free(vka, tcb.value()));
            CSpacePath slot = new CSpacePath(cnode.value().cptr(), FAULT_EP_SLOT, PROCESS_CNODE_BITS, 0, 0,
                    FAULT_EP_SLOT, 1);
            Result<Void> minted = CapOps.mint(sel4, slot, vka.cspaceMakePath(endpoint.cptr()), CapRights.ALL, pid);
            if (!minted.isOk()) {
                return minted.asFailure();
            }
            undo.push(() -> CapOps.delete(sel4, slot));
            Result<Void> asid = asids.assign(vspace.value().cptr());
            if (!asid.isOk()) {
                return asid.asFailure();
            }
            long guardBits = 64 - PROCESS_CNODE_BITS;
            InvocationResult space = sel4.tcbSetSpace(tcb.value().cptr(), FAULT_EP_SLOT, cnode.value().cptr(),
                    guardBits, vspace.value().cptr(), 0);
            if (!space.isOk()) {
                return Result.fail(AllocError.kernel("TCB_SetSpace", space));
            }
            InvocationResult resumed = sel4.tcbResume(tcb.value().cptr());
            if (!resumed.isOk()) {
                return Result.fail(AllocError.kernel("TCB_Resume", resumed));
            }
            UserCpu cpu = sel4.cpu(tcb.value().cptr()).orElse(null);
            if (cpu == null) {
                return Result.fail(AllocErrorKind.KERNEL, "the new TCB's cptr " + tcb.value().cptr() + " names no TCB");
            }
            Process p = staged ? processes.stage(pid, tcb.value(), cnode.value(), vspace.value(), as, cpu, program)
                    : processes.add(tcb.value(), cnode.value(), vspace.value(), as, cpu, program);
            undo.commit();
            return Result.ok(p);
        }
    }

    /**
     * Tears a process down: its thread stops, every page, table, cap and slot goes back. Teardown
     * only gives back, so it cannot fail for want of memory; a throwable in the middle of it leaves
     * the process half torn down, which marks the machine broken.
     */
    public Result<Void> destroy(Process p) {
        guard.check();
        if (p == null || p.state() == ProcessState.DESTROYED || !processes.isLive(p)) {
            return Result.fail(AllocErrorKind.NOT_ALLOCATED, "no such live process");
        }
        sel4.tracer().serve(p);
        try {
            Result<Void> freed = release(p);
            processes.remove(p);
            linux.detach(p);
            return freed;
        } catch (Throwable t) {
            guard.markBroken("tearing down process " + p.pid(), t);
            throw t;
        } finally {
            sel4.tracer().endService();
        }
    }

    /** How a fork gives its child the parent's pages now. */
    public ForkMode forkMode() {
        return forkMode;
    }

    /**
     * Makes later forks give their child the parent's pages as {@code mode} says; refused,
     * changing nothing, for no mode, or copy-on-write while SOS pages (see {@link ProcessPages#share}).
     */
    public Result<Void> setForkMode(ForkMode mode) {
        if (mode == null) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "no fork mode (copy or cow)");
        }
        if (mode == ForkMode.COW && pages.paging()) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "copy-on-write forks need SOS without paging");
        }
        forkMode = mode;
        return Result.done();
    }

    /** X{@code n} of a stopped process's thread, read as a seL4 handler reads it, in seL4_UserContext's order. */
    private OptionalLong register(Process p, int n) {
        int word = UserContextLayout.wordOfX(n);
        InvocationResult r = sel4.tcbReadRegisters(p.tcbCptr(), false, word + 1);
        return r.isOk() ? OptionalLong.of(r.mr(word)) : OptionalLong.empty();
    }

    /** The fault handler's kill: the thread stops first, so a kill cut short leaves the process as it was. */
    private void kill(Process p, KillReport report) {
        sel4.tcbSuspend(p.tcbCptr());
        processes.kill(p, report);
        // after a program's unfinished line ("result: " before the fault), not glued to its end
        console.append(consoleMidLine ? "\n" : "").append("[sos] process ").append(p.pid()).append(' ').append(report)
                .append('\n');
        consoleMidLine = false;
    }

    /**
     * The system calls a process makes; for null, or a process SOS does not run, every call
     * fails with {@link Errno#ESRCH}.
     */
    public Syscalls syscalls(Process p) {
        return new Syscalls(this, p, pages);
    }

    /** True when {@code p} is one of SOS's live processes and is running. */
    boolean isRunning(Process p) {
        return processes.isLive(p) && p.state() == ProcessState.RUNNING;
    }

    /** A Linux signal's default action, terminate, for a signal the process sent itself. */
    void killBySignal(Process p, KillReport report) {
        kill(p, report);
    }

    void exit(Process p, long code) {
        sel4.tcbSuspend(p.tcbCptr());
        processes.exit(p, code);
    }

    void consoleWrite(String text) {
        console.append(text);
        if (!text.isEmpty()) {
            consoleMidLine = text.charAt(text.length() - 1) != '\n';
        }
    }

    /**
     * For a driver, not a user program, that calls a process's
     * {@link org.capbuddy.sos.user.UserContext} itself from a loop that does not recurse (a
     * benchmark's touch loop): makes sure of the Java stack headroom once, now, for a fault
     * handler or system call plus {@link #DIRECT_DRIVER_FRAMES}, so that the faults and system
     * calls below do not probe again until the scope is closed (about 0.3 µs each). A user program may recurse on
     * the Java stack, which is why it has no such call. Throws the machine's
     * {@link StackOverflowError} when the headroom does not fit here, before anything changes.
     */
    public AssuredHeadroom assureDriverHeadroom() {
        return guard().assureHeadroom(DIRECT_DRIVER_FRAMES);
    }

    MachineGuard guard() {
        return guard;
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

    /** SOS's Linux system-call personality, which serves processes running real programs. */
    public LinuxSyscalls linux() {
        return linux;
    }

    /**
     * The runner of {@code p}'s thread: its user code on the A64 interpreter, its faults and
     * system calls delivered to SOS. Empty when {@code p} is not one of SOS's live processes.
     */
    public java.util.Optional<ThreadRunner> runner(Process p) {
        if (!processes.isLive(p)) {
            return java.util.Optional.empty();
        }
        return sel4.runner(p.tcbCptr());
    }

    /**
     * {@code p}'s regions and its translation tables as the kernel holds them (see
     * {@link ProcessDump}). Empty when {@code p} is not one of SOS's live processes.
     */
    public java.util.Optional<ProcessDump> dump(Process p) {
        guard.check();
        if (!processes.isLive(p)) {
            return java.util.Optional.empty();
        }
        return sel4.pageTables(p.vspaceCptr()).map(tables -> new ProcessDump(p.pid(),
                p.addressSpace().regions().stream().map(ProcessDump.RegionLine::of).toList(), tables,
                p.shadow().pageCount()));
    }

    /**
     * The MMU's walk of {@code vaddr} through {@code p}'s tables as the kernel holds them. Empty
     * when {@code p} is not one of SOS's live processes.
     */
    public java.util.Optional<PagingWalk> walk(Process p, long vaddr) {
        guard.check();
        if (!processes.isLive(p)) {
            return java.util.Optional.empty();
        }
        return sel4.pageWalk(p.vspaceCptr(), vaddr);
    }

    /**
     * The {@code size} bytes (1 to 8, within a page) at {@code vaddr} of {@code p}, read for
     * inspection through the kernel's tables ({@code Sel4.peek}): it costs no modelled cycle and
     * changes nothing, so a report that reads a stopped process (its backtrace) leaves the run's
     * figures as they were. Empty where nothing is mapped or {@code p} is not a live process. With
     * paging, a page the kernel's tables lack may be paged out or unreferenced: SOS's own record
     * (the page file or its window) answers then, still without bringing anything back.
     */
    public OptionalLong peek(Process p, long vaddr, int size) {
        guard.check();
        if (!processes.isLive(p)) {
            return OptionalLong.empty();
        }
        OptionalLong mapped = sel4.peek(p.vspaceCptr(), vaddr, size);
        return mapped.isPresent() || !pages.paging() ? mapped : pages.peek(p, vaddr, size);
    }

    /**
     * The CapBuddy pool SOS's frames come from, tree by tree (see {@link PoolDump}); empty when
     * SOS runs on plain allocman.
     */
    public java.util.Optional<PoolDump> poolDump() {
        guard.check();
        if (vka instanceof CapBuddyVka buddy && buddy.hasPool()) {
            return java.util.Optional.of(buddy.pool().dump());
        }
        return java.util.Optional.empty();
    }

    /** SOS's frame table: live references as ranges (see {@link FrameTableDump}). */
    public FrameTableDump frameTableDump() {
        guard.check();
        return frames.dump();
    }

    /** The machine's capability derivation tree, runs of like caps collapsed (see {@link CdtDump}). */
    public CdtDump cdtDump() {
        guard.check();
        return sel4.cdtDump();
    }

    /** The machine's event trace (SOS's events go there beside the kernel's, the pool's and allocman's). */
    public Tracer tracer() {
        return sel4.tracer();
    }

    public FaultHandler faultHandler() {
        return faults;
    }

    public int liveProcesses() {
        return processes.count();
    }

    /** The ASID pools SOS made beyond the root task's (for reports). */
    public int asidPoolsMade() {
        return asids.made();
    }

    /**
     * Gives back the ASID pools SOS made beyond the root task's, when no process is left (with
     * processes alive it does nothing: their ASIDs live in those pools). SOS keeps a pool it made
     * while it runs, as allocman keeps the pools it grew, and the next process past the root
     * task's pool makes one again.
     */
    public Result<Void> releaseAsidPools() {
        guard.check();
        if (processes.count() != 0) {
            return Result.done();
        }
        try {
            return asids.release();
        } catch (Throwable t) {
            guard.markBroken("giving back ASID pools", t);
            throw t;
        }
    }

    /**
     * Gives back SOS's own objects (its endpoint, the ASID pools it made and the frame window's
     * tables); only with no process left.
     */
    public Result<Void> shutdown() {
        guard.check();
        if (processes.count() != 0) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, processes.count() + " processes are still alive");
        }
        try {
            Result<Void> pools = asids.release();
            Result<Void> window = frames.releaseWindowTables();
            Result<Void> ep = VkaObjects.free(vka, endpoint);
            return !pools.isOk() ? pools : !window.isOk() ? window : ep;
        } catch (Throwable t) {
            guard.markBroken("shutting SOS down", t);
            throw t;
        }
    }
}
