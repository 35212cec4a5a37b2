package org.capbuddy.cli.view;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import org.capbuddy.kernel.boot.UntypedDescriptor;
import org.capbuddy.kernel.cap.Cap;
import org.capbuddy.kernel.cap.Cdt;
import org.capbuddy.kernel.cap.Slot;
import org.capbuddy.kernel.object.Frame;
import org.capbuddy.kernel.object.KernelObject;
import org.capbuddy.libos.machine.MachineConfig;
import org.capbuddy.libos.capbuddy.PoolConfig;
import org.capbuddy.sos.machine.SosConfig;
import org.capbuddy.sos.machine.SosMachine;
import org.capbuddy.sos.run.ProgramOutcome;
import org.capbuddy.sos.run.ProgramRunner;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Untypeds panel's figures against the memory itself: what lives in each boot untyped's CDT
 * subtree must be exactly the objects whose addresses lie in its region (each once), and what is
 * free must be what the untypeds in its region leave free; checked at boot and after pt_test, on
 * the CapBuddy pool and on plain allocman.
 */
class UntypedUseTest {
    @ParameterizedTest(name = "capbuddy={0}")
    @ValueSource(booleans = {true, false})
    void liveAndFreeBytesAreWhatTheMemoryOfEachBootUntypedHolds(boolean capBuddy) throws IOException {
        MachineConfig config = MachineConfig.capBuddy(64L << 20).withPool(capBuddy ? PoolConfig.defaults() : null);
        SosMachine machine = SosMachine.boot(config, SosConfig.defaults()).value();
        checkAgainstMemory(machine);
        byte[] elf = Files.readAllBytes(Path.of("..", "programs", "bin", "pt_test.elf"));
        ProgramRunner.Finished run = new ProgramRunner(machine.sos()).run(new ProgramRunner.Launch(elf,
                List.of("pt_test"), List.of(), new byte[0], 1, 50_000_000L), false);
        assertThat(run.result().outcome()).isEqualTo(ProgramOutcome.EXITED);
        List<ViewState.UntypedLine> lines = checkAgainstMemory(machine);

        // the frames SOS's frame table holds live in the untypeds, beside the pool's free frames and the page tables
        Cdt cdt = machine.kernel().state().cdt();
        List<UntypedDescriptor> boot = machine.kernel().bootInfo().untypedList();
        long frameBytes = distinctObjects(cdt).stream().filter(o -> o instanceof Frame)
                .filter(o -> boot.stream().anyMatch(u -> o.paddr() >= u.paddr() && o.paddr() < u.paddr() + u.size()))
                .mapToLong(KernelObject::size).sum(); // boot's own frames (the image's, say) are not in an untyped
        long inUse = machine.sos().frameTableDump().inUse();
        assertThat(frameBytes).isGreaterThanOrEqualTo(inUse * 4096);
        assertThat(lines.stream().mapToLong(ViewState.UntypedLine::liveBytes).sum()).isGreaterThan(frameBytes);
        // the review's case: most boot untypeds were never touched, and say so rather than "full"
        assertThat(lines).filteredOn(l -> !l.retyped()).isNotEmpty().allSatisfy(l -> {
            assertThat(l.liveBytes()).isZero();
            assertThat(l.freeBytes()).isEqualTo(l.bytes());
            assertThat(l.childUntypeds()).isZero();
        });
        assertThat(lines).filteredOn(ViewState.UntypedLine::retyped).isNotEmpty()
                .anySatisfy(l -> assertThat(l.liveBytes()).isPositive());
    }

    /** Checks each line against the memory and returns the lines. */
    private static List<ViewState.UntypedLine> checkAgainstMemory(SosMachine machine) {
        Cdt cdt = machine.kernel().state().cdt();
        List<UntypedDescriptor> boot = machine.kernel().bootInfo().untypedList();
        List<ViewState.UntypedLine> lines = UntypedUse.of(cdt, boot);
        assertThat(lines).hasSize(boot.size());
        Set<KernelObject> objects = distinctObjects(cdt);
        for (int i = 0; i < boot.size(); i++) {
            UntypedDescriptor u = boot.get(i);
            ViewState.UntypedLine line = lines.get(i);
            long start = u.paddr();
            long end = u.paddr() + u.size();
            long live = objects.stream().filter(o -> o.paddr() >= start && o.paddr() < end)
                    .peek(o -> assertThat(o.end()).as("%s inside its untyped", o).isLessThanOrEqualTo(end))
                    .mapToLong(KernelObject::size).sum();
            assertThat(line.found()).isTrue();
            assertThat(line.liveBytes()).as("untyped %d at %s: live bytes", i, line.paddr()).isEqualTo(live);
            assertThat(line.freeBytes()).as("untyped %d at %s: free bytes", i, line.paddr())
                    .isEqualTo(freeInRegion(cdt, start, end));
            assertThat(line.liveBytes() + line.freeBytes()).isLessThanOrEqualTo(line.bytes());
        }
        return lines;
    }

    /** Every object a cap of the tree names, each once. */
    private static Set<KernelObject> distinctObjects(Cdt cdt) {
        Set<KernelObject> objects = Collections.newSetFromMap(new IdentityHashMap<>());
        for (Slot s : cdt.slots()) {
            if (s.cap().object() != null) {
                objects.add(s.cap().object());
            }
        }
        return objects;
    }

    /**
     * The bytes free to retype in the untypeds whose regions lie in [start, end), each region once:
     * above its watermark, or all of it when it has no children (its next retype resets it).
     */
    private static long freeInRegion(Cdt cdt, long start, long end) {
        java.util.Map<String, Long> regions = new java.util.HashMap<>();
        for (Slot s : cdt.slots()) {
            if (s.cap() instanceof Cap.Untyped u && u.paddr() >= start && u.paddr() < end) {
                regions.putIfAbsent(u.paddr() + "/" + u.sizeBits(), cdt.hasChildren(s) ? u.freeBytes() : u.size());
            }
        }
        return regions.values().stream().mapToLong(Long::longValue).sum();
    }
}
