package org.capbuddy.sos.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.capbuddy.kernel.cpu.ThreadRunner;
import org.capbuddy.sos.SosFixture;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.addrspace.Region;
import org.capbuddy.sos.addrspace.RegionKind;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.process.ProcessState;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Signal handlers in an SOS process, with hand-assembled code on the interpreter: rt_sigaction's
 * actions read back as set, sigaltstack's checks, a fault's signal entering the handler through
 * SOS's signal page and rt_sigreturn coming back, and the kills Linux makes instead (a blocked
 * fault signal, a frame with no room, a frame rt_sigreturn refuses).
 */
class LinuxSignalsTest {
    private static final int SVC = 0xD400_0001;
    private static final int UDF = 0x0000_0000;
    private static final int MOV_X0_7 = 0xD280_00E0;
    private static final int MOV_X8_EXIT_GROUP = 0xD280_0BC8;
    private static final int MOV_X8_RT_SIGRETURN = 0xD280_1168;
    /** The handler: uc->uc_mcontext.pc += 4 (x2 = &ucontext; the pc is 440 bytes in), then ret. */
    private static final int[] STEP_OVER = {0xF940_DC49, 0x9100_1129, 0xF900_DC49, 0xD65F_03C0};
    private static final int SIGILL = 4;
    private static final int SIGUSR1 = 10;
    private static final int SIGSEGV = 11;

    private SosFixture fx;
    private Process p;
    private long code;
    private long data;

    @BeforeEach
    void setUp() {
        fx = new SosFixture(true);
        p = fx.process();
        code = fx.codePage(p);
        data = fx.codePage(p);
    }

    private long call(LinuxSyscall number, long... args) {
        return fx.linuxCall(p, code, number.number(), args);
    }

    /** rt_sigaction of {@code signal} to {@code handler} with {@code flags} and {@code mask}; its result. */
    private long sigaction(int signal, long handler, long flags, long restorer, long mask) {
        ByteBuffer act = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN).putLong(handler).putLong(flags)
                .putLong(restorer).putLong(mask);
        p.cpu().copyOut(data, act.array(), 0, 32);
        return call(LinuxSyscall.RT_SIGACTION, signal, data, 0, 8);
    }

    private long[] oldAction(int signal) {
        assertThat(call(LinuxSyscall.RT_SIGACTION, signal, 0, data + 64, 8)).isZero();
        long[] old = new long[4];
        for (int i = 0; i < 4; i++) {
            old[i] = p.cpu().read(data + 64 + 8L * i, 8);
        }
        return old;
    }

    /** The handler's code at code + 0x100, the program at code; the runner with SP on the stack. */
    private ThreadRunner program(int... words) {
        ByteBuffer handler = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN);
        for (int w : STEP_OVER) {
            handler.putInt(w);
        }
        p.cpu().copyOut(code + 0x100, handler.array(), 0, 16);
        ThreadRunner r = fx.load(p, code, words);
        r.context().setSp(Layout.STACK_TOP - 0x100);
        return r;
    }

    @Test
    void theOldActionReadsBackAsSetLessUnknownFlagsAndSigkillInTheMask() {
        long flags = SignalAction.SA_SIGINFO | SignalAction.SA_RESTORER | SignalAction.SA_NODEFER | 0x0200_0000L;
        long mask = 1L << (12 - 1) | 1L << (9 - 1) | 1L << (19 - 1); // SIGUSR2, SIGKILL, SIGSTOP
        assertThat(sigaction(SIGUSR1, 0x401234, flags, 0x405678, mask)).isZero();

        long[] old = oldAction(SIGUSR1);

        assertThat(old[0]).isEqualTo(0x401234);
        assertThat(old[1]).as("0x02000000 is no flag Linux knows").isEqualTo(flags & ~0x0200_0000L);
        assertThat(old[2]).isEqualTo(0x405678);
        assertThat(old[3]).as("SIGKILL and SIGSTOP cannot be blocked").isEqualTo(1L << (12 - 1));
        assertThat(sigaction(9, 0x401234, 0, 0, 0)).as("SIGKILL takes no action").isEqualTo(-22);
        assertThat(fx.sos.linux().state(p).refusedCalls()).isEmpty();
    }

    @Test
    void sigaltstackChecksAsLinuxAndReadsBack() {
        ByteBuffer ss = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putLong(data + 0x1000).putInt(0).putInt(0)
                .putLong(4096);
        p.cpu().copyOut(data, ss.array(), 0, 24);
        assertThat(call(LinuxSyscall.SIGALTSTACK, data, 0)).as("under MINSIGSTKSZ").isEqualTo(-12);
        p.cpu().write(data + 16, 8, 8192);
        p.cpu().write(data + 8, 4, 4);
        assertThat(call(LinuxSyscall.SIGALTSTACK, data, 0)).as("no such flag").isEqualTo(-22);
        p.cpu().write(data + 8, 4, 0);
        assertThat(call(LinuxSyscall.SIGALTSTACK, data, data + 32)).isZero();
        assertThat(p.cpu().read(data + 40, 4)).as("there was none: SS_DISABLE").isEqualTo(2);
        assertThat(call(LinuxSyscall.SIGALTSTACK, 0, data + 32)).isZero();
        assertThat(p.cpu().read(data + 32, 8)).isEqualTo(data + 0x1000);
        assertThat(p.cpu().read(data + 40, 4)).isZero();
        assertThat(p.cpu().read(data + 48, 8)).isEqualTo(8192);
        p.cpu().write(data + 8, 4, 1L << 31);
        assertThat(call(LinuxSyscall.SIGALTSTACK, data, 0)).as("SS_AUTODISARM is not modelled").isEqualTo(-38);
        assertThat(fx.sos.linux().state(p).refusedCalls()).containsKey("sigaltstack: SS_AUTODISARM");
    }

    @Test
    void anUndefinedInstructionEntersTheSigillHandlerWhichStepsOverIt() {
        assertThat(sigaction(SIGILL, code + 0x100, SignalAction.SA_SIGINFO, 0, 0)).isZero();
        ThreadRunner r = program(UDF, MOV_X0_7, MOV_X8_EXIT_GROUP, SVC);

        r.run(10_000);

        assertThat(p.state()).as("%s", p.killReport()).isEqualTo(ProcessState.EXITED);
        assertThat(p.exitCode()).isEqualTo(7);
        LinuxProcess state = fx.sos.linux().state(p);
        assertThat(state.signalsDelivered()).containsEntry("SIGILL", 1L);
        assertThat(state.calls()).containsEntry(LinuxSyscall.RT_SIGRETURN, 1L);
        Region page = p.addressSpace().find(SigPage.ADDRESS);
        assertThat(page.kind()).isEqualTo(RegionKind.SIGPAGE);
        assertThat(page.write()).isFalse();
        assertThat(page.execute()).isTrue();
    }

    @Test
    void theSignalPageIsNamedSigpageInBacktracesAndItsRegionLineSaysItHoldsSosCode() {
        assertThat(fx.sos.syscalls(p).mapSignalPage(SigPage.ADDRESS, SigPage.bytes())).isNull();
        var symbols = org.capbuddy.aarch64.elf.ElfSymbols.of(null);

        assertThat(org.capbuddy.sos.inspect.CodeNames.describe(symbols, p.addressSpace(), SigPage.ENTRY)).hasValue("sigpage");
        assertThat(org.capbuddy.sos.inspect.CodeNames.describe(symbols, p.addressSpace(), SigPage.SIGRETURN))
                .hasValue("sigpage+0x" + Long.toHexString(SigPage.SIGRETURN - SigPage.ADDRESS));
        assertThat(org.capbuddy.sos.inspect.CodeNames.describe(symbols, p.addressSpace(), code)).isEmpty();
        var line = org.capbuddy.sos.inspect.ProcessDump.RegionLine.of(p.addressSpace().find(SigPage.ADDRESS));
        assertThat(line.kind()).isEqualTo("sigpage");
        assertThat(line.rights()).isEqualTo("r-x");
        assertThat(line.contents()).isEqualTo("SOS's signal code");
    }

    @Test
    void theFrameHoldsTheInterruptedRegistersSiginfoAndTheFpsimdRecord() {
        assertThat(sigaction(SIGILL, code + 0x100, SignalAction.SA_SIGINFO, 0, 1L << (SIGUSR1 - 1))).isZero();
        ThreadRunner r = program(UDF);
        r.context().setX(19, 0x1919);
        long sp = r.context().sp();

        r.run(1); // the undefined instruction retires nothing; the budget's one is the page's first

        long frame = r.context().sp();
        long record = (sp - 16) & -16L;
        assertThat(frame).isEqualTo(record - SignalFrame.SIZE);
        assertThat(r.context().pc()).as("after mrs x6, fpsr").isEqualTo(SigPage.ENTRY + 4);
        assertThat(r.context().x(0)).isEqualTo(SIGILL);
        assertThat(r.context().x(1)).isEqualTo(frame);
        assertThat(r.context().x(2)).isEqualTo(frame + SignalFrame.UCONTEXT);
        assertThat(r.context().x(3)).isEqualTo(code + 0x100);
        assertThat(r.context().x(5)).as("no SA_RESTORER: the page's own").isEqualTo(SigPage.SIGRETURN);
        assertThat(r.context().x(29)).isEqualTo(record);
        assertThat(p.cpu().read(frame, 4)).as("si_signo").isEqualTo(SIGILL);
        assertThat(p.cpu().read(frame + 8, 4)).as("ILL_ILLOPC").isEqualTo(1);
        assertThat(p.cpu().read(frame + 16, 8)).as("si_addr").isEqualTo(code);
        assertThat(p.cpu().read(frame + SignalFrame.PC, 8)).isEqualTo(code);
        assertThat(p.cpu().read(frame + SignalFrame.SP, 8)).isEqualTo(sp);
        assertThat(p.cpu().read(frame + SignalFrame.REGS + 8 * 19, 8)).isEqualTo(0x1919);
        assertThat(p.cpu().read(frame + SignalFrame.FPSIMD, 4)).isEqualTo(SignalFrame.FPSIMD_MAGIC);
        assertThat(p.cpu().read(frame + SignalFrame.FPSIMD + 4, 4)).isEqualTo(SignalFrame.FPSIMD_SIZE);
        assertThat(p.cpu().read(frame + SignalFrame.FPSIMD + SignalFrame.FPSIMD_SIZE, 4)).as("esr_context")
                .isEqualTo(SignalFrame.ESR_MAGIC);
        assertThat(p.cpu().read(frame + SignalFrame.UC_SIGMASK, 8)).as("the mask before the handler").isZero();
        assertThat(fx.sos.linux().state(p).blockedSignals()).as("sa_mask and the signal itself")
                .isEqualTo(1L << (SIGUSR1 - 1) | 1L << (SIGILL - 1));
    }

    @Test
    void aBlockedFaultSignalKillsAsLinuxsForceSigDoes() {
        assertThat(sigaction(SIGILL, code + 0x100, 0, 0, 0)).isZero();
        p.cpu().write(data, 8, 1L << (SIGILL - 1));
        assertThat(call(LinuxSyscall.RT_SIGPROCMASK, 0, data, 0, 8)).isZero();
        ThreadRunner r = program(UDF);

        r.run(1_000);

        assertThat(p.state()).isEqualTo(ProcessState.KILLED);
        assertThat(p.killReport().signal()).isEqualTo(SIGILL);
        assertThat(p.killReport().reason()).contains("undefined instruction", "SIGILL is blocked");
        assertThat(fx.sos.linux().state(p).signalsDelivered()).isEmpty();
    }

    @Test
    void aFrameWithNoRoomKillsWithSigsegvSayingSo() {
        assertThat(sigaction(SIGILL, code + 0x100, 0, 0, 0)).isZero();
        ThreadRunner r = program(UDF);
        r.context().setSp(Layout.STACK_BASE + 0x800); // the frame would reach into the guard page

        r.run(1_000);

        assertThat(p.state()).isEqualTo(ProcessState.KILLED);
        assertThat(p.killReport().signal()).isEqualTo(SIGSEGV);
        assertThat(p.killReport().reason()).contains("undefined instruction", "its SIGILL handler could not run",
                "stack overflow");
    }

    @Test
    void aMisalignedStackAtRtSigreturnIsSigsegv() {
        ThreadRunner r = program(MOV_X8_RT_SIGRETURN, SVC);
        r.context().setSp(Layout.STACK_TOP - 0x108);

        r.run(1_000);

        assertThat(p.state()).isEqualTo(ProcessState.KILLED);
        assertThat(p.killReport().signal()).isEqualTo(SIGSEGV);
        assertThat(p.killReport().reason()).contains("rt_sigreturn found no signal frame", "not 16-byte aligned");
    }

    @Test
    void aFrameOfZerosIsRefusedForItsMissingFpsimdRecord() {
        ThreadRunner r = program(MOV_X8_RT_SIGRETURN, SVC);
        r.context().setSp(Layout.STACK_TOP - 0x2000);

        r.run(1_000);

        assertThat(p.state()).isEqualTo(ProcessState.KILLED);
        assertThat(p.killReport().reason()).contains("its pstate or its records are not valid");
    }

    /** Writes a frame built from {@code c} at {@code frame} on the process's stack. */
    private void writeFrame(long frame, SignalFrame.Contents c) {
        byte[] bytes = SignalFrame.build(c);
        assertThat(fx.sos.syscalls(p).copyToUser(frame, bytes, SignalFrame.SIZE)).isTrue();
    }

    @Test
    void aFrameRtSigreturnRefusesStillGivesItsMaskAndRegistersAndSigsegvPointsAtItsSp() {
        int sigusr2 = 12;
        assertThat(sigaction(SIGSEGV, code + 0x100, SignalAction.SA_SIGINFO, 0, 0)).isZero();
        // as in a handler whose sa_mask has SIGSEGV: the frame's own mask lets it through
        p.cpu().write(data, 8, 1L << (SIGSEGV - 1) | 1L << (SIGUSR1 - 1));
        assertThat(call(LinuxSyscall.RT_SIGPROCMASK, 2, data, 0, 8)).isZero();
        long frame = Layout.STACK_TOP - 0x4000;
        long loadedSp = Layout.STACK_TOP - 0x1000;
        long[] x = new long[31];
        x[0] = 0x1234;
        x[7] = 0x77;
        long badPstate = 0x6000_0000L | 0x3C0; // Z and C, and D, A, I, F, which Linux refuses
        writeFrame(frame, new SignalFrame.Contents(x, loadedSp, code + 0x40, badPstate, 0,
                1L << (sigusr2 - 1) | 1L << (9 - 1), 0, 2, 0, null, 0));
        ThreadRunner r = program(MOV_X8_RT_SIGRETURN, SVC);
        r.context().setSp(frame);

        r.run(2);

        assertThat(p.state()).as("%s", p.killReport()).isNotEqualTo(ProcessState.KILLED);
        assertThat(r.context().pc() - SigPage.ADDRESS).as("in the signal page").isBetween(0L, 8L);
        assertThat(r.context().x(0)).isEqualTo(SIGSEGV);
        long segv = r.context().sp();
        assertThat(p.cpu().read(segv + 8, 4)).as("SEGV_ACCERR: the stack is at the loaded sp").isEqualTo(2);
        assertThat(p.cpu().read(segv + 16, 8)).as("si_addr: the sp the frame gave").isEqualTo(loadedSp);
        assertThat(p.cpu().read(segv + SignalFrame.PC, 8)).as("the frame's pc").isEqualTo(code + 0x40);
        assertThat(p.cpu().read(segv + SignalFrame.SP, 8)).isEqualTo(loadedSp);
        assertThat(p.cpu().read(segv + SignalFrame.REGS + 8 * 7, 8)).isEqualTo(0x77);
        assertThat(p.cpu().read(segv + SignalFrame.REGS, 8)).as("x0: rt_sigreturn's result").isZero();
        assertThat(p.cpu().read(segv + SignalFrame.PSTATE, 8)).as("NZCV only").isEqualTo(0x6000_0000L);
        assertThat(p.cpu().read(segv + SignalFrame.UC_SIGMASK, 8)).as("the frame's mask, less SIGKILL")
                .isEqualTo(1L << (sigusr2 - 1));
        assertThat(fx.sos.linux().state(p).blockedSignals()).isEqualTo(1L << (sigusr2 - 1) | 1L << (SIGSEGV - 1));
    }

    /** The si_code of the SIGSEGV a refused frame forces when it loads {@code loadedSp}, its handler on the alternate stack. */
    private long refusedFrameSegvCode(long loadedSp) {
        altStack();
        assertThat(sigaction(SIGSEGV, code + 0x100, SignalAction.SA_SIGINFO | SignalAction.SA_ONSTACK, 0, 0)).isZero();
        long frame = Layout.STACK_TOP - 0x4000;
        long badPstate = 0x3C0; // D, A, I, F, which Linux refuses
        writeFrame(frame, new SignalFrame.Contents(new long[31], loadedSp, code + 0x40, badPstate, 0, 0, 0, 2, 0, null, 0));
        ThreadRunner r = program(MOV_X8_RT_SIGRETURN, SVC);
        r.context().setSp(frame);

        r.run(2);

        assertThat(p.state()).as("%s", p.killReport()).isNotEqualTo(ProcessState.KILLED);
        assertThat(r.context().x(0)).isEqualTo(SIGSEGV);
        assertThat(p.cpu().read(r.context().sp() + 16, 8)).as("si_addr").isEqualTo(loadedSp);
        return p.cpu().read(r.context().sp() + 8, 4);
    }

    @Test
    void aRefusedFramesSpInAGapBelowARegionIsSegvAccerrAsLinuxsFindVmaMakesIt() {
        assertThat(refusedFrameSegvCode(Layout.MMAP_BASE - 0x10_0000)).as("SEGV_ACCERR").isEqualTo(2);
    }

    @Test
    void aRefusedFramesSpAboveEveryRegionIsSegvMaperr() {
        assertThat(refusedFrameSegvCode(Layout.USER_TOP - 0x10_0000)).as("SEGV_MAPERR").isEqualTo(1);
    }

    @Test
    void anUnreadableFrameLoadsZerosSoSigsegvPointsAtZero() {
        assertThat(sigaction(SIGSEGV, code + 0x100, SignalAction.SA_SIGINFO, 0, 0)).isZero();
        ThreadRunner r = program(MOV_X8_RT_SIGRETURN, SVC);
        r.context().setSp(Layout.MMAP_BASE - 0x10_0000); // nothing mapped there

        r.run(1_000);

        // the SIGSEGV frame would go below sp 0: no room, and SIGSEGV's own frame failing is fatal
        assertThat(p.state()).isEqualTo(ProcessState.KILLED);
        assertThat(p.killReport().signal()).isEqualTo(SIGSEGV);
        assertThat(p.killReport().reason()).contains("it cannot be read", "could not be written", "below sp 0x0 ");
    }

    /** An alternate stack of three pages, set with sigaltstack; its base. */
    private long altStack() {
        var stack = fx.sos.syscalls(p).mmap(0, 3 * 4096, 3, 0x22, -1, 0);
        assertThat(stack.isOk()).isTrue();
        ByteBuffer ss = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN).putLong(stack.value()).putInt(0).putInt(0)
                .putLong(3 * 4096);
        p.cpu().copyOut(data + 512, ss.array(), 0, 24);
        assertThat(call(LinuxSyscall.SIGALTSTACK, data + 512, 0)).isZero();
        return stack.value();
    }

    @Test
    void aFrameThatCannotBeWrittenForAnotherSignalSendsSigsegvWhoseHandlerMayRunOnTheAlternateStack() {
        long alt = altStack();
        assertThat(sigaction(SIGUSR1, code + 0x100, 0, 0, 0)).isZero();
        assertThat(sigaction(SIGSEGV, code + 0x100, SignalAction.SA_SIGINFO | SignalAction.SA_ONSTACK, 0, 0)).isZero();
        ThreadRunner r = program(SVC);
        long unmapped = Layout.MMAP_BASE - 0x10_0000;
        r.context().setSp(unmapped);
        r.context().setX(0, p.pid());
        r.context().setX(1, SIGUSR1);
        r.context().setX(8, LinuxSyscall.TKILL.number());

        r.run(1);

        assertThat(p.state()).as("%s", p.killReport()).isNotEqualTo(ProcessState.KILLED);
        assertThat(r.context().x(0)).isEqualTo(SIGSEGV);
        long frame = r.context().sp();
        assertThat(frame).as("on the alternate stack").isBetween(alt, alt + 3 * 4096);
        assertThat(p.cpu().read(frame + 8, 4)).as("SI_KERNEL").isEqualTo(0x80);
        assertThat(p.cpu().read(frame + 16, 8)).as("no address").isZero();
        assertThat(p.cpu().read(frame + SignalFrame.SP, 8)).isEqualTo(unmapped);
        assertThat(p.cpu().read(frame + SignalFrame.PC, 8)).as("past the svc").isEqualTo(code + 4);
        assertThat(fx.sos.linux().state(p).signalsDelivered()).containsOnlyKeys("SIGSEGV");
    }

    @Test
    void aFaultsFrameThatCannotBeWrittenSendsSigsegvToo() {
        long alt = altStack();
        assertThat(sigaction(SIGILL, code + 0x100, 0, 0, 0)).isZero();
        assertThat(sigaction(SIGSEGV, code + 0x100, SignalAction.SA_SIGINFO | SignalAction.SA_ONSTACK, 0, 0)).isZero();
        ThreadRunner r = program(UDF);
        r.context().setSp(Layout.STACK_BASE + 0x800); // SIGILL's frame would reach into the guard page

        r.run(1);

        assertThat(p.state()).as("%s", p.killReport()).isNotEqualTo(ProcessState.KILLED);
        assertThat(r.context().x(0)).isEqualTo(SIGSEGV);
        assertThat(r.context().sp()).isBetween(alt, alt + 3 * 4096);
        assertThat(p.cpu().read(r.context().sp() + 8, 4)).as("SI_KERNEL").isEqualTo(0x80);
        assertThat(p.cpu().read(r.context().sp() + SignalFrame.PC, 8)).as("the udf").isEqualTo(code);
    }

    @Test
    void aHandlerOnTheAlternateStackMayDisableItThroughUcStackAsRtSigreturnJudgesTheRestoredSp() {
        altStack();
        int movW9Disable = 0x5280_0049; // mov w9, #2: SS_DISABLE
        int strW9Flags = 0xB900_1849; // str w9, [x2, #24]: uc_stack.ss_flags
        int ret = 0xD65F_03C0;
        ByteBuffer handler = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN).putInt(movW9Disable).putInt(strW9Flags)
                .putInt(ret);
        p.cpu().copyOut(code + 0x200, handler.array(), 0, 12);
        assertThat(sigaction(SIGUSR1, code + 0x200, SignalAction.SA_SIGINFO | SignalAction.SA_ONSTACK, 0, 0)).isZero();
        ThreadRunner r = program(SVC, MOV_X0_7, MOV_X8_EXIT_GROUP, SVC);
        r.context().setX(0, p.pid());
        r.context().setX(1, SIGUSR1);
        r.context().setX(8, LinuxSyscall.TKILL.number());

        r.run(10_000);

        assertThat(p.state()).as("%s", p.killReport()).isEqualTo(ProcessState.EXITED);
        assertThat(p.exitCode()).isEqualTo(7);
        LinuxProcess state = fx.sos.linux().state(p);
        assertThat(state.signalsDelivered()).containsEntry("SIGUSR1", 1L);
        assertThat(state.altStackSize()).as("the frame is on the alternate stack, the restored sp is not").isZero();
        assertThat(state.altStackBase()).isZero();
    }

    @Test
    void aFrameThatCannotBeWrittenForAnotherSignalKillsWhenSigsegvsCannotBeEither() {
        assertThat(sigaction(SIGUSR1, code + 0x100, 0, 0, 0)).isZero();
        assertThat(sigaction(SIGSEGV, code + 0x100, SignalAction.SA_SIGINFO, 0, 0)).isZero();
        ThreadRunner r = program(SVC);
        r.context().setSp(Layout.MMAP_BASE - 0x10_0000);
        r.context().setX(0, p.pid());
        r.context().setX(1, SIGUSR1);
        r.context().setX(8, LinuxSyscall.TKILL.number());

        r.run(10);

        assertThat(p.state()).isEqualTo(ProcessState.KILLED);
        assertThat(p.killReport().signal()).isEqualTo(SIGSEGV);
        assertThat(p.killReport().reason()).contains("its SIGUSR1 frame could not be written", "its SIGSEGV frame could not");
        assertThat(fx.sos.linux().state(p).signalsDelivered()).isEmpty();
    }

    @Test
    void theLastFaultsAddressAndSyndromeStayInLaterSignalsFrames() {
        int strX0AtX9 = 0xF900_0120;
        int loop = 0x1400_0000; // b .
        assertThat(sigaction(SIGSEGV, code + 0x100, SignalAction.SA_SIGINFO, 0, 0)).isZero();
        assertThat(sigaction(SIGUSR1, code + 0x200, SignalAction.SA_SIGINFO, 0, 0)).isZero();
        p.cpu().write(code + 0x200, 4, loop);
        ThreadRunner r = program(strX0AtX9, SVC);
        r.context().setX(9, 0x40);
        r.context().setX(0, p.pid());
        r.context().setX(1, SIGUSR1);
        r.context().setX(8, LinuxSyscall.TKILL.number());

        r.run(1_000);

        assertThat(r.context().pc()).as("in SIGUSR1's handler").isEqualTo(code + 0x200);
        long frame = r.context().sp();
        assertThat((int) p.cpu().read(frame + 8, 4)).as("SI_TKILL").isEqualTo(-6);
        assertThat(p.cpu().read(frame + SignalFrame.FAULT_ADDRESS, 8)).as("the NULL page write's").isEqualTo(0x40);
        long esr = frame + SignalFrame.FPSIMD + SignalFrame.FPSIMD_SIZE;
        assertThat(p.cpu().read(esr, 4)).isEqualTo(SignalFrame.ESR_MAGIC);
        assertThat(p.cpu().read(esr + 8, 8) >>> 26).as("a data abort from EL0").isEqualTo(0x24);
    }

    @Test
    void realTimeSignalsAreQueuedEachInstanceDeliveredWhileStandardOnesMerge() {
        int rt = 35; // musl's SIGRTMIN
        assertThat(sigaction(rt, code + 0x100, SignalAction.SA_SIGINFO, 0, 0)).isZero();
        assertThat(sigaction(rt + 1, code + 0x100, SignalAction.SA_SIGINFO, 0, 0)).isZero();
        assertThat(sigaction(SIGUSR1, code + 0x100, SignalAction.SA_SIGINFO, 0, 0)).isZero();
        p.cpu().write(data + 256, 8, 1L << (rt - 1) | 1L << rt | 1L << (SIGUSR1 - 1));
        assertThat(call(LinuxSyscall.RT_SIGPROCMASK, 0, data + 256, 0, 8)).isZero();
        assertThat(call(LinuxSyscall.TKILL, p.pid(), rt)).isZero();
        assertThat(call(LinuxSyscall.KILL, p.pid(), rt)).isZero();
        assertThat(call(LinuxSyscall.TKILL, p.pid(), rt + 1)).isZero();
        assertThat(call(LinuxSyscall.TKILL, p.pid(), SIGUSR1)).isZero();
        assertThat(call(LinuxSyscall.TKILL, p.pid(), SIGUSR1)).isZero();
        LinuxProcess state = fx.sos.linux().state(p);
        assertThat(state.pendingCount(rt)).isEqualTo(2);
        assertThat(state.pendingCount(SIGUSR1)).as("merged").isEqualTo(1);
        ThreadRunner r = program(SVC);
        r.context().setX(0, 1); // SIG_UNBLOCK all three
        r.context().setX(1, data + 256);
        r.context().setX(2, 0);
        r.context().setX(3, 8);
        r.context().setX(8, LinuxSyscall.RT_SIGPROCMASK.number());

        r.run(1);

        // SIGUSR1, then the first rt (whose handler then blocks rt), then rt + 1 on top
        assertThat(r.context().x(0)).isEqualTo(rt + 1);
        assertThat(state.signalsDelivered().values().stream().mapToLong(Long::longValue).sum()).isEqualTo(3);
        assertThat(state.pendingCount(rt)).as("the second, sent with kill, waits for the handler's return").isEqualTo(1);
        assertThat(p.cpu().read(r.context().sp() + SignalFrame.WITH_RECORD + 8, 4))
                .as("its first instance's si_code, SI_TKILL, in the frame below").isEqualTo(-6L & 0xFFFF_FFFFL);
        assertThat(state.take(rt).code()).as("SI_USER").isZero();
        assertThat(state.pendingSignals() & 1L << (rt - 1)).isZero();
    }

    @Test
    void killSendsToTheProcesssListAndTkillToTheThreadsWhichIsDeliveredFirstEachMergingStandardSignalsOnItsOwn() {
        int a = 35;
        int b = 36;
        for (int signal : new int[] {a, b, SIGUSR1}) {
            assertThat(sigaction(signal, code + 0x100, SignalAction.SA_SIGINFO, 0, 0)).isZero();
        }
        p.cpu().write(data + 256, 8, 1L << (a - 1) | 1L << (b - 1) | 1L << (SIGUSR1 - 1));
        assertThat(call(LinuxSyscall.RT_SIGPROCMASK, 0, data + 256, 0, 8)).isZero();
        assertThat(call(LinuxSyscall.KILL, p.pid(), a)).isZero();
        assertThat(call(LinuxSyscall.TKILL, p.pid(), b)).isZero();
        assertThat(call(LinuxSyscall.KILL, p.pid(), a)).isZero();
        assertThat(call(LinuxSyscall.TKILL, p.pid(), a)).isZero();
        assertThat(call(LinuxSyscall.KILL, p.pid(), SIGUSR1)).isZero();
        assertThat(call(LinuxSyscall.TKILL, p.pid(), SIGUSR1)).isZero();
        LinuxProcess state = fx.sos.linux().state(p);
        assertThat(state.pendingCount(SIGUSR1)).as("one on each list").isEqualTo(2);
        ThreadRunner r = program(SVC);
        r.context().setX(0, 1); // SIG_UNBLOCK all three
        r.context().setX(1, data + 256);
        r.context().setX(2, 0);
        r.context().setX(3, 8);
        r.context().setX(8, LinuxSyscall.RT_SIGPROCMASK.number());

        r.run(1);

        // the thread's list first: SIGUSR1, then a and b, each sent by tkill, b's frame on top
        long top = r.context().sp();
        int[][] frames = {{b, -6}, {a, -6}, {SIGUSR1, -6}};
        for (int i = 0; i < frames.length; i++) {
            long frame = top + (long) i * SignalFrame.WITH_RECORD;
            assertThat((int) p.cpu().read(frame, 4)).as("frame %d's signal", i).isEqualTo(frames[i][0]);
            assertThat((int) p.cpu().read(frame + 8, 4)).as("frame %d's si_code", i).isEqualTo(frames[i][1]);
        }
        assertThat(state.pendingCount(a)).as("kill's two, after the handlers return").isEqualTo(2);
        assertThat(state.pendingCount(SIGUSR1)).as("kill's").isEqualTo(1);
        assertThat(state.take(a).code()).as("SI_USER").isZero();
        assertThat(state.take(SIGUSR1).code()).as("SI_USER").isZero();
    }

    @Test
    void aRealTimeSignalPastTheQueuesLimitIsEagainFromTkillButSentByKill() {
        int rt = 40;
        assertThat(sigaction(rt, code + 0x100, 0, 0, 0)).isZero();
        p.cpu().write(data + 256, 8, 1L << (rt - 1) | 1L << rt);
        assertThat(call(LinuxSyscall.RT_SIGPROCMASK, 0, data + 256, 0, 8)).isZero();
        LinuxProcess state = fx.sos.linux().state(p);
        for (int i = 0; i < LinuxProcess.MAX_QUEUED; i++) {
            assertThat(state.queue(rt, new PendingSignal(-6, true, "tkill"), false)).isTrue();
        }

        assertThat(call(LinuxSyscall.TKILL, p.pid(), rt)).isEqualTo(-11);
        assertThat(call(LinuxSyscall.KILL, p.pid(), rt + 1)).isZero();

        assertThat(state.pendingCount(rt)).isEqualTo(LinuxProcess.MAX_QUEUED);
        assertThat(state.pendingCount(rt + 1)).isEqualTo(1);
    }

    @Test
    void aRealTimeSignalKillSendsPastTheQueuesLimitHasNoSenderInItsSiginfo() {
        int rt = 40;
        assertThat(sigaction(rt, code + 0x100, SignalAction.SA_SIGINFO, 0, 0)).isZero();
        assertThat(sigaction(rt + 1, code + 0x100, SignalAction.SA_SIGINFO, 0, 0)).isZero();
        p.cpu().write(data + 256, 8, 1L << (rt - 1));
        assertThat(call(LinuxSyscall.RT_SIGPROCMASK, 0, data + 256, 0, 8)).isZero();
        LinuxProcess state = fx.sos.linux().state(p);
        for (int i = 0; i < LinuxProcess.MAX_QUEUED; i++) {
            assertThat(state.queue(rt, new PendingSignal(-6, true, "tkill"), false)).isTrue();
        }
        ThreadRunner r = program(SVC);
        r.context().setX(0, p.pid());
        r.context().setX(1, rt + 1);
        r.context().setX(8, LinuxSyscall.KILL.number());

        r.run(1);

        assertThat(r.context().x(0)).isEqualTo(rt + 1);
        long frame = r.context().sp();
        assertThat(p.cpu().read(frame + 8, 4)).as("SI_USER").isZero();
        assertThat(p.cpu().read(frame + 16, 4)).as("si_pid: Linux had no queue entry to name the sender in").isZero();
        assertThat(p.cpu().read(frame + 20, 4)).as("si_uid").isZero();
    }

    @Test
    void aRealTimeSignalKillSendsWithinTheLimitNamesTheSender() {
        int rt = 40;
        assertThat(sigaction(rt, code + 0x100, SignalAction.SA_SIGINFO, 0, 0)).isZero();
        ThreadRunner r = program(SVC);
        r.context().setX(0, p.pid());
        r.context().setX(1, rt);
        r.context().setX(8, LinuxSyscall.KILL.number());

        r.run(1);

        assertThat(r.context().x(0)).isEqualTo(rt);
        assertThat(p.cpu().read(r.context().sp() + 16, 4)).as("si_pid").isEqualTo(p.pid());
    }

    @Test
    void theKillReportNamesTheCallThatSentTheInstanceThatKilled() {
        int rt = 40; // its default action terminates
        p.cpu().write(data + 256, 8, 1L << (rt - 1));
        assertThat(call(LinuxSyscall.RT_SIGPROCMASK, 0, data + 256, 0, 8)).isZero();
        assertThat(call(LinuxSyscall.TKILL, p.pid(), rt)).isZero();
        assertThat(call(LinuxSyscall.KILL, p.pid(), rt)).isZero();
        ThreadRunner r = program(SVC);
        r.context().setX(0, 1); // SIG_UNBLOCK
        r.context().setX(1, data + 256);
        r.context().setX(2, 0);
        r.context().setX(3, 8);
        r.context().setX(8, LinuxSyscall.RT_SIGPROCMASK.number());

        r.run(10);

        assertThat(p.state()).isEqualTo(ProcessState.KILLED);
        assertThat(p.killReport().signal()).isEqualTo(rt);
        assertThat(p.killReport().reason()).contains("to itself with tkill and rt_sigprocmask delivered it");
    }

    @Test
    void theHandlerReturnsToSaRestorerItself() {
        int loop = 0x1400_0000; // b .
        p.cpu().write(code + 0x200, 4, loop);
        assertThat(sigaction(SIGUSR1, code + 0x200, SignalAction.SA_RESTORER, code + 0x300, 0)).isZero();
        ThreadRunner r = program(SVC);
        r.context().setX(0, p.pid());
        r.context().setX(1, SIGUSR1);
        r.context().setX(8, LinuxSyscall.TKILL.number());

        r.run(100);

        assertThat(r.context().pc()).isEqualTo(code + 0x200);
        assertThat(r.context().x(30)).as("x30, as Linux's setup_return sets it").isEqualTo(code + 0x300);
    }

    @Test
    void aFrameRtSigreturnRefusesLeavesTheFpSimdRegistersAsTheyWere() {
        // the handler: FPSR.IXC into the frame's fpsimd record, its magic spoiled, ret
        int movW9Ixc = 0x5280_0209; // mov w9, #0x10
        int strW9Fpsr = 0xB901_D849; // str w9, [x2, #472]: the record's FPSR
        int strWzrMagic = 0xB901_D05F; // str wzr, [x2, #464]: the record's magic
        int ret = 0xD65F_03C0;
        ByteBuffer handler = ByteBuffer.allocate(16).order(ByteOrder.LITTLE_ENDIAN).putInt(movW9Ixc).putInt(strW9Fpsr)
                .putInt(strWzrMagic).putInt(ret);
        p.cpu().copyOut(code + 0x200, handler.array(), 0, 16);
        assertThat(sigaction(SIGUSR1, code + 0x200, SignalAction.SA_SIGINFO, 0, 0)).isZero();
        ThreadRunner r = program(SVC);
        r.context().setX(0, p.pid());
        r.context().setX(1, SIGUSR1);
        r.context().setX(8, LinuxSyscall.TKILL.number());

        r.run(1_000);

        assertThat(p.state()).isEqualTo(ProcessState.KILLED);
        assertThat(p.killReport().reason()).contains("rt_sigreturn found no signal frame");
        assertThat(fx.sos.linux().state(p).signalsDelivered()).containsOnlyKeys("SIGUSR1");
        assertThat(r.context().fpsr()).as("not loaded from a frame refused").isZero();
    }

    @Test
    void pendingSynchronousSignalsAreDeliveredBeforeLowerOnes() {
        int sighup = 1;
        assertThat(sigaction(sighup, code + 0x100, 0, 0, 0)).isZero();
        assertThat(sigaction(SIGSEGV, code + 0x100, 0, 0, 0)).isZero();
        p.cpu().write(data + 256, 8, 1L << (sighup - 1) | 1L << (SIGSEGV - 1));
        assertThat(call(LinuxSyscall.RT_SIGPROCMASK, 0, data + 256, 0, 8)).isZero();
        assertThat(call(LinuxSyscall.TKILL, p.pid(), sighup)).isZero();
        assertThat(call(LinuxSyscall.TKILL, p.pid(), SIGSEGV)).isZero();
        ThreadRunner r = program(SVC);
        r.context().setX(0, 1); // SIG_UNBLOCK both
        r.context().setX(1, data + 256);
        r.context().setX(2, 0);
        r.context().setX(3, 8);
        r.context().setX(8, LinuxSyscall.RT_SIGPROCMASK.number());

        r.run(1);

        // Linux's next_signal takes SIGSEGV first: its frame is below SIGHUP's, whose handler runs first
        assertThat(r.context().x(0)).isEqualTo(sighup);
        assertThat(fx.sos.linux().state(p).signalsDelivered().keySet()).containsExactly("SIGSEGV", "SIGHUP");
    }

    @Test
    void aSignalSentToItselfWithAHandlerRunsItAndReturnsWithTheCallsResult() {
        assertThat(sigaction(SIGUSR1, code + 0x100, SignalAction.SA_SIGINFO, 0, 0)).isZero();
        // the handler steps the pc by 4 more: past the svc's successor, a udf, to the exit
        ThreadRunner r = program(SVC, UDF, MOV_X0_7, MOV_X8_EXIT_GROUP, SVC);
        r.context().setX(0, p.pid());
        r.context().setX(1, SIGUSR1);
        r.context().setX(8, LinuxSyscall.TKILL.number());

        r.run(10_000);

        assertThat(p.state()).as("%s", p.killReport()).isEqualTo(ProcessState.EXITED);
        assertThat(p.exitCode()).isEqualTo(7);
        assertThat(fx.sos.linux().state(p).signalsDelivered()).containsEntry("SIGUSR1", 1L);
    }
}
