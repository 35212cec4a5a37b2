package org.capbuddy.sos.process;

/** Where a process is in its life. */
public enum ProcessState {
    RUNNING,
    /** Killed by SOS for an access it had no right to; see its kill report. */
    KILLED,
    EXITED,
    /** Torn down: every frame, table, cap and slot given back. */
    DESTROYED
}
