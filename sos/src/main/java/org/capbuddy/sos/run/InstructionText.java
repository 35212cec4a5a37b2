package org.capbuddy.sos.run;

import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.capbuddy.aarch64.decode.Disassembler;
import org.capbuddy.aarch64.elf.ElfSymbols;
import org.capbuddy.sos.inspect.CodeNames;

/**
 * A paused program's code as a debugger shows it: an instruction as
 * {@code 0xADDR <function+off>  WORD  text}, read through SOS's window (no fault is taken to read
 * it), its function and a branch's target named by the program's symbols as objdump names them.
 * Step mode's prompt and the browser view both show the next instruction so.
 */
public final class InstructionText {
    /** A branch's target is a PC-relative address the text ends with: objdump names it too ({@code bl 0x400a10 <malloc>}). */
    private static final Pattern BRANCH = Pattern.compile("(?:b|bl|b\\.\\w+|cbn?z|tbn?z) .*?(0x[0-9a-f]+)");

    private final ProgramRun run;
    private final ElfSymbols symbols;

    public InstructionText(ProgramRun run, ElfSymbols symbols) {
        this.run = run;
        this.symbols = symbols;
    }

    /**
     * The instruction at {@code pc}; one that cannot be read yet says why: not mapped yet (its
     * fetch will fault it in), or in no region (its fetch kills the process).
     */
    public String line(long pc) {
        String at = where(pc);
        long word = run.sos().pages().readWord(run.process(), pc);
        if (word < 0) {
            boolean inRegion = run.process().addressSpace().find(pc) != null;
            return at + (inRegion ? "  (not mapped yet: fetching it will fault it in)"
                    : "  (in no region: fetching it kills the process)");
        }
        return String.format("%s  %08x  %s", at, word, withTarget(Disassembler.text(pc, (int) word)));
    }

    /** {@code 0xADDR <function+off>}, or the bare address where no symbol covers it. */
    public String where(long address) {
        return String.format("0x%x", address) + describe(address).map(f -> " <" + f + ">").orElse("");
    }

    /** The name of a code address: SOS's signal page as {@code sigpage}, else the program's symbol. */
    public Optional<String> describe(long address) {
        return CodeNames.describe(symbols, run.process().addressSpace(), address);
    }

    private String withTarget(String text) {
        Matcher m = BRANCH.matcher(text);
        if (!m.matches()) {
            return text;
        }
        long target = Long.parseUnsignedLong(m.group(1).substring(2), 16);
        return text + describe(target).map(f -> " <" + f + ">").orElse("");
    }
}
