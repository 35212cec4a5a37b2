package org.capbuddy.sos.inspect;

import java.util.List;
import org.capbuddy.aarch64.cpu.Registers;
import org.capbuddy.aarch64.decode.Decoder;
import org.capbuddy.aarch64.decode.Disassembler;
import org.capbuddy.aarch64.decode.Op;
import org.capbuddy.kernel.api.PagingWalk;

/**
 * Where a killed program stopped, for whoever has to find out why: the instruction (its encoding,
 * operation and assembly text; none when the fetch itself failed), the calls that led there (from
 * the frame records), the registers, the MMU's walk of the faulting address through the kernel's
 * tables, and the process's regions.
 *
 * @param fetched whether the instruction was fetched (not when the fetch itself faulted)
 * @param word the instruction's encoding, when fetched
 * @param calls the backtrace, read from the process's stack before teardown (null: none was read)
 */
public record StopReport(long pc, boolean fetched, int word, CallChain calls, Registers registers, PagingWalk walk,
        List<ProcessDump.RegionLine> regions) {
    /** Frame lines a rendered report shows at most (the innermost and the outermost beyond that). */
    public static final int BACKTRACE_LINES = 24;

    public StopReport {
        regions = List.copyOf(regions);
    }

    /** The operation the instruction decodes to (as the interpreter names it), or null without one. */
    public String operation() {
        return fetched ? Op.name(Decoder.decode(pc, word).op()) : null;
    }

    /** The instruction as objdump would show it ({@link Disassembler}), or null when it was not fetched. */
    public String assembly() {
        return fetched ? Disassembler.text(pc, word) : null;
    }

    public String render() {
        StringBuilder s = new StringBuilder();
        s.append(!fetched ? String.format("Instruction at 0x%x: not fetched%n", pc)
                : String.format("Instruction at 0x%x: %08x  %s%n", pc, word, assembly()));
        if (calls != null) {
            s.append("Backtrace (the frame records from x29):\n").append(calls.render(BACKTRACE_LINES));
        }
        s.append("Registers:\n").append(registers.toString().indent(2));
        s.append(walk.render());
        s.append("Regions:\n");
        for (ProcessDump.RegionLine r : regions) {
            s.append(String.format("  %-10s 0x%010x-0x%010x %s (%s)%n", r.kind(), r.base(), r.end() - 1, r.rights(),
                    r.contents()));
        }
        return s.toString();
    }
}
