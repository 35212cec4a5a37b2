package org.capbuddy.cli.run;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import org.capbuddy.sos.run.Stepper;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** The options of {@code capbuddy run}'s step mode, checked before anything runs. */
final class StepOptions {
    @Option(names = "--step", description = "Step mode: pause before the first instruction and after each fault and"
            + " system call (see --pause-on), show the events and the next instruction disassembled, and take"
            + " commands (step, continue, break, watch, run, regs, bt, x, dis, walk, dump, quit; help lists them) from"
            + " standard input or --commands.")
    boolean step;

    @Option(names = "--pause-on", paramLabel = "EVENTS", defaultValue = "faults,syscalls",
            description = "What 'continue' stops after: faults, syscalls, both as faults,syscalls, or none."
                    + " Default: ${DEFAULT-VALUE}.")
    String pauseOn;

    @Option(names = "--pause-every", paramLabel = "N", defaultValue = "0",
            description = "'continue' also stops at every multiple of N instructions; 0 for never. Default: ${DEFAULT-VALUE}.")
    long pauseEvery;

    @Option(names = "--commands", paramLabel = "FILE", description = "Read step mode's commands from FILE, not"
            + " standard input (each is echoed after the prompt).")
    Path commands;

    /**
     * The events to pause on, parsed; throws picocli's usage error for a bad list or an option
     * without --step (or, for --pause-on and --pause-every, --view).
     */
    Set<Stepper.PauseOn> validate(CommandLine cmd, boolean json, boolean view) {
        boolean pausing = !pauseOn.equals("faults,syscalls") || pauseEvery != 0;
        if (!step && !view) {
            if (pausing || commands != null) {
                throw new CommandLine.ParameterException(cmd, "--pause-on, --pause-every and --commands need --step"
                        + " (--pause-on and --pause-every: or --view)");
            }
            return Set.of();
        }
        if (json && step) {
            throw new CommandLine.ParameterException(cmd, "--step is a conversation in text; it cannot be combined"
                    + " with --json");
        }
        if (pauseEvery < 0) {
            throw new CommandLine.ParameterException(cmd, "--pause-every must be 0 (never) or more");
        }
        Set<Stepper.PauseOn> events = EnumSet.noneOf(Stepper.PauseOn.class);
        if (pauseOn.trim().equalsIgnoreCase("none")) {
            return events;
        }
        for (String name : pauseOn.split(",")) {
            switch (name.trim().toLowerCase(Locale.ROOT)) {
                case "faults" -> events.add(Stepper.PauseOn.FAULTS);
                case "syscalls" -> events.add(Stepper.PauseOn.SYSCALLS);
                default -> throw new CommandLine.ParameterException(cmd, "--pause-on takes faults, syscalls (comma-"
                        + "separated) or none, not '" + pauseOn + "'");
            }
        }
        return events;
    }

    /** Where the commands come from: the file, or standard input. */
    BufferedReader open() throws IOException {
        if (commands != null) {
            if (Files.isDirectory(commands)) {
                throw new IOException("it is a folder, not a file of commands");
            }
            return Files.newBufferedReader(commands, StandardCharsets.UTF_8);
        }
        return new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    }

    /** Whether to echo each command: when it does not come from a person at a terminal. */
    boolean echo() {
        return commands != null || System.console() == null;
    }
}
