package org.capbuddy.sos.linux;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.capbuddy.kernel.cpu.ThreadRunner;
import org.capbuddy.sos.SosFixture;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.process.ProcessState;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * ITIMER_REAL and the waits for a signal against the process's modelled clock (a millisecond per
 * call plus the time slept), one call at a time: setitimer and getitimer read back exactly and
 * refuse as Linux does, an expiry sends SIGALRM as a kill of itself (pending when blocked, dropped
 * when ignored, the default action kills), a periodic timer re-arms when its signal is taken,
 * sleeps are cut short, and a wait nothing can end kills instead of hanging.
 */
class TimersAndWaitsTest {
    private static final int SVC = 0xD400_0001;
    private static final int SIGALRM = 14;
    private static final int SIGUSR1 = 10;
    private static final long ALRM = 1L << (SIGALRM - 1);
    private static final long MS = 1_000_000;

    private SosFixture fx;
    private Process p;
    private long code;
    private long data;
    private LinuxProcess state;

    @BeforeEach
    void setUp() {
        fx = new SosFixture(true);
        p = fx.process();
        code = fx.codePage(p);
        data = fx.codePage(p);
        state = fx.sos.linux().state(p);
    }

    private long call(LinuxSyscall number, long... args) {
        return fx.linuxCall(p, code, number.number(), args);
    }

    /** One call with SP on the stack, so that a handler's frame has room; the runner after it. */
    private ThreadRunner callOnStack(LinuxSyscall number, long... args) {
        ThreadRunner r = fx.load(p, code, SVC);
        r.context().setSp(Layout.STACK_TOP - 0x100);
        for (int i = 0; i < args.length; i++) {
            r.context().setX(i, args[i]);
        }
        r.context().setX(8, number.number());
        r.run(1);
        return r;
    }

    private void writeWords(long at, long... words) {
        for (int i = 0; i < words.length; i++) {
            p.cpu().write(at + 8L * i, 8, words[i]);
        }
    }

    /** setitimer(ITIMER_REAL) to expire after {@code value} ns with period {@code interval} ns; its result. */
    private long setitimer(int which, long value, long interval) {
        writeWords(data, interval / 1_000_000_000, interval % 1_000_000_000 / 1000, value / 1_000_000_000,
                value % 1_000_000_000 / 1000);
        return call(LinuxSyscall.SETITIMER, which, data, 0);
    }

    /** getitimer(ITIMER_REAL): {interval ns, value ns}. */
    private long[] getitimer() {
        assertThat(call(LinuxSyscall.GETITIMER, 0, data + 64)).isZero();
        long[] w = new long[4];
        for (int i = 0; i < 4; i++) {
            w[i] = p.cpu().read(data + 64 + 8L * i, 8);
        }
        return new long[] {w[0] * 1_000_000_000 + w[1] * 1000, w[2] * 1_000_000_000 + w[3] * 1000};
    }

    private long[] words(long at, int count) {
        long[] w = new long[count];
        for (int i = 0; i < count; i++) {
            w[i] = p.cpu().read(at + 8L * i, 8);
        }
        return w;
    }

    private void handler(int signal, long handler) {
        ByteBuffer act = ByteBuffer.allocate(32).order(ByteOrder.LITTLE_ENDIAN).putLong(handler).putLong(0).putLong(0)
                .putLong(0);
        p.cpu().copyOut(data + 0x200, act.array(), 0, 32);
        assertThat(call(LinuxSyscall.RT_SIGACTION, signal, data + 0x200, 0, 8)).isZero();
    }

    private void block(long mask) {
        p.cpu().write(data + 0x300, 8, mask);
        assertThat(call(LinuxSyscall.RT_SIGPROCMASK, 2, data + 0x300, 0, 8)).isZero();
    }

    @Test
    void getitimerReadsBackThePeriodAndTheTimeLeftOnTheProcesssClock() {
        assertThat(setitimer(0, 2_500 * MS, 100 * MS)).isZero();

        long[] t = getitimer();

        assertThat(t[0]).isEqualTo(100 * MS);
        assertThat(t[1]).as("a millisecond has passed: the getitimer call").isEqualTo(2_499 * MS);
        assertThat(state.realTimer().armed()).isTrue();
    }

    @Test
    void setitimersOldValueIsWhatWasLeftAndZeroDisarmsAndClearsThePeriod() {
        assertThat(setitimer(0, 5_000 * MS, 7 * MS)).isZero();
        writeWords(data, 0, 0, 0, 0);

        assertThat(call(LinuxSyscall.SETITIMER, 0, data, data + 128)).isZero();

        assertThat(p.cpu().read(data + 128, 8)).isZero();
        assertThat(p.cpu().read(data + 136, 8)).isEqualTo(7000);
        assertThat(p.cpu().read(data + 144, 8) * 1_000_000 + p.cpu().read(data + 152, 8)).isEqualTo(4_999_000);
        assertThat(getitimer()).containsExactly(0, 0);
    }

    @Test
    void badArgumentsGetLinuxsErrorsAndChangeNothing() {
        assertThat(setitimer(0, 3_000 * MS, 0)).isZero();
        long expires = state.realTimer().expires();

        assertThat(setitimer(7, 1_000 * MS, 0)).as("no such timer").isEqualTo(-22);
        assertThat(setitimer(-1, 1_000 * MS, 0)).isEqualTo(-22);
        assertThat(call(LinuxSyscall.SETITIMER, 0, 8, 0)).as("an unmapped new value").isEqualTo(-14);
        writeWords(data, 0, 0, 1, 1_000_000);
        assertThat(call(LinuxSyscall.SETITIMER, 0, data, 0)).as("a million microseconds").isEqualTo(-22);
        writeWords(data, 0, -1, 1, 0);
        assertThat(call(LinuxSyscall.SETITIMER, 0, data, 0)).as("a negative period").isEqualTo(-22);
        writeWords(data, -1, 0, 1, 0);
        assertThat(call(LinuxSyscall.SETITIMER, 0, data, 0)).isEqualTo(-22);
        assertThat(call(LinuxSyscall.GETITIMER, 3, data)).isEqualTo(-22);
        assertThat(call(LinuxSyscall.GETITIMER, 0, 8)).isEqualTo(-14);

        assertThat(state.realTimer().armed()).isTrue();
        assertThat(state.realTimer().expires()).isEqualTo(expires);
        assertThat(state.realTimer().interval()).isZero();
        assertThat(state.pendingSignals()).isZero();
    }

    @Test
    void cpuTimeTimersCannotBeArmedSoArmingIsRefusedWhileReadingAndDisarmingSucceedAsOnLinux() {
        for (int which : new int[] {1, 2}) {
            writeWords(data + 0x100, 9, 9, 9, 9);
            assertThat(call(LinuxSyscall.GETITIMER, which, data + 0x100)).as("which %d", which).isZero();
            assertThat(words(data + 0x100, 4)).containsExactly(0, 0, 0, 0);

            assertThat(setitimer(which, 1_000 * MS, 0)).as("arming: the model has no CPU time").isEqualTo(-38);

            // Linux's set_cpu_itimer keeps the period of a disarming call, and getitimer reads it
            writeWords(data, 1, 500, 0, 0);
            writeWords(data + 0x100, 9, 9, 9, 9);
            assertThat(call(LinuxSyscall.SETITIMER, which, data, data + 0x100)).isZero();
            assertThat(words(data + 0x100, 4)).as("the old value").containsExactly(0, 0, 0, 0);
            assertThat(call(LinuxSyscall.GETITIMER, which, data + 0x100)).isZero();
            assertThat(words(data + 0x100, 4)).containsExactly(1, 500, 0, 0);
            writeWords(data + 0x100, 9, 9, 9, 9);
            assertThat(call(LinuxSyscall.SETITIMER, which, 0, data + 0x100)).as("NULL: all zero").isZero();
            assertThat(words(data + 0x100, 4)).containsExactly(1, 500, 0, 0);
            assertThat(call(LinuxSyscall.GETITIMER, which, 8)).isEqualTo(-14);
            assertThat(call(LinuxSyscall.SETITIMER, which, 0, 8)).isEqualTo(-14);
        }
        assertThat(state.refusedCalls()).containsEntry("setitimer: arming ITIMER_VIRTUAL (the model has no CPU time)", 1L)
                .containsEntry("setitimer: arming ITIMER_PROF (the model has no CPU time)", 1L);
        assertThat(state.realTimer().armed()).isFalse();
        assertThat(getitimer()).containsExactly(0, 0);
    }

    @Test
    void getitimerCutsTheTimeLeftToWholeMicrosecondsAndReadsOneOnlyForATimerAlreadyDue() {
        block(ALRM); // the expiry on the second call's way out stays pending
        assertThat(setitimer(0, 10 * MS, 0)).isZero();
        state.setRealTimer(new RealTimer(true, state.now() + 1 * MS + 750, 0)); // the getitimer call's millisecond, then 750 ns

        assertThat(getitimer()[1]).as("750 ns left: cut to 0 µs").isZero();

        state.setRealTimer(new RealTimer(true, state.now() + 1 * MS, 0)); // due at the getitimer call itself
        assertThat(getitimer()[1]).as("due, not yet acted on: 1 µs").isEqualTo(1000);
        assertThat(state.pendingSignals()).as("then its way out acted on it").isEqualTo(ALRM);
    }

    @Test
    void aBadPlaceForTheOldValueIsEfaultWithTheNewTimerStandingAsOnLinux() {
        writeWords(data, 0, 0, 2, 0);

        assertThat(call(LinuxSyscall.SETITIMER, 0, data, 8)).isEqualTo(-14);

        assertThat(getitimer()[1]).isEqualTo(1_999 * MS);
    }

    @Test
    void anExpiryWhileSigalrmIsBlockedLeavesItPendingWithSiKernel() {
        block(ALRM);
        assertThat(setitimer(0, 3 * MS, 0)).isZero();

        for (int i = 0; i < 3; i++) {
            assertThat(call(LinuxSyscall.GETPID)).isEqualTo(p.pid());
        }

        assertThat(state.pendingSignals()).isEqualTo(ALRM);
        assertThat(state.realTimer().armed()).isFalse();
        p.cpu().write(data, 8, ALRM);
        assertThat(call(LinuxSyscall.RT_SIGTIMEDWAIT, data, data + 256, 0, 8)).isEqualTo(SIGALRM);
        assertThat(p.cpu().read(data + 256, 4)).isEqualTo(SIGALRM);
        assertThat(p.cpu().read(data + 264, 4)).as("SI_KERNEL").isEqualTo(0x80);
        assertThat(p.cpu().read(data + 272, 4)).as("no sender").isZero();
    }

    @Test
    void anIgnoredSigalrmIsDroppedAndAPeriodicTimerStopsAsLinuxsDoes() {
        handler(SIGALRM, 1); // SIG_IGN
        assertThat(setitimer(0, 2 * MS, 2 * MS)).isZero();

        for (int i = 0; i < 4; i++) {
            call(LinuxSyscall.GETPID);
        }

        assertThat(state.pendingSignals()).isZero();
        assertThat(getitimer()).as("never taken, so never re-armed").containsExactly(2 * MS, 0);
    }

    @Test
    void theDefaultActionKillsWithSigalrmsStatusNamingTheTimer() {
        assertThat(setitimer(0, 2 * MS, 0)).isZero();

        for (int i = 0; i < 3 && p.state() != ProcessState.KILLED; i++) {
            call(LinuxSyscall.GETPID);
        }

        assertThat(p.state()).isEqualTo(ProcessState.KILLED);
        assertThat(p.killReport().signal()).isEqualTo(SIGALRM);
        assertThat(p.killReport().reason()).contains("ITIMER_REAL");
    }

    @Test
    void aCallSosDoesNotServeStillExpiresTheTimerAndDeliversOnItsWayOut() {
        int times = 153;
        handler(SIGALRM, code + 0x100);
        assertThat(setitimer(0, 3 * MS, 0)).isZero();
        ThreadRunner r = null;

        for (int i = 0; i < 5 && !state.signalsDelivered().containsKey("SIGALRM"); i++) {
            r = fx.load(p, code, SVC);
            r.context().setSp(Layout.STACK_TOP - 0x100);
            r.context().setX(8, times);
            r.run(1);
        }

        assertThat(state.signalsDelivered()).as("the handler ran").containsKey("SIGALRM");
        assertThat(r.context().x(0)).isEqualTo(SIGALRM);
        assertThat(p.cpu().read(r.context().sp() + SignalFrame.REGS, 8)).as("x0: ENOSYS").isEqualTo(-38);
    }

    @Test
    void anExpiryOnTheWayOutOfACallSosDoesNotServeKillsByDefault() {
        assertThat(setitimer(0, 2 * MS, 0)).isZero();

        for (int i = 0; i < 3 && p.state() != ProcessState.KILLED; i++) {
            assertThat(call(LinuxSyscall.GETPID)).isNotNegative();
            fx.linuxCall(p, code, 153, 0);
        }

        assertThat(p.state()).isEqualTo(ProcessState.KILLED);
        assertThat(p.killReport().signal()).isEqualTo(SIGALRM);
        assertThat(p.killReport().reason()).contains("#153 times delivered it");
    }

    /**
     * A 1 ms periodic timer with a handler, a period as short as the clock's step: the handler's
     * return (rt_sigreturn) takes the clock no time, so the program goes on between expiries
     * (when it cost a millisecond, the timer was due again at every return and the program never
     * ran another instruction of its own).
     */
    @Test
    void aOneMillisecondPeriodicTimerWithAHandlerLetsTheProgramRun() {
        p.cpu().write(code + 0x100, 4, 0xD65F_03C0L); // the handler: ret
        handler(SIGALRM, code + 0x100);
        assertThat(setitimer(0, MS, MS)).isZero();
        // getpid in a loop: movz x8, #172; svc #0; b .-8
        ThreadRunner r = fx.load(p, code, 0xD280_1588, 0xD400_0001, 0x17FF_FFFE);
        r.context().setSp(Layout.STACK_TOP - 0x100);
        r.run(3000);
        assertThat(state.calls().get(LinuxSyscall.GETPID)).as("the program's own calls").isGreaterThan(50);
        assertThat(state.signalsDelivered().get("SIGALRM")).as("the handler ran between them").isGreaterThan(50);
    }

    @Test
    void aPeriodicTimerReArmsWhenItsSignalIsTakenAtItsNextPeriodAfterNow() {
        block(ALRM);
        p.cpu().write(data + 0x400, 8, ALRM);
        assertThat(setitimer(0, 10 * MS, 4 * MS)).isZero();
        long first = state.realTimer().expires();

        assertThat(call(LinuxSyscall.RT_SIGTIMEDWAIT, data + 0x400, 0, 0, 8)).isEqualTo(SIGALRM);

        assertThat(state.now()).as("the wait moved the clock to the expiry").isEqualTo(first);
        assertThat(state.realTimer().armed()).isTrue();
        assertThat(state.realTimer().expires()).isEqualTo(first + 4 * MS);
        for (int i = 0; i < 9; i++) {
            call(LinuxSyscall.GETPID); // 9 ms: it expires once and stays unarmed until its signal is taken
        }
        assertThat(state.pendingCount(SIGALRM)).isEqualTo(1);
        assertThat(state.realTimer().armed()).isFalse();
        assertThat(call(LinuxSyscall.RT_SIGTIMEDWAIT, data + 0x400, 0, 0, 8)).isEqualTo(SIGALRM);
        assertThat(state.realTimer().expires()).as("forwarded by whole periods past now").isGreaterThan(state.now())
                .isEqualTo(first + 12 * MS);
    }

    @Test
    void pauseWithNothingToWakeItEndsTheProcessInsteadOfHanging() {
        call(LinuxSyscall.PPOLL, 0, 0, 0, 0);

        assertThat(p.state()).isEqualTo(ProcessState.KILLED);
        assertThat(p.killReport().signal()).isEqualTo(9);
        assertThat(p.killReport().reason()).contains("ppoll waited for a signal that nothing could send");
    }

    @Test
    void sigsuspendUnderAMaskThatBlocksTheTimersSignalWaitsForever() {
        assertThat(setitimer(0, 5 * MS, 0)).isZero();
        p.cpu().write(data + 0x400, 8, ALRM);

        call(LinuxSyscall.RT_SIGSUSPEND, data + 0x400, 8);

        assertThat(p.state()).isEqualTo(ProcessState.KILLED);
        assertThat(p.killReport().reason()).contains("rt_sigsuspend waited for a signal that nothing could send");
    }

    @Test
    void pauseMovesTheClockToTheExpiryAndTheDefaultActionKills() {
        assertThat(setitimer(0, 1_000 * MS, 0)).isZero();

        call(LinuxSyscall.PPOLL, 0, 0, 0, 0);

        assertThat(p.state()).isEqualTo(ProcessState.KILLED);
        assertThat(p.killReport().signal()).isEqualTo(SIGALRM);
        assertThat(p.killReport().reason()).contains("ppoll delivered it");
        assertThat(state.now()).isGreaterThanOrEqualTo(1_000 * MS);
    }

    @Test
    void sigsuspendRunsTheHandlerUnderItsMaskAndTheFrameSavesTheOldOne() {
        handler(SIGALRM, code + 0x100);
        long usr1 = 1L << (SIGUSR1 - 1);
        block(ALRM);
        assertThat(setitimer(0, 50 * MS, 0)).isZero();
        p.cpu().write(data + 0x400, 8, usr1);

        ThreadRunner r = callOnStack(LinuxSyscall.RT_SIGSUSPEND, data + 0x400, 8);

        assertThat(p.state()).as("%s", p.killReport()).isNotEqualTo(ProcessState.KILLED);
        assertThat(r.context().x(0)).as("in the handler").isEqualTo(SIGALRM);
        long frame = r.context().sp();
        assertThat(p.cpu().read(frame + SignalFrame.REGS, 8)).as("x0: EINTR").isEqualTo(-4);
        assertThat(p.cpu().read(frame + SignalFrame.UC_SIGMASK, 8)).as("the mask before sigsuspend").isEqualTo(ALRM);
        assertThat(state.blockedSignals()).as("sigsuspend's mask and the signal itself").isEqualTo(usr1 | ALRM);
    }

    @Test
    void sigsuspendReturnsAtOnceForAPendingSignalItsMaskLetsThrough() {
        long usr1 = 1L << (SIGUSR1 - 1);
        handler(SIGUSR1, code + 0x100);
        block(usr1);
        assertThat(call(LinuxSyscall.TKILL, p.pid(), SIGUSR1)).isZero();
        p.cpu().write(data + 0x400, 8, 0);
        long before = state.now();

        ThreadRunner r = callOnStack(LinuxSyscall.RT_SIGSUSPEND, data + 0x400, 8);

        assertThat(r.context().x(0)).as("in the handler").isEqualTo(SIGUSR1);
        assertThat(state.now() - before).as("only the call's own millisecond").isEqualTo(1 * MS);
        assertThat(p.cpu().read(r.context().sp() + SignalFrame.UC_SIGMASK, 8)).isEqualTo(usr1);
    }

    @Test
    void aPendingSignalWhoseDefaultIsToIgnoreDoesNotEndAWait() {
        long sigchld = 1L << (17 - 1);
        block(sigchld);
        assertThat(call(LinuxSyscall.TKILL, p.pid(), 17)).isZero();
        assertThat(state.pendingSignals()).as("blocked: kept though its default is to ignore").isEqualTo(sigchld);
        p.cpu().write(data + 0x400, 8, 0);

        call(LinuxSyscall.RT_SIGSUSPEND, data + 0x400, 8);

        assertThat(p.state()).as("Linux restarts the wait: it would wait forever").isEqualTo(ProcessState.KILLED);
        assertThat(p.killReport().signal()).isEqualTo(9);
    }

    @Test
    void anExpiryInsideASleepCutsItShortWithTheTimeLeftWhenAHandlerRuns() {
        handler(SIGALRM, code + 0x100);
        assertThat(setitimer(0, 1_000 * MS, 0)).isZero();
        writeWords(data + 0x400, 5, 0);

        ThreadRunner r = callOnStack(LinuxSyscall.NANOSLEEP, data + 0x400, data + 0x440);

        assertThat(r.context().x(0)).as("in the handler").isEqualTo(SIGALRM);
        assertThat(p.cpu().read(r.context().sp() + SignalFrame.REGS, 8)).as("EINTR").isEqualTo(-4);
        assertThat(p.cpu().read(data + 0x440, 8)).isEqualTo(4);
        assertThat(p.cpu().read(data + 0x448, 8)).as("the sleep began a call after the timer was set")
                .isEqualTo(1 * MS);
    }

    @Test
    void aSleepGoesOnWhenTheSignalIsBlockedAndAnAbsoluteOneWritesNoRemainder() {
        block(ALRM);
        assertThat(setitimer(0, 10 * MS, 0)).isZero();
        writeWords(data + 0x400, 0, 50 * MS);
        long before = state.now();

        assertThat(call(LinuxSyscall.NANOSLEEP, data + 0x400, data + 0x440)).isZero();

        assertThat(state.now() - before).isEqualTo(51 * MS);
        assertThat(state.pendingSignals()).isEqualTo(ALRM);
        assertThat(p.cpu().read(data + 0x440, 8)).isZero();

        handler(SIGALRM, code + 0x100);
        p.cpu().write(data + 0x500, 8, ALRM);
        assertThat(call(LinuxSyscall.RT_SIGTIMEDWAIT, data + 0x500, 0, 0, 8)).isEqualTo(SIGALRM);
        assertThat(setitimer(0, 10 * MS, 0)).isZero();
        block(0);
        long monotonic = 1_000_000_000L; // an absolute CLOCK_MONOTONIC time a second ahead
        writeWords(data + 0x400, monotonic / 1_000_000_000, 0);
        writeWords(data + 0x440, 77, 77);
        ThreadRunner r = callOnStack(LinuxSyscall.CLOCK_NANOSLEEP, 1, 1, data + 0x400, data + 0x440);
        assertThat(p.cpu().read(r.context().sp() + SignalFrame.REGS, 8)).isEqualTo(-4);
        assertThat(p.cpu().read(data + 0x440, 8)).as("TIMER_ABSTIME: no remainder").isEqualTo(77);
    }

    @Test
    void sigtimedwaitChecksInLinuxsOrderAndItsTimeoutIsEagain() {
        p.cpu().write(data, 8, ALRM);
        assertThat(call(LinuxSyscall.RT_SIGTIMEDWAIT, data, 0, 0, 4)).isEqualTo(-22);
        assertThat(call(LinuxSyscall.RT_SIGTIMEDWAIT, 8, 0, 0, 8)).isEqualTo(-14);
        assertThat(call(LinuxSyscall.RT_SIGTIMEDWAIT, data, 0, 8, 8)).isEqualTo(-14);
        writeWords(data + 0x400, 0, 1_000_000_000);
        assertThat(call(LinuxSyscall.RT_SIGTIMEDWAIT, data, 0, data + 0x400, 8)).isEqualTo(-22);
        writeWords(data + 0x400, 0, 0);
        assertThat(call(LinuxSyscall.RT_SIGTIMEDWAIT, data, 0, data + 0x400, 8)).as("zero: no wait").isEqualTo(-11);
        writeWords(data + 0x400, 2, 0);
        long before = state.now();
        assertThat(call(LinuxSyscall.RT_SIGTIMEDWAIT, data, 0, data + 0x400, 8)).isEqualTo(-11);
        assertThat(state.now() - before).isEqualTo(2_001 * MS);
        assertThat(setitimer(0, 500 * MS, 0)).isZero();
        call(LinuxSyscall.RT_SIGTIMEDWAIT, data, data + 0x500, data + 0x400, 8);

        assertThat(p.state()).as("SIG_DFL and not blocked before: Linux's complete_signal kills")
                .isEqualTo(ProcessState.KILLED);
        assertThat(p.killReport().signal()).isEqualTo(SIGALRM);
    }

    @Test
    void sigtimedwaitEndsForASignalOfItsSetKeptThoughIgnoredAsItWasBlocked() {
        handler(SIGALRM, 1); // SIG_IGN
        block(ALRM);
        assertThat(setitimer(0, 1_000 * MS, 0)).isZero();
        p.cpu().write(data, 8, ALRM);
        writeWords(data + 0x400, 30, 0);
        long before = state.now();

        assertThat(call(LinuxSyscall.RT_SIGTIMEDWAIT, data, data + 0x500, data + 0x400, 8)).isEqualTo(SIGALRM);

        assertThat(p.state()).isNotEqualTo(ProcessState.KILLED);
        assertThat(p.cpu().read(data + 0x508, 4)).as("SI_KERNEL").isEqualTo(0x80);
        assertThat(state.now() - before).as("ended at the expiry, not the 30 s timeout").isEqualTo(1_000 * MS);
        assertThat(state.blockedSignals()).isEqualTo(ALRM);
        assertThat(state.pendingSignals()).isZero();
        assertThat(setitimer(0, 1_000 * MS, 0)).isZero();
        p.cpu().write(data, 8, ALRM);
        assertThat(call(LinuxSyscall.RT_SIGTIMEDWAIT, data, 0, 0, 8)).as("no timeout: not a wait forever")
                .isEqualTo(SIGALRM);
        assertThat(p.state()).isNotEqualTo(ProcessState.KILLED);
    }

    @Test
    void sigtimedwaitDoesNotWakeForAnIgnoredSignalThatWasNotBlockedAsLinuxDropsIt() {
        handler(SIGALRM, 1); // SIG_IGN
        assertThat(setitimer(0, 1_000 * MS, 0)).isZero();
        p.cpu().write(data, 8, ALRM);
        writeWords(data + 0x400, 3, 0);
        long before = state.now();

        assertThat(call(LinuxSyscall.RT_SIGTIMEDWAIT, data, 0, data + 0x400, 8)).isEqualTo(-11);

        assertThat(state.now() - before).isEqualTo(3_001 * MS);
    }

    @Test
    void sigtimedwaitTakesAnUnblockedSignalWithAHandlerWithoutRunningIt() {
        handler(SIGALRM, code + 0x100);
        assertThat(setitimer(0, 500 * MS, 0)).isZero();
        p.cpu().write(data, 8, ALRM);

        assertThat(call(LinuxSyscall.RT_SIGTIMEDWAIT, data, 0, 0, 8)).isEqualTo(SIGALRM);

        assertThat(state.signalsDelivered()).isEmpty();
        assertThat(state.pendingSignals()).isZero();
        assertThat(state.blockedSignals()).as("the mask is as before").isZero();
    }

    /**
     * Linux's poll_select_finish restores the mask ppoll was given before the call returns unless
     * it was interrupted: a signal that mask blocked but the old one lets through is delivered on
     * the way out of a ppoll that timed out (qemu-aarch64 7.2 does not, so no recorded run shows it).
     */
    @Test
    void ppollThatTimesOutRestoresTheOldMaskBeforeTheWayOutSoItsDefaultActionKills() {
        assertThat(setitimer(0, 10 * MS, 0)).isZero();
        writeWords(data + 0x400, 0, 100 * MS);
        p.cpu().write(data + 0x500, 8, ALRM);

        call(LinuxSyscall.PPOLL, 0, 0, data + 0x400, data + 0x500, 8);

        assertThat(p.state()).isEqualTo(ProcessState.KILLED);
        assertThat(p.killReport().signal()).isEqualTo(SIGALRM);
    }

    /**
     * An ignored signal kept pending because it was blocked, which a wait's mask opens, is thrown
     * away as Linux's get_signal does when the wait is interrupted and restarted: it is not left
     * pending for a later unblock to deliver.
     */
    @Test
    void aWaitDropsAnIgnoredSignalItsMaskOpensInsteadOfLeavingItPending() {
        handler(SIGALRM, 1); // SIG_IGN
        block(ALRM);
        assertThat(call(LinuxSyscall.TKILL, p.pid(), SIGALRM)).isZero();
        assertThat(state.pendingSignals()).as("blocked: kept though ignored").isEqualTo(ALRM);
        writeWords(data + 0x400, 0, 10 * MS);
        p.cpu().write(data + 0x500, 8, 0);

        assertThat(call(LinuxSyscall.PPOLL, 0, 0, data + 0x400, data + 0x500, 8)).as("timed out").isZero();

        assertThat(state.pendingSignals()).as("dropped, as Linux drops it").isZero();
        assertThat(state.blockedSignals()).as("the old mask back").isEqualTo(ALRM);
    }

    @Test
    void ppollThatTimesOutRunsTheHandlerTheOldMaskLetsThroughAsItReturns() {
        handler(SIGALRM, code + 0x100);
        assertThat(setitimer(0, 10 * MS, 0)).isZero();
        writeWords(data + 0x400, 0, 100 * MS);
        p.cpu().write(data + 0x500, 8, ALRM);

        ThreadRunner r = callOnStack(LinuxSyscall.PPOLL, 0, 0, data + 0x400, data + 0x500, 8);

        assertThat(r.context().x(0)).as("in the handler").isEqualTo(SIGALRM);
        long frame = r.context().sp();
        assertThat(p.cpu().read(frame + SignalFrame.REGS, 8)).as("x0: ppoll timed out").isZero();
        assertThat(p.cpu().read(frame + SignalFrame.UC_SIGMASK, 8)).as("the old mask").isZero();
        assertThat(state.blockedSignals()).as("the handler's own signal").isEqualTo(ALRM);
    }

    @Test
    void ppollInterruptedKeepsItsMaskForTheHandlerAndTheFrameSavesTheOldOne() {
        long usr1 = 1L << (SIGUSR1 - 1);
        handler(SIGALRM, code + 0x100);
        block(ALRM);
        assertThat(setitimer(0, 10 * MS, 0)).isZero();
        writeWords(data + 0x400, 0, 100 * MS);
        p.cpu().write(data + 0x500, 8, usr1);

        ThreadRunner r = callOnStack(LinuxSyscall.PPOLL, 0, 0, data + 0x400, data + 0x500, 8);

        assertThat(r.context().x(0)).as("in the handler").isEqualTo(SIGALRM);
        long frame = r.context().sp();
        assertThat(p.cpu().read(frame + SignalFrame.REGS, 8)).as("x0: EINTR").isEqualTo(-4);
        assertThat(p.cpu().read(frame + SignalFrame.UC_SIGMASK, 8)).as("the old mask").isEqualTo(ALRM);
        assertThat(state.blockedSignals()).as("ppoll's mask and the signal itself").isEqualTo(usr1 | ALRM);
    }

    @Test
    void ppollWithNoDescriptorsTimesOutAndWritesTheTimeLeft() {
        writeWords(data + 0x400, 0, 0);
        assertThat(call(LinuxSyscall.PPOLL, 0, 0, data + 0x400, 0, 8)).as("a zero timeout").isZero();
        writeWords(data + 0x400, 1, 0);
        assertThat(call(LinuxSyscall.PPOLL, 0, 0, data + 0x400, 0, 8)).isZero();
        assertThat(p.cpu().read(data + 0x400, 8)).isZero();
        assertThat(p.cpu().read(data + 0x408, 8)).isZero();
        writeWords(data + 0x400, -1, 0);
        assertThat(call(LinuxSyscall.PPOLL, 0, 0, data + 0x400, 0, 8)).isEqualTo(-22);
        assertThat(call(LinuxSyscall.PPOLL, 0, 0, 0, data, 4)).as("a sigset of the wrong size").isEqualTo(-22);
        assertThat(call(LinuxSyscall.PPOLL, 0, 1025, 0, 0, 0)).as("past RLIMIT_NOFILE").isEqualTo(-22);
        assertThat(call(LinuxSyscall.PPOLL, 0x10, 1, 0, 0, 0)).as("descriptors unreadable").isEqualTo(-14);
        // standard output, asked for POLLOUT: always writable (ppoll on descriptors: PipeCallsTest)
        p.cpu().write(data, 8, 1L | 4L << 32);
        assertThat(call(LinuxSyscall.PPOLL, data, 1, 0, 0, 0)).isEqualTo(1);
        assertThat(p.cpu().read(data + 6, 2)).as("revents POLLOUT").isEqualTo(4);
        assertThat(state.refusedCalls()).isEmpty();
        assertThat(state.blockedSignals()).isZero();
    }
}
