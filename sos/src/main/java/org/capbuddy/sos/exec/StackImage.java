package org.capbuddy.sos.exec;

import java.util.List;

/**
 * A process's stack as it is when its first instruction runs: the bytes of [{@code sp},
 * {@code top}) and where {@link InitialStack} put each thing in them (for tests and reports).
 * The array is the image itself, not a copy; records compare it by identity.
 *
 * @param top the stack's top, one past its highest byte
 * @param sp the initial stack pointer, 16-byte aligned, where {@code argc} is
 * @param bytes the contents of [{@code sp}, {@code top})
 * @param argc how many arguments
 * @param argv the address of each argument string, in order
 * @param envp the address of each environment string, in order
 * @param auxvAddress where the auxiliary vector starts
 * @param auxv the auxiliary vector as written, addresses filled in, ending with {@code AT_NULL}
 * @param execFnAddress the file name's string ({@code AT_EXECFN})
 * @param platformAddress the platform string ({@code AT_PLATFORM})
 * @param randomAddress the 16 random bytes ({@code AT_RANDOM})
 */
public record StackImage(long top, long sp, byte[] bytes, int argc, List<Long> argv, List<Long> envp, long auxvAddress,
        List<AuxEntry> auxv, long execFnAddress, long platformAddress, long randomAddress) {

    /** The value of the first entry of {@code type}, or -1 if there is none. */
    public long aux(AuxType type) {
        for (AuxEntry e : auxv) {
            if (e.type() == type) {
                return e.value();
            }
        }
        return -1;
    }
}
