package org.capbuddy.cli;

import org.capbuddy.cli.bench.BenchCommand;
import org.capbuddy.cli.bench.CompareCommand;
import org.capbuddy.cli.bench.SweepCommand;
import org.capbuddy.cli.common.Problems;
import org.capbuddy.cli.common.ToolVersion;
import org.capbuddy.cli.boot.BootCommand;
import org.capbuddy.cli.demo.DemoCommand;
import org.capbuddy.cli.fuzz.FuzzCommand;
import org.capbuddy.cli.run.RunCommand;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The {@code capbuddy} command line: one subcommand per job. Bad options print a message and the
 * usage, and exit with status 2; a failed run exits with status 1.
 */
@Command(name = "capbuddy", mixinStandardHelpOptions = true, versionProvider = CapBuddyCommand.Version.class,
        description = "CapBuddy: capability-based memory management on a model of the seL4 kernel.",
        subcommands = {DemoCommand.class, RunCommand.class, BenchCommand.class, SweepCommand.class, CompareCommand.class,
            FuzzCommand.class,
            BootCommand.class,
            CommandLine.HelpCommand.class, AutoComplete.GenerateCompletion.class},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {
            "0:done: the demo passed, the run or workload finished and left nothing behind",
            "1:it did not: a failed check, a leak, a file that cannot be read or written (see the message)",
            "2:bad options or command (nothing ran)",
            "others:capbuddy run: the program's own status; 139 killed, 124 instruction limit, 70 leaked"})
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
        CommandLine cli = new CommandLine(new CapBuddyCommand());
        cli.setParameterExceptionHandler(CapBuddyCommand::badOptions);
        // each command's -V (from its standard help options) names the build as capbuddy -V does:
        // without a provider of its own picocli prints nothing and exits 0
        for (CommandLine sub : cli.getSubcommands().values()) {
            sub.getCommandSpec().versionProvider(new Version());
        }
        // the completion script's subcommand is a tool, not a job: keep it out of the usage
        cli.getSubcommands().get("generate-completion").getCommandSpec().usageMessage().hidden(true);
        return cli;
    }

    /**
     * Bad options or command: the message, a suggestion when the word is close to a command or
     * option that exists ("Did you mean: capbuddy demo?"), else the usage; status 2.
     */
    private static int badOptions(CommandLine.ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println(ex.getMessage().replace("for option option '", "for option '")); // picocli's doubled word
        List<String> close = new ArrayList<>();
        if (ex instanceof CommandLine.UnmatchedArgumentException unmatched) {
            // picocli's own suggestions, only where they are near misses by our measure too
            for (String suggested : unmatched.getSuggestions()) {
                if (unmatched.getUnmatched().stream().anyMatch(word -> Suggestions.close(word, suggested))) {
                    close.add(suggested);
                }
            }
            for (String word : unmatched.getUnmatched()) {
                for (String name : cmd.getSubcommands().keySet()) {
                    if (!close.contains(name) && !cmd.getSubcommands().get(name).getCommandSpec().usageMessage().hidden()
                            && Suggestions.close(word, name)) {
                        close.add(name);
                    }
                }
            }
        }
        String programOptions = ex instanceof CommandLine.UnmatchedArgumentException unmatched
                && cmd.getCommandSpec().userObject() instanceof RunCommand ? RunCommand.programOptionsHint(cmd, unmatched, args) : null;
        if (programOptions != null) {
            err.println(programOptions);
        }
        if (close.isEmpty() && programOptions == null) {
            cmd.usage(err);
        } else if (!close.isEmpty()) {
            err.println("Did you mean: " + String.join(" or ", close.stream()
                    .map(c -> c.startsWith("-") ? c : cmd.getCommandName() + " " + c).toList()) + "?");
        }
        return cmd.getCommandSpec().exitCodeOnInvalidInput();
    }

    /**
     * Runs {@code cli} on {@code args}: picocli's {@code execute}, except that an {@code @file} of
     * arguments given on the command line that cannot be read is a bad option (one line, status
     * 2), not the stack trace picocli prints for it. (An {@code @file} named inside another is
     * still picocli's to read.) Words after {@code --} are never argument files.
     */
    public static int execute(CommandLine cli, String... given) {
        String[] args = verbatimAfterEndOfOptions(given);
        for (String arg : args) {
            // one picocli cannot find is an ordinary argument, as picocli takes it
            if (arg.startsWith("@") && !arg.startsWith("@@") && arg.length() > 1) {
                Path file;
                try {
                    file = Path.of(arg.substring(1));
                } catch (InvalidPathException e) {
                    continue;
                }
                String unreadable = Files.exists(file) ? Problems.unreadable(file) : null;
                if (unreadable != null) {
                    cli.getErr().println("capbuddy: cannot read the argument file " + file + ": " + unreadable);
                    cli.getErr().flush();
                    return cli.getCommandSpec().exitCodeOnInvalidInput();
                }
            }
        }
        return cli.execute(args);
    }

    /**
     * {@code args} with every word after the first {@code --} that starts with {@code @} escaped
     * as {@code @@}: picocli expands argument files even there, so {@code capbuddy run prog --
     * @name} would hand the program the contents of a file called {@code name} instead of the
     * word; after {@code --} a word is the program's, as written.
     */
    static String[] verbatimAfterEndOfOptions(String[] args) {
        String[] out = args.clone();
        int end = java.util.Arrays.asList(args).indexOf("--");
        for (int i = end + 1; end >= 0 && i < out.length; i++) {
            if (out[i].startsWith("@")) {
                out[i] = "@" + out[i];
            }
        }
        return out;
    }

    public static void main(String[] args) {
        System.exit(execute(commandLine(), args));
    }
}
