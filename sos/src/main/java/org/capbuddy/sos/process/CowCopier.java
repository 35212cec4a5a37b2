package org.capbuddy.sos.process;

import java.util.List;
import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.CapOps;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.libos.vka.Undo;
import org.capbuddy.libos.vka.Vka;
import org.capbuddy.libos.vspace.PageMapper;
import org.capbuddy.libos.vspace.PagingStructure;
import org.capbuddy.sos.addrspace.Layout;
import org.capbuddy.sos.addrspace.Region;
import org.capbuddy.sos.frametable.FrameTable;
import org.capbuddy.sos.frametable.VkaTables;
import org.capbuddy.sos.shadow.PageEntry;

/**
 * The copy half of breaking a copy-on-write share ({@link CowSharing#breakShare}): a page whose
 * frame others still map gets a fresh frame with its bytes, in its own cap slot, all or nothing.
 */
final class CowCopier {
    private final Vka vka;
    private final FrameTable frames;
    private final VkaTables tables;
    /** One page's bytes on their way from a shared frame to a private copy (one thread drives the machine). */
    private final byte[] buffer = new byte[(int) Layout.PAGE];

    CowCopier(Vka vka, FrameTable frames, VkaTables tables) {
        this.vka = vka;
        this.frames = frames;
        this.tables = tables;
    }

    /**
     * A fresh frame holding the shared page's bytes (copied through SOS's window), put under the
     * page in its cap slot: the old copy deleted (which unmaps it; no slot or table is needed), a
     * copy of the new frame's cap with {@code rights} in its place, mapped. Every step is undone if
     * a later one fails or throws: the old copy put back and mapped without write, the frame
     * given back. Returns the new frame's reference; the caller records it.
     */
    Result<Integer> copyInto(Process p, long vaddr, Region region, PageEntry e, CapRights rights) {
        try (Undo undo = Undo.begin(vka.sel4().guard(), "copying a shared page at", vaddr)) {
            int fresh = frames.allocFrame();
            if (fresh == FrameTable.NULL_FRAME) {
                return Result.fail(frames.lastError());
            }
            undo.push(() -> frames.undoAlloc(fresh));
            if (!frames.copy(e.frameRef(), 0, buffer, 0, buffer.length, false)) {
                return Result.fail(AllocErrorKind.KERNEL, "reading shared frame " + e.frameRef()
                        + " through SOS's window");
            }
            Result<Void> written = frames.write(fresh, 0, buffer, 0, buffer.length);
            if (!written.isOk()) {
                return written.asFailure();
            }
            Result<Void> deleted = CapOps.delete(vka, e.capCopy());
            if (!deleted.isOk()) {
                return deleted.asFailure();
            }
            undo.push(() -> restore(p, vaddr, region, e, rights));
            Result<Void> copied = CapOps.copy(vka, e.capCopy(), frames.frameCap(fresh), rights);
            if (!copied.isOk()) {
                return copied.asFailure();
            }
            undo.push(() -> CapOps.delete(vka, e.capCopy()));
            Result<List<PagingStructure>> mapped = PageMapper.map(vka.sel4(), tables, e.capCopy(), p.vspaceCptr(),
                    vaddr, rights, ProcessPages.attributes(region));
            if (!mapped.isOk()) {
                return mapped.asFailure();
            }
            undo.commit();
            return Result.ok(fresh);
        }
    }

    /** Puts the page's old cap copy back in its slot and maps it without write, as it was. */
    private Result<?> restore(Process p, long vaddr, Region region, PageEntry e, CapRights rights) {
        Result<Void> copied = CapOps.copy(vka, e.capCopy(), frames.frameCap(e.frameRef()), rights);
        return copied.isOk() ? PageMapper.map(vka.sel4(), tables, e.capCopy(), p.vspaceCptr(), vaddr,
                CapRights.READ_ONLY, ProcessPages.attributes(region)) : copied;
    }
}
