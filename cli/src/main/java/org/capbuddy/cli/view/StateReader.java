package org.capbuddy.cli.view;

import java.util.List;
import org.capbuddy.sos.machine.SosMachine;
import org.capbuddy.sos.process.KillReport;
import org.capbuddy.sos.process.Process;
import org.capbuddy.sos.process.ProcessState;
import org.capbuddy.sos.run.InstructionText;
import org.capbuddy.sos.run.ProgramRun;

/**
 * Reads the live system into a {@link ViewState}, on the machine's thread: the program's place
 * and counters, its process's regions and page tables, SOS's frame table, the CapBuddy pool, the
 * boot untypeds and the CDT. It reads only: nothing it does changes the run's figures.
 */
final class StateReader {
    private final SosMachine machine;
    private final ProgramRun run;
    private final InstructionText code;
    private final String name;
    private final String pauseOn;
    private final long invocationsBefore;

    /**
     * @param name the program as the page names it
     * @param pauseOn what continue stops after, in words
     */
    StateReader(SosMachine machine, ProgramRun run, InstructionText code, String name, String pauseOn) {
        this.machine = machine;
        this.run = run;
        this.code = code;
        this.name = name;
        this.pauseOn = pauseOn;
        this.invocationsBefore = machine.kernel().costs().totalInvocations();
    }

    ViewState read(String reason, ViewState.Events events, String console) {
        Process p = run.process();
        var dump = machine.sos().dump(p).orElse(null);
        var frames = machine.sos().frameTableDump();
        ViewState.Counters counters = new ViewState.Counters(p.faultsHandled(), run.systemCalls(),
                machine.kernel().costs().totalInvocations() - invocationsBefore, frames.inUse(),
                dump == null ? 0 : dump.pageTables().pages());
        return new ViewState(program(reason), counters, dump, frames, machine.sos().poolDump().orElse(null),
                untypeds(), machine.sos().cdtDump(), events, console);
    }

    private ViewState.Program program(String reason) {
        boolean ended = run.ended();
        // a forked run: the view follows the process that runs next, and names its pid; once the
        // run has ended, the process it started
        Process p = ended ? run.firstProcess() : run.process();
        String name = run.processes().size() > 1 ? this.name + " [pid " + p.pid() + "]" : this.name;
        String status = !ended ? "paused" : p.state() == ProcessState.EXITED ? "exited"
                : p.state() == ProcessState.KILLED ? "killed"
                : run.atInstructionLimit() ? "instruction_limit" : "stopped";
        KillReport kill = p.killReport();
        long pc = run.pc();
        return new ViewState.Program(name, status, reason, String.format("0x%x", pc), ended ? null : code.line(pc),
                run.instructions(), p.state() == ProcessState.EXITED ? Integer.valueOf((int) p.exitCode()) : null,
                ended && kill != null ? kill.summary() : null, ended, pauseOn);
    }

    /**
     * The boot info's untypeds, each with what lives in it and what is free, from the CDT. Its cap
     * is found in the tree, not at the boot info's cptr: allocman moves the boot caps into the
     * CSpace it builds.
     */
    private List<ViewState.UntypedLine> untypeds() {
        return UntypedUse.of(machine.kernel().state().cdt(), machine.kernel().bootInfo().untypedList());
    }
}
