package org.capbuddy.cli.run;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import org.capbuddy.aarch64.elf.ElfSymbols;
import org.capbuddy.kernel.trace.TraceEvent;
import org.capbuddy.sos.Sos;
import org.capbuddy.sos.inspect.CallChain;
import org.capbuddy.sos.process.KillReport;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.run.InstructionText;
import org.capbuddy.sos.run.ProgramRun;
import org.capbuddy.sos.run.Stepper;

/**
 * The prompt of {@code capbuddy run --step}: after each pause it shows what happened since the
 * last one (the trace events), where the program is (the next instruction, disassembled), and
 * reads a command: step N instructions, continue to the next fault, system call, breakpoint or
 * change of a watched value, set and delete breakpoints and watches, run to the end, show
 * registers, examine memory, disassemble, walk an address through the page tables, dump the
 * process, the frame table, the CapBuddy pool or the CDT, or quit. Commands come from a terminal
 * or a script alike; an empty line repeats the last command and the end of input runs to the end.
 */
final class StepSession {
    /** Commands that take no words after them: another word is a mistake, not something to ignore. */
    private static final Set<String> TAKE_NOTHING = Set.of("c", "continue", "r", "run", "regs",
            "registers", "bt", "backtrace", "q", "quit");
    /** What the commands that take words take at most, so that one word too many is refused too. */
    private static final Map<String, Arguments> TAKE = Map.ofEntries(
            Map.entry("s", Arguments.STEP), Map.entry("step", Arguments.STEP), Map.entry("si", Arguments.STEP),
            Map.entry("stepi", Arguments.STEP), Map.entry("b", Arguments.ADDRESS), Map.entry("break", Arguments.ADDRESS),
            Map.entry("d", Arguments.ADDRESS), Map.entry("delete", Arguments.ADDRESS),
            Map.entry("unwatch", Arguments.ADDRESS), Map.entry("walk", Arguments.ADDRESS),
            Map.entry("w", Arguments.WATCH), Map.entry("watch", Arguments.WATCH), Map.entry("dis", Arguments.RANGE),
            Map.entry("disassemble", Arguments.RANGE), Map.entry("x", Arguments.RANGE),
            Map.entry("examine", Arguments.RANGE), Map.entry("dump", Arguments.WHAT));

    /** The words a command takes after its name, at most. */
    private enum Arguments {
        STEP(1, "one number of instructions"),
        ADDRESS(1, "one address"),
        WATCH(2, "an address and a size"),
        RANGE(2, "an address and a count"),
        WHAT(1, "one of process, frames, pool or cdt");

        final int most;
        final String what;

        Arguments(int most, String what) {
            this.most = most;
            this.what = what;
        }
    }

    static final String PROMPT = "(capbuddy) ";
    /** The commands that run the program. */
    private static final Set<String> RUNS = Set.of("s", "step", "si", "stepi", "c", "continue", "r", "run");
    private static final String HELP = """
            Commands:
              s, step [N]        run N instructions (default 1)
              c, continue        run to the next pause (a fault, a system call, a breakpoint, a watched change,
                                 every N instructions)
              b, break [ADDR]    pause before the instruction at ADDR runs (no ADDR: list the breakpoints)
              d, delete [ADDR]   remove the breakpoint at ADDR (no ADDR: every one)
              w, watch [ADDR [SIZE]]  pause after an instruction changes the SIZE bytes (1, 2, 4, 8; default 8)
                                 at ADDR, aligned to SIZE (no ADDR: list the watches)
              unwatch [ADDR]     stop watching ADDR (no ADDR: every one)
              r, run             run to the end without pausing
              regs               the registers
              bt, backtrace      the calls that led here, from the frame records x29 chains (lr: x30)
              dis [ADDR] [N]     disassemble N instructions (default 8) from ADDR (default: the next one)
              x, examine ADDR [N]  N 8-byte words from ADDR (8-byte aligned; default 4), read through SOS's window
              walk ADDR          the MMU's walk of ADDR through the process's page tables
              dump [WHAT]        WHAT: process (default: regions and page tables), frames, pool, cdt
              q, quit            stop the program here and report
              h, help            this text
            ADDR is a number (0x400160), a symbol of the program (main, a global variable's name) or a register
            ($pc, $sp, $x0 to $x30, $fp, $lr), with an offset or not (main+8, $sp+16, $fp-8).
            An empty line repeats the last command (after dis or x, it goes on from where they stopped);
            the end of input runs to the end. After a kill the
            program runs no further: the commands that look at it still work, and one that would run it reports.
            """;

    private final Stepper stepper;
    private final BufferedReader in;
    private final PrintWriter out;
    private final boolean echo;
    private final Predicate<TraceEvent> shown;
    private final Function<TraceEvent, String> format;
    private final ElfSymbols symbols;
    private final InstructionText code;
    private String last = "step";
    /** What an empty line runs after dis or x: the same count from where they stopped, as gdb goes on. */
    private String continuation;
    /**
     * The program was killed and its process is kept, as it died, for the commands that look at
     * it; the session ends at the first command that would run it.
     */
    private boolean inspectingKill;
    /**
     * Breakpoints a pause has stood at since they were set, or that a step may have run over
     * unchecked (a breakpoint deleted and set again starts anew).
     */
    private final java.util.Set<Long> reached = new java.util.HashSet<>();

    /**
     * @param echo print each command after the prompt (when it comes from a script, not a terminal)
     * @param shown which of the events since a pause are printed
     * @param symbols the program's symbols, which commands take where they take an address
     */
    StepSession(Stepper stepper, BufferedReader in, PrintWriter out, boolean echo, Predicate<TraceEvent> shown,
            Function<TraceEvent, String> format, ElfSymbols symbols) {
        this.stepper = stepper;
        this.symbols = symbols;
        this.code = new InstructionText(stepper.run(), symbols);
        this.in = in;
        this.out = out;
        this.echo = echo;
        this.shown = shown;
        this.format = format;
    }

    /** Runs the session until the program ends or a quit; the run is left for the caller to finish. */
    void run() {
        out.println("Step mode: type help for the commands.");
        show(stepper.atStart());
        while (!stepper.run().ended() || inspectingKill) {
            out.print(PROMPT);
            out.flush();
            String line = readLine();
            if (line == null) {
                out.println();
                if (!inspectingKill) {
                    out.println("(end of input: running to the end)");
                    show(stepper.finishRun());
                }
                break;
            }
            if (echo) {
                out.println(line);
            }
            String command = line.isBlank() ? (continuation != null ? continuation : last) : line.trim();
            last = command;
            if (!execute(command)) {
                break;
            }
        }
        if (echo) {
            // a script's commands after the end are not silently dropped (a terminal is not read ahead)
            int left = 0;
            for (String line = readLine(); line != null; line = readLine()) {
                left += line.isBlank() ? 0 : 1;
            }
            if (left > 0) {
                out.printf("(the session has ended: %d command%s of the script not run)%n", left, left == 1 ? "" : "s");
            }
        }
        out.flush();
    }

    private String readLine() {
        try {
            return in.readLine();
        } catch (IOException e) {
            out.println("cannot read a command: " + e.getMessage());
            return null;
        }
    }

    /** Carries out one command; false to leave the session. */
    private boolean execute(String command) {
        continuation = null;
        String[] words = command.split("\\s+");
        String verb = words[0].toLowerCase(Locale.ROOT);
        if (words.length > 1 && TAKE_NOTHING.contains(verb)) {
            out.println(words[0] + " takes nothing after it, not '" + words[1] + "'");
            return true;
        }
        Arguments takes = TAKE.get(verb);
        if (takes != null && words.length > takes.most + 1) {
            out.println(words[0] + " takes " + takes.what + " at most, not '" + words[takes.most + 1] + "' too");
            return true;
        }
        if (inspectingKill && RUNS.contains(verb)) {
            // as a debugger after a fatal signal: the process can be looked at, not run
            out.println("(the program was killed: nothing more runs; the report follows)");
            return false;
        }
        switch (verb) {
            case "s", "step", "si", "stepi" -> {
                Long n = words.length > 1 ? number(words[1]) : Long.valueOf(1);
                if (n == null || n < 1) {
                    out.println("step takes a positive number of instructions, not '" + words[1] + "'");
                } else {
                    if (n > 1) {
                        // a step does not stop at breakpoints: one it ran over cannot be said never to have run
                        reached.addAll(stepper.breakpoints());
                    }
                    show(stepper.step(n));
                }
            }
            case "c", "continue" -> {
                Stepper.Pause p = stepper.resume();
                show(p);
                if (p.ended()) {
                    // continue checks every instruction: a breakpoint it never stopped at never ran
                    neverReached();
                }
            }
            case "b", "break" -> breakpoint(words);
            case "delete", "d" -> delete(words);
            case "watch", "w" -> watch(words);
            case "unwatch" -> unwatch(words);
            case "r", "run" -> show(stepper.finishRun());
            case "regs", "registers" -> out.print(stepper.run().registers().toString().indent(2));
            case "bt", "backtrace" -> backtrace();
            case "dis", "disassemble" -> disassemble(words);
            case "walk" -> walk(words);
            case "x", "examine" -> examine(words);
            case "dump" -> dump(words.length > 1 ? words[1].toLowerCase(Locale.ROOT) : "process");
            case "q", "quit" -> {
                if (inspectingKill) {
                    return false;
                }
                long n = stepper.run().instructions();
                out.printf("Stopped by request after %,d instruction%s.%n", n, n == 1 ? "" : "s");
                return false;
            }
            case "h", "help", "?" -> out.print(HELP);
            default -> out.println("unknown command '" + words[0] + "': type help for the commands");
        }
        return true;
    }

    private void show(Stepper.Pause p) {
        for (TraceEvent e : p.events()) {
            if (shown.test(e)) {
                out.println(format.apply(e));
            }
        }
        String output = stepper.run().newOutput();
        if (!output.isEmpty()) {
            out.print("---- console\n" + output + (output.endsWith("\n") ? "" : "\n") + "----\n");
        }
        KillReport kill = stepper.run().process().killReport();
        if (p.ended() && kill != null) {
            out.printf("-- killed after %,d instruction%s%s%n", p.instructions(),
                    p.instructions() == 1 ? "" : "s", (kill.sent() ? " " : ": ") + kill.summary());
            out.println("   at:   " + instruction(stepper.run().pc()));
            out.println("   (it runs no further; regs, bt, x, walk, dis and dump show it as it was killed)");
            inspectingKill = true;
            return;
        }
        if (p.ended()) {
            out.printf("-- the program %s after %,d instruction%s%n",
                    stepper.run().atInstructionLimit() ? "reached its instruction limit (--max-instructions)" : "ended",
                    p.instructions(), p.instructions() == 1 ? "" : "s");
            return;
        }
        if (stepper.breakpoints().contains(stepper.run().pc())) {
            reached.add(stepper.run().pc());
        }
        if (p.instructions() == 0) {
            out.println("-- about to run the first instruction");
        } else {
            out.printf("-- paused after %,d instruction%s (%s)%n", p.instructions(), p.instructions() == 1 ? "" : "s",
                    named(p.reason()));
        }
        if (stepper.run().processes().size() > 1) {
            // forked: the step mode follows whichever process runs next, and says which
            out.printf("   pid:  %d, next to run (%d of the run's %d processes live)%n", stepper.run().process().pid(),
                    stepper.run().liveProcesses(), stepper.run().processes().size());
        }
        showWhere();
    }

    private void showWhere() {
        long pc = stepper.run().pc();
        out.println("   next: " + instruction(pc));
    }

    /** {@code 0xADDR <function+off>  WORD  text} (see {@link InstructionText}). */
    private String instruction(long pc) {
        return code.line(pc);
    }

    private void disassemble(String[] words) {
        Long from = words.length > 1 ? address(words[1]) : Long.valueOf(stepper.run().pc());
        Long count = words.length > 2 ? number(words[2]) : Long.valueOf(8);
        if (from == null || count == null || count < 1 || count > 4096 || (from & 3) != 0 || from < 0
                || from >= 1L << 48) {
            out.println("dis takes a 4-byte aligned address below 2^48 and a count of 1 to 4096 instructions,"
                    + " e.g. dis main 8");
            return;
        }
        long start = from;
        for (long i = 0; i < count && start + 4 * i < 1L << 48; i++) {
            long pc = start + 4 * i;
            out.println((pc == stepper.run().pc() ? "=> " : "   ") + instruction(pc));
        }
        continuation = String.format("dis 0x%x %d", start + 4 * count, count);
    }

    /** The name of a code address: SOS's signal page as {@code sigpage}, else the program's symbol. */
    private java.util.Optional<String> describe(long address) {
        return code.describe(address);
    }

    /** {@code bt}: the calls that led here, from the frame records (see {@link CallChain}), every frame shown. */
    private void backtrace() {
        var sos = stepper.run().sos();
        var process = stepper.run().process();
        CallChain calls = CallChain.walk(stepper.run().registers(), at -> sos.peek(process, at, 8),
                at -> describe(at).orElse(null), CallChain.MAX_FRAMES);
        out.print(calls.render(CallChain.MAX_FRAMES));
    }

    /** The addresses a pause's reason gives (a breakpoint's, a watch's, the storing instruction's). */
    private static final java.util.regex.Pattern REASON_ADDRESS =
            java.util.regex.Pattern.compile("(breakpoint|watch|instruction at) 0x([0-9a-f]+)");

    /** A pause's reason with its addresses named by the program's symbols, as the instructions shown are. */
    private String named(String reason) {
        return REASON_ADDRESS.matcher(reason).replaceAll(m -> java.util.regex.Matcher.quoteReplacement(
                m.group(1) + " " + where(Long.parseUnsignedLong(m.group(2), 16))));
    }

    /** {@code 0xADDR <function+off>}. */
    private String where(long address) {
        return code.where(address);
    }

    private void breakpoint(String[] words) {
        if (words.length == 1) {
            if (stepper.breakpoints().isEmpty()) {
                out.println("no breakpoints");
            }
            stepper.breakpoints().forEach(a -> out.println("breakpoint at " + instruction(a)));
            return;
        }
        Long address = address(words[1]);
        if (address == null || !stepper.addBreakpoint(address)) {
            out.println("break takes an instruction's address (4-byte aligned, below 2^48), not '" + words[1] + "'");
            return;
        }
        if (address == stepper.run().pc()) {
            reached.add(address); // the next continue runs it first
        }
        out.println("breakpoint at " + instruction(address));
    }

    /**
     * Says which breakpoints the run ended without reaching. A breakpoint on a function's first
     * instruction that never fires is most often a function gcc inlined into its callers (-O2 does
     * for small static functions): its code runs there, with no address of its own to stop at.
     */
    private void neverReached() {
        for (long b : stepper.breakpoints()) {
            if (reached.contains(b)) {
                continue;
            }
            java.util.Optional<String> f = describe(b);
            // main and _start are never inlined: for them the hint would mislead
            boolean entry = f.isPresent() && !f.get().contains("+") && !f.get().equals("main") && !f.get().equals("_start");
            out.printf("   (breakpoint at %s never fired: no instruction there ran after it was set%s)%n", where(b),
                    entry ? "; if gcc inlined " + f.get() + " into its callers, its code runs inside them instead:"
                            + " build with -fno-inline, or break in a caller" : "");
        }
    }

    private void delete(String[] words) {
        if (words.length == 1) {
            int n = stepper.breakpoints().size();
            stepper.clearBreakpoints();
            reached.clear();
            out.printf("deleted %d breakpoint%s%n", n, n == 1 ? "" : "s");
            return;
        }
        Long address = address(words[1]);
        if (address == null || !stepper.removeBreakpoint(address)) {
            out.println("no breakpoint at '" + words[1] + "' (break lists them)");
            return;
        }
        reached.remove(address);
        out.printf("deleted the breakpoint at 0x%x%n", address);
    }

    private void watch(String[] words) {
        if (words.length == 1) {
            if (stepper.watches().isEmpty()) {
                out.println("no watches");
            }
            stepper.watches().forEach(w -> out.printf("watching %s at 0x%x%n", bytes(w.size()), w.address()));
            return;
        }
        Long address = address(words[1]);
        Long size = words.length > 2 ? number(words[2]) : Long.valueOf(8);
        if (address == null || size == null || size < 1 || size > 8 || !stepper.addWatch(address, size.intValue())) {
            out.println("watch takes an address and a size of 1, 2, 4 or 8 bytes, the address aligned to it: not '"
                    + String.join(" ", java.util.Arrays.copyOfRange(words, 1, words.length)) + "'");
            return;
        }
        out.printf("watching %s at 0x%x%n", bytes(size.intValue()), address);
    }

    private static String bytes(int n) {
        return n == 1 ? "1 byte" : n + " bytes";
    }

    private void unwatch(String[] words) {
        if (words.length == 1) {
            int n = stepper.watches().size();
            stepper.clearWatches();
            out.printf("removed %d watch%s%n", n, n == 1 ? "" : "es");
            return;
        }
        Long address = address(words[1]);
        if (address == null || !stepper.removeWatch(address)) {
            out.println("no watch at '" + words[1] + "' (watch lists them)");
            return;
        }
        out.printf("removed the watch at 0x%x%n", address);
    }

    /** {@code x ADDR [N]}: N 8-byte words from ADDR, two a line, as the process would load them. */
    private void examine(String[] words) {
        Long from = words.length > 1 ? address(words[1]) : null;
        Long count = words.length > 2 ? number(words[2]) : Long.valueOf(4);
        if (from == null || count == null || count < 1 || count > 512 || (from & 7) != 0 || from < 0
                || from >= 1L << 48) {
            out.println("x takes an 8-byte aligned address below 2^48 and a count of 1 to 512 words, e.g. x 0x40ba58 4");
            return;
        }
        var pages = stepper.run().sos().pages();
        for (long i = 0; i < count; i += 2) {
            long at = from + 8 * i;
            StringBuilder line = new StringBuilder(String.format("0x%x:", at));
            for (long k = i; k < Math.min(count, i + 2); k++) {
                java.util.OptionalLong word = pages.peek(stepper.run().process(), from + 8 * k, 8);
                line.append(word.isPresent() ? String.format("  0x%016x", word.getAsLong()) : "  (not mapped)    ");
            }
            out.println(line.toString().stripTrailing());
        }
        continuation = String.format("x 0x%x %d", from + 8 * count, count);
    }

    private void walk(String[] words) {
        Long address = words.length > 1 ? address(words[1]) : null;
        if (address == null) {
            out.println("walk takes an address, e.g. walk 0x400000");
            return;
        }
        Sos sos = stepper.run().sos();
        sos.walk(stepper.run().process(), address).ifPresentOrElse(w -> out.print(w.render()),
                () -> out.println("the process has no page tables to walk"));
    }

    private void dump(String what) {
        Sos sos = stepper.run().sos();
        Process p = stepper.run().process();
        switch (what) {
            case "process" -> sos.dump(p).ifPresentOrElse(d -> out.print(d.render()),
                    () -> out.println("the process is gone"));
            case "frames" -> out.print(sos.frameTableDump().render());
            case "pool" -> sos.poolDump().ifPresentOrElse(d -> out.print(d.render()),
                    () -> out.println("SOS's frames come from plain allocman: no CapBuddy pool"));
            case "cdt" -> out.print(sos.cdtDump().render());
            default -> out.println("dump takes process, frames, pool or cdt, not '" + what + "'");
        }
    }

    /**
     * An address: a number, a register as gdb writes it ({@code $sp}, {@code $pc}, {@code $x19},
     * {@code $lr}, {@code $fp}), or a symbol of the program, each with an optional offset
     * ({@code main}, {@code main+0x10}, {@code $sp+16}, {@code $fp-8}), as a student who knows gdb
     * types it; null when it is none of these, and then a name that is not a number says why it
     * named no address (the command says what it takes).
     */
    private Long address(String word) {
        Long n = number(word);
        if (n != null) {
            return n;
        }
        int sign = Math.max(word.indexOf('+', 1), word.indexOf('-', 1));
        String name = sign > 0 ? word.substring(0, sign) : word;
        String offsetText = sign > 0 ? word.substring(sign + 1) : "0";
        Long offset = offsetText.startsWith("-") || offsetText.startsWith("+") ? null : number(offsetText);
        if (offset == null) {
            return null;
        }
        long signed = sign > 0 && word.charAt(sign) == '-' ? -offset : offset;
        if (name.startsWith("$")) {
            Long value = register(name.substring(1).toLowerCase(Locale.ROOT));
            if (value == null) {
                out.println("no register '" + name + "': $pc, $sp, $x0 to $x30, $fp (x29) or $lr (x30)");
                return null;
            }
            return value + signed;
        }
        if (!name.matches("[A-Za-z_.][A-Za-z0-9_.$]*")) {
            return null;
        }
        java.util.Optional<ElfSymbols.Symbol> symbol = symbols.find(name);
        if (symbol.isPresent()) {
            return symbol.get().address() + signed;
        }
        java.util.List<ElfSymbols.Symbol> all = symbols.all(name);
        if (all.size() > 1) {
            out.println("'" + name + "' names " + all.size() + " symbols, at " + String.join(", ", all.stream()
                    .map(s -> String.format("0x%x", s.address())).toList()) + ": give the address");
        } else if (symbols.isEmpty()) {
            out.println("the program has no symbol table (stripped?): give an address, not '" + name + "'");
        } else {
            out.println("no symbol '" + name + "' in the program");
        }
        return null;
    }

    /** The value of register {@code name} (pc, sp, x0-x30, fp, lr) where the program is; null for no such register. */
    private Long register(String name) {
        var r = stepper.run().registers();
        return switch (name) {
            case "pc" -> r.pc();
            case "sp" -> r.sp();
            case "fp" -> r.x(29);
            case "lr" -> r.x(30);
            default -> {
                if (!name.matches("x([0-9]|[12][0-9]|30)")) {
                    yield null;
                }
                yield r.x(Integer.parseInt(name.substring(1)));
            }
        };
    }

    /** A number in decimal or with 0x; null when it is neither. */
    static Long number(String text) {
        try {
            String t = text.replace("_", "").replace(",", "");
            return t.startsWith("0x") || t.startsWith("0X") ? Long.parseUnsignedLong(t.substring(2), 16)
                    : Long.parseLong(t);
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
