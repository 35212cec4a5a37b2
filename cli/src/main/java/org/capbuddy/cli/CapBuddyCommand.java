package org.capbuddy.cli;

import org.capbuddy.cli.bench.BenchCommand;
import org.capbuddy.cli.boot.BootCommand;
import org.capbuddy.cli.demo.DemoCommand;
import org.capbuddy.cli.fuzz.FuzzCommand;
import org.capbuddy.cli.run.RunCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code capbuddy} command line: one subcommand per job. Bad options print a message and the
 * usage, and exit with status 2; a failed run exits with status 1.
 */
@Command(name = "capbuddy", mixinStandardHelpOptions = true, version = "capbuddy 0.1.0",
        description = "CapBuddy: capability-based memory management on a model of the seL4 kernel.",
        subcommands = {DemoCommand.class, RunCommand.class, BenchCommand.class, FuzzCommand.class, BootCommand.class, CommandLine.HelpCommand.class})
public final class CapBuddyCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing a command: try 'capbuddy demo' or 'capbuddy boot'");
    }

    public static CommandLine commandLine() {
        return new CommandLine(new CapBuddyCommand());
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
