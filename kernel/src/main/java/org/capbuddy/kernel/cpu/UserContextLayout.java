package org.capbuddy.kernel.cpu;

import org.capbuddy.aarch64.cpu.CpuState;

/**
 * The order of registers in AArch64 {@code seL4_UserContext}, which TCB_ReadRegisters and
 * TCB_WriteRegisters use: the frame registers (pc, sp, spsr, x0–x8, x16, x17, x18, x29, x30), then
 * the general-purpose ones (x9–x15, x19–x28, tpidr_el0, tpidrro_el0): 36 words.
 */
public final class UserContextLayout {
    private UserContextLayout() {
    }

    public static final int PC = 0;
    public static final int SP = 1;
    public static final int SPSR = 2;
    /** The number of frame registers, then of all registers. */
    public static final int FRAME_REGISTERS = 17;
    public static final int REGISTERS = 36;

    /** Which X register word {@code i} is, or -1 for pc, sp, spsr, tpidr_el0 and tpidrro_el0. */
    private static final int[] X_OF_WORD = {
        -1, -1, -1, 0, 1, 2, 3, 4, 5, 6, 7, 8, 16, 17, 18, 29, 30,
        9, 10, 11, 12, 13, 14, 15, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, -1, -1,
    };
    private static final int TPIDR = 34;
    private static final int TPIDRRO = 35;
    /** The SPSR bits user code may set: NZCV (seL4's sanitiseRegister keeps only these). */
    private static final long SPSR_USER_BITS = 0xF000_0000L;
    /**
     * seL4's {@code PSTATE_USER}, the rest of every user thread's SPSR: EL0t with FIQs masked. It
     * is what {@code Arch_initContext} gives a new thread and what {@code sanitiseRegister} adds
     * to the flags of a written SPSR, so a thread's SPSR is always its flags plus these bits. The
     * value is that of seL4's default build; a release (non-debug) build also masks SError (0x100).
     */
    public static final long PSTATE_USER = 0x40;

    /** The word of the context that holds X{@code n} (0..30), as a reader of TCB_ReadRegisters needs it. */
    public static int wordOfX(int n) {
        for (int i = 0; i < X_OF_WORD.length; i++) {
            if (X_OF_WORD[i] == n) {
                return i;
            }
        }
        throw new IllegalArgumentException("no register x" + n + " in seL4_UserContext");
    }

    /** Word {@code i} (0..35) of the context. */
    public static long read(CpuState s, int i) {
        return switch (i) {
            case PC -> s.pc();
            case SP -> s.sp();
            case SPSR -> spsr(s);
            case TPIDR -> s.tpidr();
            case TPIDRRO -> s.tpidrro();
            default -> s.x(X_OF_WORD[i]);
        };
    }

    /** The thread's SPSR as seL4 holds it: the flags plus {@link #PSTATE_USER}. */
    public static long spsr(CpuState s) {
        return s.nzcv() & SPSR_USER_BITS | PSTATE_USER;
    }

    /** Sets word {@code i} (0..35), sanitised as seL4 does (SPSR keeps only the flags). */
    public static void write(CpuState s, int i, long value) {
        switch (i) {
            case PC -> s.setPc(value);
            case SP -> s.setSp(value);
            case SPSR -> s.setNzcv((int) (value & SPSR_USER_BITS));
            case TPIDR -> s.setTpidr(value);
            case TPIDRRO -> s.setTpidrro(value);
            default -> s.setX(X_OF_WORD[i], value);
        }
    }
}
