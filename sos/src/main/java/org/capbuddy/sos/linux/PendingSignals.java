package org.capbuddy.sos.linux;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.Map;

/**
 * One list of pending signals, as Linux's struct sigpending: the set of signals pending and the
 * instances queued for each, oldest first. A signal may be pending with no instance queued, as
 * Linux leaves one it could not allocate a queue entry for: it is taken once, with SI_USER and no
 * sender, and only when no instance of it is queued (one that is takes its place).
 */
final class PendingSignals {
    /** Signal n is bit n - 1, as in a Linux sigset_t. */
    private long set;
    private final Map<Integer, ArrayDeque<PendingSignal>> queued = new HashMap<>();
    /** The call that sent each signal pending with no instance queued. */
    private final String[] sentWithout = new String[65];
    private int instances; // real-time ones only

    long set() {
        return set;
    }

    boolean has(int signal) {
        return (set & Sigsets.bit(signal)) != 0;
    }

    /** How many real-time instances are queued in this list: what RLIMIT_SIGPENDING counts in SOS. */
    int realTimeInstances() {
        return instances;
    }

    private void counted(int signal, int n) {
        if (signal >= LinuxProcess.SIGRTMIN) {
            instances += n;
        }
    }

    /** Queues one more instance of {@code signal}. */
    void add(int signal, PendingSignal instance) {
        queued.computeIfAbsent(signal, s -> new ArrayDeque<>()).addLast(instance);
        counted(signal, 1);
        set |= Sigsets.bit(signal);
    }

    /** Makes {@code signal} pending with no instance of its own, unless it is pending already. */
    void addWithoutInstance(int signal, String call) {
        if (!has(signal)) {
            sentWithout[signal] = call;
            set |= Sigsets.bit(signal);
        }
    }

    /**
     * Takes one instance of pending {@code signal}: the oldest queued, the signal staying pending
     * while others are; or, with none queued, Linux's siginfo for a signal without one (SI_USER,
     * no sender).
     */
    PendingSignal take(int signal) {
        ArrayDeque<PendingSignal> list = queued.get(signal);
        if (list == null) {
            set &= ~Sigsets.bit(signal);
            String call = sentWithout[signal];
            sentWithout[signal] = null;
            return new PendingSignal(0, false, call);
        }
        PendingSignal instance = list.removeFirst();
        counted(signal, -1);
        if (list.isEmpty()) {
            queued.remove(signal);
            set &= ~Sigsets.bit(signal);
            sentWithout[signal] = null;
        }
        return instance;
    }

    /** Discards every pending instance of {@code signal}. */
    void discard(int signal) {
        ArrayDeque<PendingSignal> list = queued.remove(signal);
        if (list != null) {
            counted(signal, -list.size());
        }
        sentWithout[signal] = null;
        set &= ~Sigsets.bit(signal);
    }

    /** How many instances of {@code signal} are pending (one with none queued counts once). */
    int count(int signal) {
        ArrayDeque<PendingSignal> list = queued.get(signal);
        return list != null ? list.size() : has(signal) ? 1 : 0;
    }
}
