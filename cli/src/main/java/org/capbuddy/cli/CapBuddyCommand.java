package org.capbuddy.cli;

import org.capbuddy.cli.bench.BenchCommand;
import org.capbuddy.cli.common.ToolVersion;
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
@Command(name = "capbuddy", mixinStandardHelpOptions = true, versionProvider = CapBuddyCommand.Version.class,
        description = "CapBuddy: capability-based memory management on a model of the seL4 kernel.",
        subcommands = {DemoCommand.class, RunCommand.class, BenchCommand.class, FuzzCommand.class, BootCommand.class, CommandLine.HelpCommand.class})
public final class CapBuddyCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        throw new CommandLine.ParameterException(spec.commandLine(), "Missing a command: try 'capbuddy demo' or 'capbuddy boot'");
    }

    /** {@code capbuddy --version}: the version and the commit the jar was built from. */
    static final class Version implements CommandLine.IVersionProvider {
        @Override
        public String[] getVersion() {
            ToolVersion v = ToolVersion.current();
            return new String[] {"capbuddy " + v.version() + " (commit " + v.commit() + (v.dirty() ? ", with uncommitted"
                    + " changes" : "") + ")"};
        }
    }

    public static CommandLine commandLine() {
        return new CommandLine(new CapBuddyCommand());
    }

    public static void main(String[] args) {
        System.exit(commandLine().execute(args));
    }
}
