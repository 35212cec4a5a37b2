package org.capbuddy.cli.view;

import java.io.IOException;
import java.util.Stack;
import picocli.CommandLine;
import picocli.CommandLine.Option;

/** {@code --view[=PORT]}: the browser view of the live system, for {@code run} and {@code demo}. */
public final class ViewOptions {
    @Option(names = "--view", arity = "0..1", paramLabel = "PORT", parameterConsumer = PortWord.class,
            description = "Show the live system in a browser: serve a page on 127.0.0.1 (only) at PORT (--view alone,"
                    + " or 0: a free port; the address is printed) with the program paused before its first"
                    + " instruction, to step, continue and run it there; its panels show the regions and page tables,"
                    + " SOS's frame table, the CapBuddy pool's trees, the untypeds, the CDT and the events. Finish"
                    + " in the page (or Ctrl-C) ends it; the report follows.")
    Integer port;

    /**
     * Takes the word after {@code --view} as its port only when it is a number, so that
     * {@code run --view prog.elf} names the program, as {@code --view} alone before it would; a
     * port written {@code --view=PORT} that is not a number is refused by {@link #port}.
     */
    static final class PortWord implements CommandLine.IParameterConsumer {
        @Override
        public void consumeParameters(Stack<String> args, CommandLine.Model.ArgSpec argSpec,
                CommandLine.Model.CommandSpec commandSpec) {
            if (argSpec.getValue() != null) {
                // picocli's own check of a repeated option is bypassed by a consumer: a second
                // --view would silently win, so it is refused
                throw new CommandLine.ParameterException(commandSpec.commandLine(), "--view is given more than once;"
                        + " give it once (--view alone, or --view=PORT)");
            }
            if (!args.isEmpty() && args.peek().matches("[+-]?[0-9]{1,9}")) {
                argSpec.setValue(Integer.parseInt(args.pop()));
            } else {
                argSpec.setValue(0);
            }
        }
    }

    /** Whether the view was asked for. */
    public boolean on() {
        return port != null;
    }

    /** Throws picocli's usage error for a port out of range; the port otherwise (0: any free one). */
    public int port(CommandLine cmd) {
        for (String word : cmd.getParseResult().originalArgs()) {
            if (word.startsWith("--view=") && !word.substring(7).matches("[+-]?[0-9]{1,9}")) {
                throw new CommandLine.ParameterException(cmd, "--view takes a port from 1 to 65535, or 0 (or nothing)"
                        + " for a free one, not '" + word.substring(7) + "'");
            }
        }
        if (port < 0 || port > 65535) {
            throw new CommandLine.ParameterException(cmd, "--view takes a port from 1 to 65535, or 0 (or nothing) for a"
                    + " free one, not " + port);
        }
        return port;
    }

    /**
     * The server, bound; null when the port cannot be bound, which {@code err} is told.
     *
     * @param command the command's name, for the message
     */
    public ViewServer bind(CommandLine cmd, String command) {
        int p = port(cmd);
        try {
            return ViewServer.bind(p);
        } catch (IOException | RuntimeException e) {
            cmd.getErr().println("capbuddy " + command + ": cannot serve the view on 127.0.0.1:" + p + ": "
                    + (e.getMessage() == null ? e.toString() : e.getMessage()) + " (--view alone takes a free port)");
            return null;
        }
    }
}
