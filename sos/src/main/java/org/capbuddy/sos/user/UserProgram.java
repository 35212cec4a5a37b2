package org.capbuddy.sos.user;

/** A user program: Java code that touches memory only through its {@link UserContext}. */
@FunctionalInterface
public interface UserProgram<R> {
    R run(UserContext ctx) throws MemoryFault;
}
