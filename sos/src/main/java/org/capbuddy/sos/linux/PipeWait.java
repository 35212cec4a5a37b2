package org.capbuddy.sos.linux;

/**
 * A read or write of a pipe that blocks its process ({@code call}: READ, READV, WRITE or WRITEV):
 * the description it goes through, the user buffers, and for a write the bytes already moved
 * ({@code done}), which a write larger than the pipe adds to as readers make room.
 */
record PipeWait(LinuxSyscall call, OpenFile file, IoVector io, boolean write, long done) {
    /** Whether the call can go on now: a read finds bytes or no writer; a write a free buffer or no reader. */
    boolean ready() {
        Pipe pipe = file.pipe();
        return write ? !pipe.readerOpen() || !pipe.isFull() : !pipe.isEmpty() || !pipe.writerOpen();
    }

    /**
     * Whether going on now ends the call (a read, or a write whose rest fits the free buffers or
     * that finds no reader), not counting a copy that faults, which ends it too: a write that would
     * move part and wait again does not.
     */
    boolean finishes() {
        Pipe pipe = file.pipe();
        if (!write || !pipe.readerOpen()) {
            return ready();
        }
        long rest = io.total() - done;
        return (rest + Pipe.PAGE - 1) / Pipe.PAGE <= pipe.freeBuffers();
    }
}
