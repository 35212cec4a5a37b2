package org.capbuddy.kernel.cpu;

import org.capbuddy.aarch64.cpu.CpuState;
import org.capbuddy.aarch64.cpu.Exit;
import org.capbuddy.aarch64.cpu.Interpreter;
import org.capbuddy.kernel.host.AssuredHeadroom;
import org.capbuddy.kernel.object.Tcb;
import org.capbuddy.kernel.trace.TraceKind;
import org.capbuddy.kernel.object.ThreadState;

/**
 * Runs a thread's user code on the A64 interpreter, as the processor and seL4's trap handlers
 * would: instruction fetches, loads and stores go through the thread's {@link UserCpu} (its MMU
 * and TLB; VM faults delivered to its fault handler inside the access, a reply re-executing it);
 * {@code svc} becomes seL4_Fault_UnknownSyscall and an undefined instruction, {@code brk} or a
 * misaligned branch target seL4_Fault_UserException, each delivered to the handler with the
 * thread's registers, whose reply sets them; a misaligned exclusive access is a VM fault with an
 * alignment status. The thread's registers are its TCB's saved context, so TCB_ReadRegisters and
 * TCB_WriteRegisters see and change exactly what runs.
 */
public final class ThreadRunner {
    /** ESR_EL1 of an unknown-reason exception (EC 0x00, IL): an undefined instruction. */
    static final long ESR_UNDEFINED = 0x0200_0000L;
    /** ESR_EL1 of a {@code brk} (EC 0x3C, IL) without its immediate. */
    static final long ESR_BRK = 0xF200_0000L;
    /** ESR_EL1 of a PC alignment fault (EC 0x22, IL). */
    static final long ESR_PC_ALIGNMENT = 0x8A00_0000L;

    /**
     * Probe frames ({@link org.capbuddy.kernel.host.StackHeadroom}) from {@link #run} down to the
     * deepest fault delivery or system call it makes, beyond what the handler itself needs: the
     * interpreter's loop, a translated block, the access and the delivery.
     * {@code RunLoopHeadroomTest} measures whole runs of pt_test and of a program that overflows
     * its own stack, on the machines where faults go deepest, on every build and requires a
     * margin of 1.5 under the default headroom plus these.
     */
    public static final int RUN_FRAMES = 96;
    /** The smallest budget {@link #run} opens an assured-headroom scope for. */
    public static final long SCOPED_BUDGET = 64;

    private final UserCpu cpu;
    private final Tcb thread;
    private final CpuState context;
    private final Interpreter interpreter;
    private final FaultMessage message = new FaultMessage();
    private long systemCalls;
    private long userExceptions;

    /** The runner of the thread {@code cpu} belongs to (made by {@code Sel4.runner}). */
    public ThreadRunner(UserCpu cpu) {
        this.cpu = cpu;
        this.thread = cpu.thread();
        this.context = thread.context();
        this.interpreter = new Interpreter(context, cpu, cpu.translations());
    }

    /** The interpreter, for its exit details and decoded instructions. */
    public Interpreter interpreter() {
        return interpreter;
    }

    /** The thread's registers (its TCB's saved context). */
    public CpuState context() {
        return context;
    }

    public UserCpu cpu() {
        return cpu;
    }

    /** UnknownSyscall faults delivered (one per {@code svc} executed). */
    public long systemCalls() {
        return systemCalls;
    }

    /** UserException faults delivered. */
    public long userExceptions() {
        return userExceptions;
    }

    /**
     * Runs the thread for at most {@code budget} instructions, delivering its faults as they
     * happen, until the budget is spent or the thread stops running.
     *
     * <p>The stack headroom for its faults is made sure of once, here: the interpreter does not
     * recurse as the program does, so every fault below this method is delivered at most
     * {@link #RUN_FRAMES} probe frames deeper than here, and one probe for the handler's headroom
     * plus those frames answers for all of them (a fault costs about 0.3 µs less). The fault
     * receiver itself runs outside that promise, so a system call SOS serves still probes once.
     * A budget under {@link #SCOPED_BUDGET} (a debugger's single steps) makes no such probe, unless
     * a scope is already open: its few faults probe each for themselves, which costs less than one
     * probe for the loop's frames.
     */
    public RunResult run(long budget) {
        // A small budget probes per fault instead; not inside another scope, though, whose probe
        // was not made for this loop's frames.
        if (budget < SCOPED_BUDGET && !cpu.guard().headroomAssured()) {
            return runLoop(budget);
        }
        try (AssuredHeadroom headroom = cpu.guard().assureHeadroom(RUN_FRAMES)) {
            return runLoop(budget);
        }
    }

    /**
     * Opens one headroom scope for a scheduler that gives this machine's threads many turns, each
     * by {@link #runTurn} called directly from the frame that opened it: one probe answers for all
     * of them, where {@link #run} would probe at every turn (a probe a 10,000-instruction turn cost
     * a loop about 4% of its time).
     */
    public AssuredHeadroom assureTurns() {
        return cpu.guard().assureHeadroom(RUN_FRAMES + 1);
    }

    /**
     * {@link #run}, for a scheduler's turn under {@code turns}, the scope {@link #assureTurns}
     * opened in the caller's own frame: while that scope is the innermost in force its probe
     * covers this loop, so none is made; otherwise (null, closed, suspended, or another scope
     * opened inside it) this is {@link #run}.
     */
    public RunResult runTurn(long budget, AssuredHeadroom turns) {
        if (turns == null || !turns.inForce()) {
            return run(budget);
        }
        return runLoop(budget);
    }

    private RunResult runLoop(long budget) {
        long start = context.instructions();
        while (true) {
            long done = context.instructions() - start;
            if (thread.state() != ThreadState.RUNNING) {
                return new RunResult(RunResult.Stop.STOPPED, done, "the thread is " + thread.state());
            }
            if (done >= budget) {
                return new RunResult(RunResult.Stop.BUDGET, done, null);
            }
            Exit exit = interpreter.run(budget - done);
            String stopped = switch (exit) {
                case LIMIT -> null;
                case SVC -> unknownSyscall();
                case UNDEFINED -> userException(ESR_UNDEFINED);
                case BREAKPOINT -> userException(ESR_BRK | interpreter.exitImmediate());
                case ALIGNMENT_FAULT -> alignment();
                case PREFETCH_ABORT, DATA_ABORT -> accessStopped();
            };
            if (stopped != null) {
                return new RunResult(RunResult.Stop.STOPPED, context.instructions() - start, stopped);
            }
        }
    }

    /** seL4's handleUnknownSyscall: FaultIP is the {@code svc}, LR (ELR) the instruction after it. */
    private String unknownSyscall() {
        systemCalls++;
        long next = context.pc();
        if (cpu.tracer().on(TraceKind.FAULTS)) {
            cpu.tracer().emit(TraceKind.FAULTS, -1, context.instructions(), "unknown_syscall", "ip", next - 4, "x8",
                    context.x(8), "x0", context.x(0), "x1", context.x(1), "x2", context.x(2));
        }
        message.begin(FaultMessage.SYSCALL_LENGTH);
        for (int i = 0; i < 8; i++) {
            message.put(FaultMessage.SYSCALL_X0 + i, context.x(i));
        }
        message.put(FaultMessage.SYSCALL_FAULT_IP, next - 4);
        message.put(FaultMessage.SYSCALL_SP, context.sp());
        message.put(FaultMessage.SYSCALL_LR, next);
        message.put(FaultMessage.SYSCALL_SPSR, UserContextLayout.spsr(context));
        message.put(FaultMessage.SYSCALL_NUMBER, context.x(7));
        // Until a reply says otherwise the thread restarts at FaultIP, as seL4's Restart state does.
        context.setPc(next - 4);
        String refused = cpu.deliverRegisterFault(true, message);
        if (refused != null) {
            return refused;
        }
        int n = Math.min(message.replyLength(), FaultMessage.SYSCALL_REPLY_MAX);
        for (int i = 0; i < n; i++) {
            long value = message.word(i);
            switch (i) {
                case FaultMessage.SYSCALL_FAULT_IP -> context.setPc(value);
                case FaultMessage.SYSCALL_SP -> context.setSp(value);
                case FaultMessage.SYSCALL_LR -> {
                    // ELR: seL4 restarts at FaultIP, so the next PC a reply sets here is overwritten
                }
                case FaultMessage.SYSCALL_SPSR -> context.setNzcv((int) (value & 0xF000_0000L));
                default -> context.setX(i, value);
            }
        }
        return null;
    }

    /** seL4's handleUserLevelFault(ESR, 0): FaultIP is the instruction, the reply may set FaultIP, SP and SPSR. */
    private String userException(long esr) {
        userExceptions++;
        if (cpu.tracer().on(TraceKind.FAULTS)) {
            cpu.tracer().emit(TraceKind.FAULTS, -1, context.instructions(), "user_exception", "ip", context.pc(), "esr", esr);
        }
        message.begin(FaultMessage.EXCEPTION_LENGTH);
        message.put(FaultMessage.EXCEPTION_FAULT_IP, context.pc());
        message.put(FaultMessage.EXCEPTION_SP, context.sp());
        message.put(FaultMessage.EXCEPTION_SPSR, UserContextLayout.spsr(context));
        message.put(FaultMessage.EXCEPTION_NUMBER, esr);
        message.put(FaultMessage.EXCEPTION_CODE, 0);
        String refused = cpu.deliverRegisterFault(false, message);
        if (refused != null) {
            return refused;
        }
        int n = Math.min(message.replyLength(), FaultMessage.EXCEPTION_REPLY_MAX);
        for (int i = 0; i < n; i++) {
            long value = message.word(i);
            switch (i) {
                case FaultMessage.EXCEPTION_FAULT_IP -> context.setPc(value);
                case FaultMessage.EXCEPTION_SP -> context.setSp(value);
                default -> context.setNzcv((int) (value & 0xF000_0000L));
            }
        }
        return null;
    }

    private String alignment() {
        long address = interpreter.exitAddress();
        if (address == context.pc() || interpreter.exitWord() != 0 && isBranchToRegister(interpreter.exitWord())) {
            return userException(ESR_PC_ALIGNMENT);
        }
        AccessFailure failure = cpu.deliverAlignmentFault(address, isStore(interpreter.exitWord()));
        return failure == null ? null : stoppedBy(failure);
    }

    private String accessStopped() {
        AccessFailure failure = cpu.failure();
        return failure == null ? "the access stopped without a reason" : stoppedBy(failure);
    }

    /**
     * Why the thread stops after a failed access, or null when it runs on: a handler that moved the
     * thread's PC before replying restarts it there (the interpreter left PC at the abandoned
     * instruction).
     */
    private String stoppedBy(AccessFailure failure) {
        if (failure.kind() == AccessFailure.Kind.REDIRECTED && thread.state() == ThreadState.RUNNING) {
            context.setPc(cpu.redirectedPc());
            return null;
        }
        return failure.detail();
    }

    private static boolean isBranchToRegister(int word) {
        return (word & 0xFE1F_FC1F) == 0xD61F_0000;
    }

    /** Whether a load/store encoding stores (its L bit, bit 22, is clear). */
    private static boolean isStore(int word) {
        return (word & (1 << 22)) == 0;
    }
}
