package org.capbuddy.sos.linux;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The page of user code SOS maps, read-only and executable, into a process that installs a signal
 * handler: what Linux's vDSO sigreturn trampoline (and arm32's sigpage) is to a Linux process, plus
 * the one thing seL4 makes user code do itself. seL4_UserContext has no FP/SIMD registers, so SOS
 * cannot save or restore V0–V31, FPSR and FPCR through TCB_ReadRegisters and WriteRegisters: this
 * routine does it in user mode, into the frame's fpsimd_context record, around the handler.
 *
 * <p>SOS enters it at {@link #ENTRY} with x0 = the signal, x1 = &amp;siginfo, x2 = &amp;ucontext
 * (what the handler gets), x3 = the handler, x4 = the frame's fpsimd_context record, x5 = where the
 * handler's return goes (the action's sa_restorer, or {@link #SIGRETURN}), SP = the frame and x29
 * = its frame record. It stores FPSR, FPCR and V0–V31 into the record, calls the handler, then
 * loads them back from the record (a handler may change them there, as under Linux's sigreturn)
 * and branches to the restorer, whose rt_sigreturn SOS serves. The handler sees its return address
 * in this page rather than sa_restorer itself.
 */
final class SigPage {
    /** Where SOS maps it: the page above the IPC buffer, outside every region a program or mmap gets. */
    static final long ADDRESS = org.capbuddy.sos.addrspace.Layout.IPC_BUFFER + org.capbuddy.sos.addrspace.Layout.PAGE;
    static final long ENTRY = ADDRESS;

    private static final int MRS_X6_FPSR = 0xD53B_4426;
    private static final int MRS_X7_FPCR = 0xD53B_4407;
    private static final int MSR_FPSR_X6 = 0xD51B_4426;
    private static final int MSR_FPCR_X7 = 0xD51B_4407;
    private static final int STP_W6_W7_X4_8 = 0x2901_1C86;
    private static final int LDP_W6_W7_X19_8 = 0x2941_1E66;
    private static final int ADD_X6_X4_16 = 0x9100_4086;
    private static final int ADD_X6_X19_16 = 0x9100_4266;
    private static final int MOV_X19_X4 = 0xAA04_03F3;
    private static final int MOV_X20_X5 = 0xAA05_03F4;
    private static final int BLR_X3 = 0xD63F_0060;
    private static final int BR_X20 = 0xD61F_0280;
    private static final int MOV_X8_RT_SIGRETURN = 0xD280_0008 | (139 << 5);
    private static final int SVC_0 = 0xD400_0001;

    private static final int[] CODE = code();
    /** The page's own restorer, for an action without SA_RESTORER: rt_sigreturn. */
    static final long SIGRETURN = ADDRESS + 4L * (CODE.length - 2);

    private SigPage() {
    }

    /** STP or LDP (signed offset) of Q{@code t} and Q{@code t+1} at [x6, #16·t]. */
    private static int pairQ(boolean load, int t) {
        return 0xAD00_0000 | (load ? 1 << 22 : 0) | t << 15 | (t + 1) << 10 | 6 << 5 | t;
    }

    private static int[] code() {
        int[] words = new int[4 + 16 + 3 + 4 + 16 + 3];
        int i = 0;
        words[i++] = MRS_X6_FPSR;
        words[i++] = MRS_X7_FPCR;
        words[i++] = STP_W6_W7_X4_8;
        words[i++] = ADD_X6_X4_16;
        for (int t = 0; t < 32; t += 2) {
            words[i++] = pairQ(false, t);
        }
        words[i++] = MOV_X19_X4;
        words[i++] = MOV_X20_X5;
        words[i++] = BLR_X3;
        words[i++] = LDP_W6_W7_X19_8;
        words[i++] = MSR_FPSR_X6;
        words[i++] = MSR_FPCR_X7;
        words[i++] = ADD_X6_X19_16;
        for (int t = 0; t < 32; t += 2) {
            words[i++] = pairQ(true, t);
        }
        words[i++] = BR_X20;
        words[i++] = MOV_X8_RT_SIGRETURN;
        words[i++] = SVC_0;
        return words;
    }

    /** The page's bytes: the routine, then zeros (which decode as undefined). */
    static byte[] bytes() {
        ByteBuffer page = ByteBuffer.allocate((int) org.capbuddy.sos.addrspace.Layout.PAGE).order(ByteOrder.LITTLE_ENDIAN);
        for (int word : CODE) {
            page.putInt(word);
        }
        return page.array();
    }
}
