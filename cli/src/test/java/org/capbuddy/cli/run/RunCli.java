package org.capbuddy.cli.run;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.capbuddy.cli.CliRun;

/** {@code capbuddy run} in-process for the tests, and the path of a committed test program. */
final class RunCli {
    private RunCli() {
    }

    /** The committed ELF {@code programs/bin/NAME.elf}, as a path from the cli module. */
    static String program(String name) {
        return Path.of("..", "programs", "bin", name + ".elf").toString();
    }

    /** {@code capbuddy run ARGS...}. */
    static CliRun run(String... args) {
        List<String> all = new ArrayList<>();
        all.add("run");
        all.addAll(List.of(args));
        return CliRun.of(all.toArray(String[]::new));
    }
}
