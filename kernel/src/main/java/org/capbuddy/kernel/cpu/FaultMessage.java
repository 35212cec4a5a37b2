package org.capbuddy.kernel.cpu;

/**
 * The message of a fault that carries registers, as the handler thread reads it after
 * {@code seL4_Recv} and writes its reply: seL4_Fault_UnknownSyscall (X0–X7, FaultIP, SP, LR, SPSR,
 * then the syscall number: 13 words; a reply sets up to the first 12) or seL4_Fault_UserException
 * (FaultIP, SP, SPSR, Number, Code: 5 words; a reply sets up to the first 3). A handler reads the
 * words, changes those it wants to set, and says how many of them its reply carries
 * ({@link #setReplyLength}): seL4 copies exactly that many back into the thread's registers. One
 * message object serves every fault of a thread, so a system call allocates nothing.
 */
public final class FaultMessage {
    // seL4_UnknownSyscall_Msg, AArch64
    public static final int SYSCALL_X0 = 0;
    public static final int SYSCALL_FAULT_IP = 8;
    public static final int SYSCALL_SP = 9;
    public static final int SYSCALL_LR = 10;
    public static final int SYSCALL_SPSR = 11;
    public static final int SYSCALL_NUMBER = 12;
    public static final int SYSCALL_LENGTH = 13;
    /** Words of an UnknownSyscall message a reply may set (seL4's n_syscallMessage). */
    public static final int SYSCALL_REPLY_MAX = 12;
    // seL4_UserException_Msg, AArch64
    public static final int EXCEPTION_FAULT_IP = 0;
    public static final int EXCEPTION_SP = 1;
    public static final int EXCEPTION_SPSR = 2;
    public static final int EXCEPTION_NUMBER = 3;
    public static final int EXCEPTION_CODE = 4;
    public static final int EXCEPTION_LENGTH = 5;
    public static final int EXCEPTION_REPLY_MAX = 3;

    private final long[] words = new long[SYSCALL_LENGTH];
    private int length;
    private int replyLength;

    void begin(int messageLength) {
        length = messageLength;
        replyLength = 0;
    }

    void put(int i, long value) {
        words[i] = value;
    }

    public int length() {
        return length;
    }

    /** Word {@code i} of the message (or of the reply being written). */
    public long word(int i) {
        if (i < 0 || i >= length) {
            throw new IndexOutOfBoundsException("word " + i + " of a " + length + "-word fault message");
        }
        return words[i];
    }

    /** Sets word {@code i} of the reply. */
    public void setWord(int i, long value) {
        if (i < 0 || i >= length) {
            throw new IndexOutOfBoundsException("word " + i + " of a " + length + "-word fault message");
        }
        words[i] = value;
    }

    /** How many words, from the first, the reply carries (seL4 copies at most the fault's maximum). */
    public void setReplyLength(int n) {
        replyLength = Math.max(0, n);
    }

    public int replyLength() {
        return replyLength;
    }
}
