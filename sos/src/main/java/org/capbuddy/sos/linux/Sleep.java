package org.capbuddy.sos.linux;

/**
 * A nanosleep that blocks its process because other processes of its run can run meanwhile: it
 * sleeps from {@code start} to {@code end} on the run's clock, and is woken at {@code wakeAt}
 * (its end, or an earlier expiry of its own ITIMER_REAL, which may interrupt it); whether it was
 * {@code absolute} and where to write the time left ({@code remain}, 0 for nowhere) finish the
 * call as nanosleep would have.
 */
record Sleep(String call, long start, long end, long wakeAt, boolean absolute, long remain) {
}
