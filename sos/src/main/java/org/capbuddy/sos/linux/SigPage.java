package org.capbuddy.sos.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The page of user code SOS maps, read-only and executable, into a process that installs a signal
 * handler: what Linux's vDSO sigreturn trampoline (and arm32's sigpage) is to a Linux process, plus
 * the one thing seL4 makes user code do itself. seL4_UserContext has no FP/SIMD registers, so SOS
 * cannot save or restore V0–V31, FPSR and FPCR through TCB_ReadRegisters and WriteRegisters: two
 * routines here do it in user mode, into and out of the frame's fpsimd_context record.
 *
 * <p>SOS enters {@link #ENTRY} with x0 = the signal, x1 = &amp;siginfo, x2 = &amp;ucontext (what the
 * handler gets), x3 = the handler, x4 = the frame's fpsimd_context record, x5 = where the handler's
 * return goes (the action's sa_restorer, or {@link #SIGRETURN}), SP = the frame and x29 = its frame
 * record. It stores FPSR, FPCR and V0–V31 into the record and branches to the handler with x30 =
 * x5, as Linux's setup_return sets it. When rt_sigreturn finds a frame it accepts, SOS sends the
 * thread to {@link #RESTORE} with SP still the frame: that routine loads the FP/SIMD registers from
 * the frame's record (a handler may have changed them there) and calls rt_sigreturn again from
 * {@link #RESTORED}, the one place where SOS then restores the general registers, so that a frame
 * SOS refuses leaves the FP/SIMD registers as they were, as under Linux.
 *
 * <p>Fork needs the same: a child must start with its parent's FP/SIMD registers, which SOS
 * cannot read. A fork's clone therefore sends the parent to {@link #FORK_ENTRY} with x4 = a
 * record below its stack (SP = the record): the routine stores FPSR, FPCR and V0–V31 there and
 * makes the clone again from {@link #FORK_SVC}, where SOS forks (the child's memory, the record
 * included, is a copy); parent and child then load the registers from the record and make a last
 * clone from {@link #FORK_DONE}, where SOS gives each its general registers as they were at the
 * first clone, x0 the call's result.
 */
final class SigPage {
    /** Where SOS maps it: the page above the IPC buffer, which no other region may take (see Layout). */
    static final long ADDRESS = org.capbuddy.sos.addrspace.Layout.SIGNAL_PAGE;
    static final long ENTRY = ADDRESS;

    private static final int MRS_X6_FPSR = 0xD53B_4426;
    private static final int MRS_X7_FPCR = 0xD53B_4407;
    private static final int MSR_FPSR_X6 = 0xD51B_4426;
    private static final int MSR_FPCR_X7 = 0xD51B_4407;
    private static final int STP_W6_W7_X4_8 = 0x2901_1C86;
    private static final int LDP_W6_W7_X9_8 = 0x2941_1D26;
    private static final int ADD_X6_X4_16 = 0x9100_4086;
    private static final int ADD_X6_X9_16 = 0x9100_4126;
    /** add x9, sp, #FPSIMD: the record of the frame at SP. */
    private static final int ADD_X9_SP_FPSIMD = 0x9100_0000 | SignalFrame.FPSIMD << 10 | 31 << 5 | 9;
    private static final int MOV_X30_X5 = 0xAA05_03FE;
    private static final int BR_X3 = 0xD61F_0060;
    private static final int MOV_X8_RT_SIGRETURN = 0xD280_0008 | (139 << 5);
    private static final int MOV_X8_CLONE = 0xD280_0008 | (220 << 5);
    private static final int LDP_W6_W7_X4_8 = 0x2941_1C86;
    private static final int SVC_0 = 0xD400_0001;

    /** Words of the entry routine: save FPSR and FPCR, their record address, 16 pair stores, the branch. */
    private static final int ENTRY_WORDS = 4 + 16 + 2;
    private static final int[] CODE = code();
    /** The page's own restorer, for an action without SA_RESTORER: rt_sigreturn. */
    static final long SIGRETURN = ADDRESS + 4L * ENTRY_WORDS;
    /** The routine that loads the FP/SIMD registers from an accepted frame at SP. */
    static final long RESTORE = SIGRETURN + 8;
    /** Its rt_sigreturn's svc, after which SOS restores the general registers from the frame. */
    static final long RESTORED = ADDRESS + 4L * (CODE.length - 1);

    /** Where fork's routine starts in the page, past the signal routines. */
    static final long FORK_ENTRY = ADDRESS + 0x400;
    private static final int[] FORK_CODE = forkCode();
    /** The routine's first clone, after the FP/SIMD registers are stored: where SOS forks. */
    static final long FORK_SVC = FORK_ENTRY + 4L * (4 + 16 + 1);
    /** The routine's last clone, after they are loaded again: where SOS gives back the general registers. */
    static final long FORK_DONE = FORK_ENTRY + 4L * (FORK_CODE.length - 1);
    /** Bytes of the record fork's routine keeps below the stack: fpsimd_context's layout (FPSR, FPCR at 8, V0–V31 from 16). */
    static final long FORK_RECORD = 16 + 32 * 16;

    private SigPage() {
    }

    private static int[] forkCode() {
        int[] words = new int[(4 + 16 + 2) * 2];
        int i = 0;
        i = storeFpSimd(words, i);
        words[i++] = MOV_X8_CLONE;
        words[i++] = SVC_0; // FORK_SVC
        i = loadFpSimd(words, i, LDP_W6_W7_X4_8, ADD_X6_X4_16);
        words[i++] = MOV_X8_CLONE;
        words[i++] = SVC_0; // FORK_DONE
        return words;
    }

    /**
     * Writes, from {@code words[i]}, the 4 + 16 instructions that store FPSR, FPCR and V0–V31 in
     * fpsimd_context's layout at x4; returns the index after them.
     */
    private static int storeFpSimd(int[] words, int i) {
        words[i++] = MRS_X6_FPSR;
        words[i++] = MRS_X7_FPCR;
        words[i++] = STP_W6_W7_X4_8;
        words[i++] = ADD_X6_X4_16;
        for (int t = 0; t < 32; t += 2) {
            words[i++] = pairQ(false, t);
        }
        return i;
    }

    /**
     * Writes, from {@code words[i]}, the 4 + 16 instructions that load FPSR, FPCR and V0–V31 back
     * from a record at the base register that {@code ldpStatus} (the FPSR/FPCR pair) and
     * {@code addVectors} (x6 = base + 16) name; returns the index after them.
     */
    private static int loadFpSimd(int[] words, int i, int ldpStatus, int addVectors) {
        words[i++] = ldpStatus;
        words[i++] = MSR_FPSR_X6;
        words[i++] = MSR_FPCR_X7;
        words[i++] = addVectors;
        for (int t = 0; t < 32; t += 2) {
            words[i++] = pairQ(true, t);
        }
        return i;
    }

    /** STP or LDP (signed offset) of Q{@code t} and Q{@code t+1} at [x6, #16·t]. */
    private static int pairQ(boolean load, int t) {
        return 0xAD00_0000 | (load ? 1 << 22 : 0) | t << 15 | (t + 1) << 10 | 6 << 5 | t;
    }

    private static int[] code() {
        int[] words = new int[ENTRY_WORDS + 2 + 5 + 16 + 2];
        int i = 0;
        i = storeFpSimd(words, i);
        words[i++] = MOV_X30_X5;
        words[i++] = BR_X3;
        words[i++] = MOV_X8_RT_SIGRETURN; // SIGRETURN
        words[i++] = SVC_0;
        words[i++] = ADD_X9_SP_FPSIMD; // RESTORE
        i = loadFpSimd(words, i, LDP_W6_W7_X9_8, ADD_X6_X9_16);
        words[i++] = MOV_X8_RT_SIGRETURN;
        words[i++] = SVC_0; // RESTORED
        return words;
    }

    /** The page's bytes: the signal routines, fork's routine at {@link #FORK_ENTRY}, zeros elsewhere (which decode as undefined). */
    static byte[] bytes() {
        ByteBuffer page = ByteBuffer.allocate((int) org.capbuddy.sos.addrspace.Layout.PAGE).order(ByteOrder.LITTLE_ENDIAN);
        for (int word : CODE) {
            page.putInt(word);
        }
        page.position((int) (FORK_ENTRY - ADDRESS));
        for (int word : FORK_CODE) {
            page.putInt(word);
        }
        return page.array();
    }
}
