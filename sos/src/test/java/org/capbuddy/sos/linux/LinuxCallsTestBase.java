package org.capbuddy.sos.linux;

import org.capbuddy.sos.SosFixture;
import org.capbuddy.sos.process.Process;

/**
 * What the descriptor call tests (pipes, select and poll, epoll) start from: SOS with its Linux
 * layer, a parent process with a code page for its {@code svc} and {@link SosFixture#LINUX_MEMORY}
 * bytes of memory, and short forms of the fixture's call, pipe and memory helpers.
 */
abstract class LinuxCallsTestBase {
    protected final SosFixture fx = new SosFixture(true);
    private final SosFixture.LinuxParent start = fx.linuxParent();
    protected final Process parent = start.process();
    protected final long code = start.code();
    /** {@link SosFixture#LINUX_MEMORY} bytes of the parent's (and its children's) memory. */
    protected final long data = start.data();

    /** Linux call {@code number} from {@code p}, run to its end: x0. */
    protected long call(Process p, long number, long... args) {
        return fx.linuxCall(p, code, number, args);
    }

    /** A pipe of {@code p}'s: its two descriptors. */
    protected int[] pipe(Process p, int flags) {
        return fx.pipe(p, code, data, flags);
    }

    /** Writes {@code words} (little-endian) at {@code at} in {@code p}'s memory. */
    protected void put(Process p, long at, long... words) {
        fx.put(p, at, words);
    }

    /** The 64-bit word at {@code at} in {@code p}'s memory. */
    protected long word(Process p, long at) {
        return fx.word(p, at);
    }
}
