package org.capbuddy.sos.linux;

/**
 * One instance of a pending signal: the si_code it was sent with, whether its siginfo names the
 * sender (si_pid and si_uid; not for one the kernel sends of itself, nor for one Linux had no
 * queue entry for) and the call that sent it, for the kill report.
 */
record PendingSignal(int code, boolean named, String call) {
}
