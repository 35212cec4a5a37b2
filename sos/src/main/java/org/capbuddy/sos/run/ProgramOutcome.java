package org.capbuddy.sos.run;

/** How a program run in SOS ended. */
public enum ProgramOutcome {
    /** It called exit or exit_group. */
    EXITED,
    /** SOS killed it (a fault it refused, an undefined instruction ...); the kill report says why. */
    KILLED,
    /** It used up the instruction limit of the run and was stopped there. */
    INSTRUCTION_LIMIT,
    /** Its thread stopped for another reason (no fault handler, say). */
    STOPPED,
    /** SOS refused to start it (a malformed or hostile ELF, no memory). */
    REFUSED
}
