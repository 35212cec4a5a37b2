package org.capbuddy.cli.view;

import java.util.List;
import org.capbuddy.kernel.api.CdtDump;
import org.capbuddy.libos.capbuddy.PoolDump;
import org.capbuddy.sos.frametable.FrameTableDump;
import org.capbuddy.sos.inspect.ProcessDump;

/**
 * What {@code GET /api/state} answers: the live system at a pause. Addresses the page shows as
 * text are hex strings ({@code "0x400180"}); the dumps are the ones {@code run --dump --json}
 * writes.
 *
 * @param process the process's regions and page tables, or null once it is gone
 * @param pool the CapBuddy pool's trees, or null when SOS runs on plain allocman
 * @param console what the program has written so far (its last {@link ViewSession#CONSOLE_KEPT} characters)
 */
public record ViewState(Program program, Counters counters, ProcessDump process, FrameTableDump frames,
        PoolDump pool, List<UntypedLine> untypeds, CdtDump cdt, Events events, String console) {

    /**
     * Where the program is.
     *
     * @param status {@code paused}, {@code exited}, {@code killed}, {@code instruction_limit} or {@code stopped}
     * @param reason why it paused last ({@code start}, {@code step}, {@code syscall write}, {@code vm_fault}, ...)
     * @param next the next instruction, disassembled (null once it has ended)
     * @param exitCode its exit status, once it exited
     * @param kill why it was killed, once it was
     * @param pauseOn what continue stops after
     */
    public record Program(String name, String status, String reason, String pc, String next, long instructions,
            Integer exitCode, String kill, boolean ended, String pauseOn) {
    }

    /**
     * @param faults faults SOS handled for the process
     * @param systemCalls system calls it made
     * @param invocations kernel invocations since the first pause (the process made, before its first instruction)
     * @param framesInUse frames SOS's frame table holds
     * @param pagesMapped pages the process's page tables map
     */
    public record Counters(long faults, long systemCalls, long invocations, int framesInUse, long pagesMapped) {
    }

    /**
     * A boot untyped (the root task's, as the boot info lists it: {@code bootCptr} is where boot
     * put its cap) and what its memory holds now, read from its subtree of the CDT (see
     * {@link UntypedUse}); its watermark alone would not say, since boot leaves it at the top and a
     * retype of an untyped without children resets it. {@code liveBytes} and {@code freeBytes}
     * need not add up to {@code bytes}: the rest is objects deleted below a watermark that stays
     * until a reset, and alignment.
     *
     * @param found whether its cap is still in the tree (if not, the figures are null, not guessed)
     * @param retyped whether anything was retyped from it (if not, it is all free)
     * @param liveBytes the bytes of the live objects in its subtree (frames, tables, CNodes, TCBs,
     *     ...; each once, however many caps name it; untypeds split from it are containers, not counted)
     * @param freeBytes the bytes free to retype in it and the untypeds split from it: above each
     *     one's watermark, or the whole of one nothing was retyped from
     * @param childUntypeds the untypeds split from it, at any depth
     */
    public record UntypedLine(String bootCptr, String paddr, int sizeBits, long bytes, boolean device, boolean found,
            boolean retyped, Long liveBytes, Long freeBytes, int childUntypeds) {
    }

    /**
     * Trace events since the previous pause.
     *
     * @param shown the last of them, at most {@link ViewSession#EVENTS_KEPT}
     * @param leftOut how many earlier ones were left out
     */
    public record Events(List<Event> shown, long leftOut) {
    }

    /** One trace event: its kind as {@code --trace} names it, and its line of text. */
    public record Event(long seq, String kind, Integer pid, Long instructions, String name, String text) {
    }
}
