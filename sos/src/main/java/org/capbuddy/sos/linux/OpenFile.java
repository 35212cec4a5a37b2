package org.capbuddy.sos.linux;

/**
 * An open file description, as Linux's struct file: what the descriptors naming it reach (standard
 * input's bytes, the console, or one end of a {@link Pipe}), its status flags (O_NONBLOCK,
 * O_APPEND: F_GETFL and F_SETFL, shared by every descriptor naming it, across fork too) and how
 * many descriptors of all the run's processes name it. When the last is closed, a pipe's end
 * closes.
 */
final class OpenFile {
    /** What a description reaches. */
    enum Kind {
        /** Standard input: the run's --stdin bytes, read-only. */
        STDIN,
        /** The console, where standard output and error go: write-only. */
        CONSOLE,
        PIPE_READ,
        PIPE_WRITE
    }

    static final int O_WRONLY = 1;
    static final int O_NONBLOCK = 0x800;
    static final int O_APPEND = 0x400;

    private final Kind kind;
    private final Pipe pipe;
    private final byte[] input;
    /** Standard input's read position, which every descriptor of this description moves. */
    private int read;
    private int statusFlags;
    private int references;
    /** Whether standard input has been read (asked for bytes, whether any were left). */
    private boolean inputRead;

    private OpenFile(Kind kind, Pipe pipe, byte[] input, int statusFlags) {
        this.kind = kind;
        this.pipe = pipe;
        this.input = input;
        this.statusFlags = statusFlags;
    }

    static OpenFile stdin(byte[] bytes) {
        return new OpenFile(Kind.STDIN, null, bytes.clone(), 0);
    }

    static OpenFile console() {
        return new OpenFile(Kind.CONSOLE, null, null, 0);
    }

    /** One end of {@code pipe}, with O_NONBLOCK when {@code nonblocking}. */
    static OpenFile pipeEnd(Pipe pipe, boolean readEnd, boolean nonblocking) {
        return new OpenFile(readEnd ? Kind.PIPE_READ : Kind.PIPE_WRITE, pipe, null, nonblocking ? O_NONBLOCK : 0);
    }

    Kind kind() {
        return kind;
    }

    boolean isPipe() {
        return pipe != null;
    }

    Pipe pipe() {
        return pipe;
    }

    boolean readable() {
        return kind == Kind.STDIN || kind == Kind.PIPE_READ;
    }

    boolean writable() {
        return kind == Kind.CONSOLE || kind == Kind.PIPE_WRITE;
    }

    boolean nonblocking() {
        return (statusFlags & O_NONBLOCK) != 0;
    }

    /** F_GETFL: the access mode (O_RDONLY 0 or O_WRONLY) and the status flags. */
    int flags() {
        return (writable() ? O_WRONLY : 0) | statusFlags;
    }

    /** F_SETFL's flags SOS keeps: O_NONBLOCK and O_APPEND (which changes nothing on a pipe or the console). */
    void setStatusFlags(int flags) {
        statusFlags = flags & (O_NONBLOCK | O_APPEND);
    }

    void retain() {
        references++;
    }

    /** A descriptor naming this description was closed; the last one closes a pipe's end. */
    void release() {
        references--;
        if (references == 0 && pipe != null) {
            pipe.closeEnd(kind == Kind.PIPE_READ);
        }
    }

    /** Bytes of standard input not read yet. */
    int inputLeft() {
        return input.length - read;
    }

    /** Up to {@code max} bytes of standard input not read yet (none at its end). */
    byte[] takeInput(int max) {
        inputRead = true;
        int n = Math.max(0, Math.min(max, input.length - read));
        byte[] bytes = new byte[n];
        System.arraycopy(input, read, bytes, 0, n);
        read += n;
        return bytes;
    }

    boolean inputRead() {
        return inputRead;
    }

    /** Puts back the last {@code n} bytes taken: a read could not copy them. */
    void giveBackInput(int n) {
        read -= n;
    }
}
