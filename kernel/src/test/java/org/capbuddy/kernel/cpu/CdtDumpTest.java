package org.capbuddy.kernel.cpu;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.capbuddy.kernel.api.CdtDump;
import org.capbuddy.kernel.api.ObjectType;
import org.junit.jupiter.api.Test;

/**
 * Sel4.cdtDump reads the derivation tree back from the CDT's list: untypeds with their watermark
 * and free bytes, what was retyped from them one level deeper, and runs of like caps as one line.
 */
class CdtDumpTest {
    @Test
    void retypedFramesAreOneLineUnderTheirUntyped() {
        CpuFx fx = new CpuFx();
        for (int i = 0; i < 8; i++) {
            fx.object(ObjectType.SMALL_PAGE);
        }
        CdtDump dump = fx.sel4.cdtDump();
        assertThat(dump.caps()).isEqualTo(fx.kernel.state().cdt().size());
        List<CdtDump.Line> lines = dump.lines();
        int frames = -1;
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).type().equals("Frame") && lines.get(i).count() >= 8) {
                frames = i;
            }
        }
        assertThat(frames).as("a line for the 8 frames").isNotNegative();
        CdtDump.Line group = lines.get(frames);
        assertThat(group.object()).startsWith("SmallPage@0x");
        assertThat(group.lastObject()).startsWith("SmallPage@0x");
        assertThat(group.lastSlot()).isNotNull();
        // its parent is the nearest line above it one level up: the untyped the frames came from
        CdtDump.Line parent = null;
        for (int i = frames - 1; i >= 0 && parent == null; i--) {
            if (lines.get(i).depth() == group.depth() - 1) {
                parent = lines.get(i);
            }
        }
        assertThat(parent).isNotNull();
        assertThat(parent.type()).isEqualTo("Untyped");
        assertThat(parent.detail()).contains("watermark 0x", "bytes free");
        assertThat(dump.render()).contains("CDT: ", "x Frame SmallPage@0x", " .. SmallPage@0x", "Untyped  pa 0x");
        assertThat(fx.sel4.cdtDump()).as("reading changes nothing").isEqualTo(dump);
    }
}
