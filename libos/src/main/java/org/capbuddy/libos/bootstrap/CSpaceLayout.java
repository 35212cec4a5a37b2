package org.capbuddy.libos.bootstrap;

/** How the root task's CSpace is organised for allocman. */
public enum CSpaceLayout {
    /** The boot info's empty region of the root CNode, one bitmap ({@code bootstrap_use_current_1level}). */
    SINGLE_LEVEL,
    /** The root CNode re-guarded as level 1, with L2 CNodes made on demand ({@code bootstrap_new_2level}). */
    TWO_LEVEL
}
