package org.capbuddy.cli.bench;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.capbuddy.cli.common.Json;
import org.capbuddy.cli.common.Problems;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code capbuddy compare OLD NEW}: two bench reports figure by figure, as a researcher checks that
 * a change left the model's behaviour alone (every exact figure the same) or measures what it
 * moved; exits 1 when an exact figure differs, so that a script can gate on it. With {@code --json}
 * the same comparison is one JSON object, for a script that reads which figures moved.
 */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = {"Compare two bench reports (the JSON of bench --json or bench --out, or a sweep's runs/*.json):"
                + " per allocator, every exact figure old and new with their ratio, and the host's wall time for reading.",
            "Exact figures (counts, modelled cycles, bookkeeping, frames, where and why the run stopped, invocations by"
                + " label, the workload's own figures, the footprint) repeat to the digit for the same spec: any that"
                + " differs is reported, and the exit status is 1."},
        exitCodeListHeading = "%nExit status:%n",
        exitCodeList = {"0:every exact figure is the same", "1:one differs",
            "2:bad arguments, or a file that cannot be read or is not a bench report"})
public final class CompareCommand implements Callable<Integer> {
    @Parameters(index = "0", paramLabel = "OLD", description = "The report to compare against.")
    Path before;

    @Parameters(index = "1", paramLabel = "NEW", description = "The report to compare.")
    Path after;

    @Option(names = "--json", description = "Print one JSON object: both reports, the spec's changes, per allocator"
            + " every figure compared (old, new, new/old, exact or host, same or differs), the differences, the verdict"
            + " and the exit status.")
    boolean json;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public Integer call() {
        CommandLine cmd = spec.commandLine();
        PrintWriter err = cmd.getErr();
        JsonNode[] reports = new JsonNode[2];
        Path[] files = {before, after};
        for (int i = 0; i < 2; i++) {
            String unreadable = Problems.unreadable(files[i]);
            if (unreadable != null) {
                // 2, not 1: a script that gates on 1 (a figure moved) must not take a missing file for one
                err.println("capbuddy compare: cannot read " + files[i] + ": " + unreadable);
                return 2;
            }
            try {
                reports[i] = ReportComparison.report(Json.read(files[i]));
            } catch (IOException | RuntimeException e) {
                throw new CommandLine.ParameterException(cmd, files[i] + ": " + Problems.of(e, files[i]));
            }
            String problem = ReportComparison.problem(reports[i], files[i].toString());
            if (problem != null) {
                throw new CommandLine.ParameterException(cmd, problem);
            }
        }
        ReportComparison comparison = ReportComparison.of(reports[0], before.toString(), reports[1], after.toString());
        PrintWriter out = cmd.getOut();
        if (json) {
            out.println(Json.write(comparison.json()));
        } else {
            out.print(comparison.render());
        }
        out.flush();
        return comparison.exitCode();
    }
}
