package org.capbuddy.sos.inspect;

import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.LongFunction;
import org.capbuddy.aarch64.cpu.Registers;

/**
 * The calls that led to where a program is, as a debugger's backtrace shows them: its PC, x30 and
 * the return address of each AArch64 frame record on the chain from x29 (a record is two words,
 * [fp] the caller's fp and [fp+8] the return address, which a function that calls stores on entry),
 * as far as the chain runs up the stack through memory that can be read. A run of one return
 * address, a recursion, is one entry. A function that has not stored its frame record yet (in its
 * first instructions, or a leaf) is not on the chain: its caller is x30, the {@code lr} line.
 *
 * @param pc the instruction the program is at; null when there is no thread (no registers) to walk
 * @param lr x30, the return address while the function at pc has made no call; null when pc is
 * @param returns the return addresses on the chain, innermost first, runs folded
 * @param end why the walk stopped, in words
 */
public record CallChain(Frame pc, Frame lr, List<Frame> returns, String end) {
    /** Of a stack of 8 MiB, the most 16-byte frame records there can be. */
    public static final int MAX_FRAMES = 1 << 19;
    /** What a chain walked without registers says. */
    static final String NO_THREAD = "no thread: there are no registers to walk";

    public CallChain {
        // pc and lr come from one set of registers: both or neither, and no returns without them
        if ((pc == null) != (lr == null)) {
            throw new IllegalArgumentException("a call chain has both pc and lr or neither: pc " + pc + ", lr " + lr);
        }
        if (pc == null && !returns.isEmpty()) {
            throw new IllegalArgumentException("a call chain without registers has no returns: " + returns);
        }
        returns = List.copyOf(returns);
    }

    /**
     * An address on the chain.
     *
     * @param function the function it is in, as {@code name+0xoff}, or null when no symbol covers it
     * @param times how many frames in a row returned there (1, or a recursion's depth)
     */
    public record Frame(long address, String function, long times) {
        /** {@code 0xADDR <function+off>}. */
        public String where() {
            return String.format("0x%x", address) + (function == null ? "" : " <" + function + ">");
        }
    }

    /**
     * Walks the chain of a program stopped with {@code registers}, reading its 8-byte words with
     * {@code read} (empty where nothing can be read) and naming addresses with {@code name} (null
     * for none), through at most {@code maxEntries} (at least 1) folded entries and
     * {@link #MAX_FRAMES} frames. Without registers there is no thread to walk: the chain has no
     * pc, lr or returns, and says so; without a reader nothing can be read, and without a namer no
     * address is named.
     */
    public static CallChain walk(Registers registers, LongFunction<OptionalLong> read, LongFunction<String> name,
            int maxEntries) {
        if (registers == null) {
            // no pc or lr of 0: an address would read as if a thread had stopped there
            return new CallChain(null, null, List.of(), NO_THREAD);
        }
        LongFunction<OptionalLong> reader = read != null ? read : at -> OptionalLong.empty();
        LongFunction<String> namer = name != null ? name : at -> null;
        List<Frame> returns = new ArrayList<>();
        long frames = 0;
        long fp = registers.x(29);
        String end = "x29 is 0: the chain ends here";
        while (fp != 0) {
            OptionalLong caller = (fp & 7) == 0 ? reader.apply(fp) : OptionalLong.empty();
            OptionalLong ret = caller.isPresent() ? reader.apply(fp + 8) : OptionalLong.empty();
            if (ret.isEmpty()) {
                end = String.format("the frame record at 0x%x cannot be read: the chain ends here", fp);
                break;
            }
            long address = ret.getAsLong();
            if (address == 0) {
                end = "a return address of 0, the C runtime's first frame: the chain ends here";
                break;
            }
            int last = returns.size() - 1;
            if (last >= 0 && returns.get(last).address() == address) {
                Frame run = returns.get(last);
                returns.set(last, new Frame(address, run.function(), run.times() + 1));
            } else if (returns.size() >= Math.max(1, maxEntries)) {
                end = String.format("the walk stopped after %,d entries: the frames outside them, main's among them,"
                        + " are not shown", returns.size());
                break;
            } else {
                returns.add(new Frame(address, namer.apply(address), 1));
            }
            if (++frames == MAX_FRAMES) {
                end = String.format("%,d frames: the walk stops", MAX_FRAMES);
                break;
            }
            long next = caller.getAsLong();
            if (Long.compareUnsigned(next, fp) <= 0) {
                // a chain only runs up the stack: anything else is a corrupted or foreign record
                end = next == 0 ? "the saved x29 is 0: the chain ends here"
                        : String.format("the next frame record, 0x%x, is not above this one: the chain ends here", next);
                break;
            }
            fp = next;
        }
        long pc = registers.pc();
        long lr = registers.x(30);
        return new CallChain(new Frame(pc, namer.apply(pc), 1), new Frame(lr, namer.apply(lr), 1), returns, end);
    }

    /** Whether there was a thread to walk: false for a chain walked without registers, which has no pc or lr. */
    public boolean hasThread() {
        return pc != null;
    }

    /** Frames on the chain, a recursion's counted each. */
    public long frames() {
        return returns.stream().mapToLong(Frame::times).sum();
    }

    /**
     * The chain as lines ({@code pc}, {@code lr}, then {@code #n} per frame, a recursion as
     * {@code #first-#last}), each indented by three spaces, showing at most {@code maxLines} of the
     * frames' lines: beyond that the innermost and the outermost, with how many were left out.
     * A chain with no thread is its one line saying so.
     */
    public String render(int maxLines) {
        maxLines = Math.max(1, maxLines);
        StringBuilder s = new StringBuilder();
        if (!hasThread()) {
            return s.append("   (").append(end).append(")\n").toString();
        }
        s.append("   pc ").append(pc.where()).append('\n');
        s.append("   lr ").append(lr.where()).append("  (x30: the return address while the function has made no call)\n");
        int outer = maxLines / 3;
        int inner = maxLines - outer;
        long number = 1;
        for (int i = 0; i < returns.size(); i++) {
            Frame f = returns.get(i);
            if (returns.size() > maxLines && i == inner) {
                int skipped = returns.size() - maxLines;
                for (int k = i; k < i + skipped; k++) {
                    number += returns.get(k).times();
                }
                s.append(String.format("   ... %,d more line%s ...%n", skipped, skipped == 1 ? "" : "s"));
                i += skipped - 1;
                continue;
            }
            s.append(f.times() == 1 ? String.format("   #%d %s%n", number, f.where())
                    : String.format("   #%d-#%d %s  (%,d times)%n", number, number + f.times() - 1, f.where(), f.times()));
            number += f.times();
        }
        s.append("   (").append(end).append(")\n");
        return s.toString();
    }
}
