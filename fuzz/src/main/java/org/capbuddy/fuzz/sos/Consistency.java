package org.capbuddy.fuzz.sos;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.capbuddy.kernel.cpu.AccessKind;
import org.capbuddy.kernel.invariant.InvariantReport;
import org.capbuddy.sos.Sos;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.user.MemoryFault;

/**
 * The fuzzer's periodic deep check, too slow for every operation: the kernel's invariants; for
 * every live process, SOS's state, regions, break and mapped pages against the model; the frame
 * table holding exactly the pages mapped; and the full contents of one running process's pages,
 * read back through its MMU (a PROT_NONE page's through SOS's window: its bytes are kept).
 */
final class Consistency {
    private final FuzzMachine machine;
    /**
     * Whose pages to read back next: taken in turn rather than drawn from the fuzzer's random
     * stream, so that how often checks run does not change which operations a seed makes.
     */
    private int nextReadBack;

    Consistency(FuzzMachine machine) {
        this.machine = machine;
    }

    String check(List<ModelProcess> live) {
        InvariantReport invariants = machine.kernel.checkInvariants();
        if (!invariants.ok()) {
            return "kernel invariants: " + invariants;
        }
        Sos sos = machine.sos;
        if (sos.liveProcesses() != live.size()) {
            return "SOS has " + sos.liveProcesses() + " processes, the model " + live.size();
        }
        long mapped = 0;
        for (ModelProcess p : live) {
            String problem = matches(p);
            if (problem != null) {
                return problem;
            }
            mapped += p.memory.mappedCount();
        }
        if (sos.frameTable().framesInUse() != mapped) {
            return "the frame table has " + sos.frameTable().framesInUse() + " frames in use, the processes map "
                    + mapped + " pages";
        }
        return live.isEmpty() ? null : contents(sos, live.get(Math.floorMod(nextReadBack++, live.size())));
    }

    private static String matches(ModelProcess p) {
        if (p.process.state() != p.state()) {
            return "process " + p.pid() + " is " + p.process.state() + ", the model has " + p.state();
        }
        if (!p.process.addressSpace().regions().equals(p.space.regions())) {
            return "process " + p.pid() + " has regions " + p.process.addressSpace().regions() + ", the model "
                    + p.space.regions();
        }
        if (p.process.addressSpace().brk() != p.space.brk()) {
            return "process " + p.pid() + " has its break at 0x" + Long.toHexString(p.process.addressSpace().brk())
                    + ", the model at 0x" + Long.toHexString(p.space.brk());
        }
        List<Long> shadow = p.process.shadow().pageAddresses();
        List<Long> model = p.memory.mappedPages();
        if (!shadow.equals(model)) {
            return "process " + p.pid() + " has pages " + hex(shadow, model) + " mapped that the model has not, and lacks "
                    + hex(model, shadow);
        }
        return null;
    }

    /** Reads every page a running process has mapped and compares it with the model. */
    private static String contents(Sos sos, ModelProcess p) {
        if (!p.running()) {
            return null;
        }
        byte[] real = new byte[(int) Layout.PAGE];
        for (long page : p.memory.mappedPages()) {
            if (!p.space.allows(page, AccessKind.READ)) {
                // PROT_NONE: the bytes are kept, but only SOS may read them, through its window
                if (sos.pages().copy(p.process, page, real, 0, real.length, false) != real.length) {
                    return "reading back PROT_NONE page 0x" + Long.toHexString(page) + " of process " + p.pid()
                            + " through SOS's window failed";
                }
            } else {
                try {
                    p.user.copyIn(page, real, 0, real.length);
                } catch (MemoryFault e) {
                    return "reading back mapped page 0x" + Long.toHexString(page) + " of process " + p.pid() + ": " + e;
                }
            }
            byte[] expected = p.memory.page(page);
            int at = Arrays.mismatch(real, expected);
            if (at >= 0) {
                return "process " + p.pid() + " page 0x" + Long.toHexString(page) + " holds 0x"
                        + Integer.toHexString(real[at] & 0xFF) + " at offset " + at + ", the model 0x"
                        + Integer.toHexString(expected[at] & 0xFF);
            }
        }
        return null;
    }

    /** The pages of {@code these} that are not in {@code those}, in hex. */
    private static String hex(List<Long> these, List<Long> those) {
        Set<Long> other = new HashSet<>(those);
        StringBuilder out = new StringBuilder("[");
        for (long page : these) {
            if (!other.contains(page)) {
                out.append(out.length() > 1 ? ", " : "").append("0x").append(Long.toHexString(page));
            }
        }
        return out.append(']').toString();
    }
}
