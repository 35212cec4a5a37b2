package org.capbuddy.cli.demo;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import org.capbuddy.cli.common.Counted;
import org.capbuddy.sos.machine.Balance;
import org.capbuddy.sos.machine.SosMachine;

/** What {@code capbuddy demo} reports, in the shape its JSON takes. */
public record DemoReport(
        Machine machine,
        PtTest ptTest,
        Program program,
        Faults faults,
        Allocated allocated,
        Kernel kernel,
        Teardown teardown,
        @JsonInclude(JsonInclude.Include.NON_NULL) Paging paging) {

    /**
     * What SOS's pager did, when paging is on (the field is left out of the JSON when it is off):
     * the policy, the page file's size in pages, page-outs (pages written), clean drops (clean
     * pages evicted without a write: the writes dirty tracking saved), page-ins, soft faults (an
     * unreferenced page touched again), dirty faults (a store to a clean page, mapped read-only
     * until then), kept slots reclaimed for dirty pages from a full page file, the most slots in
     * use at once, and slots left in use after teardown.
     */
    public record Paging(String policy, int pageFilePages, long pageOuts, long cleanDrops, long pageIns,
                         long softFaults, long dirtyFaults, long slotsReclaimed, int peakSlotsInUse,
                         long slotsLeaked) {

        /** The pager's figures on {@code machine}, null without paging; {@code leaked} is the run's balance diff. */
        public static Paging of(SosMachine machine, Balance leaked) {
            var pages = machine.sos().pages();
            if (!pages.paging()) {
                return null;
            }
            return new Paging(pages.policy().name(), pages.pageFile().capacity(), pages.pageOuts(),
                    pages.cleanDrops(), pages.pageIns(), pages.softFaults(), pages.dirtyFaults(),
                    pages.slotsReclaimed(), pages.pageFile().peakSlotsInUse(), leaked.pageFileSlots());
        }

        /** The report's line. */
        public String render() {
            return String.format("Paging (%s, page file of %,d pages): %,d page-outs, %,d clean drops (writes saved),"
                    + " %,d page-ins, %,d soft faults, %,d dirty faults%s; at most %,d slots in use, %,d left after"
                    + " teardown%n", policy, pageFilePages, pageOuts, cleanDrops, pageIns, softFaults, dirtyFaults,
                    slotsReclaimed == 0 ? "" : String.format(", %,d kept slots reclaimed", slotsReclaimed),
                    peakSlotsInUse, slotsLeaked);
        }
    }

    /**
     * What fork's copy-on-write sharing did, when it shared anything (the field is left out of the
     * JSON otherwise): the fork mode, pages shared into children (each mapping its own cap copy in
     * its own slot), breaks of sharing that copied a page into a fresh frame and those that gave
     * the last sharer its write right back, how many of those breaks SOS made for its own writes
     * into a shared page for a system call (the rest were store faults, counted in the faults
     * handled too), and the most frames sharing saved at once.
     */
    public record Sharing(String forkMode, long pagesShared, long cowCopies, long cowReuses, long breaksForCalls,
                          long peakFramesSaved) {

        /** The sharing figures of {@code machine}, null when nothing was shared. */
        public static Sharing of(SosMachine machine) {
            var pages = machine.sos().pages();
            if (pages.pagesShared() == 0) {
                return null;
            }
            return new Sharing(machine.sos().forkMode().label(), pages.pagesShared(), pages.cowCopies(),
                    pages.cowReuses(), pages.cowBreaksForCalls(), pages.peakFramesSaved());
        }

        /** The report's line. */
        public String render() {
            long breaks = cowCopies + cowReuses;
            return String.format("Copy-on-write (fork %s): %s shared (a cap copy and slot each); %s of sharing (%,d"
                    + " on a store's fault, %,d for SOS's writes for system calls): %,d copied a page, %,d gave the"
                    + " last sharer write back; at most %s saved%n", forkMode, Counted.of(pagesShared, "page"),
                    Counted.of(breaks, "break"), breaks - breaksForCalls, breaksForCalls, cowCopies, cowReuses,
                    Counted.of(peakFramesSaved, "frame"));
        }
    }

    public record Machine(long ramBytes, String allocator, String cspace, int rootCNodeBits, int retypeFanOutLimit) {
    }

    public record PtTest(boolean passed, long stackAddress, String stackAddressHex, List<String> heapAddresses,
                         String failure) {
    }

    /** The program that ran: which ELF, how many instructions, its system calls by name, its first SP. */
    public record Program(String elf, long instructions, java.util.Map<String, Long> systemCalls, String initialSpHex) {
    }

    public record Faults(long handled, long kills) {
    }

    public record Allocated(long framesMapped, long pagingStructures, long poolTrees) {
    }

    public record Kernel(long invocations, java.util.Map<String, Long> byLabel, long objectsCreated, long bytesZeroed,
                         double modelledCycles) {
    }

    public record Teardown(Leaked leaked, String invariants) {
    }

    /**
     * What teardown did not give back, from the machine's balance before the process and after it:
     * frames (the allocators' and SOS's), slots, untyped bytes, bookkeeping (mspace) bytes and
     * pages, SOS's window tables, live processes and assigned ASIDs. All 0 on success.
     */
    public record Leaked(long frames, long slots, long untypedBytes, long mspaceBytes, long mspacePages,
                         long windowTables, long processes, long asids) {

        public static Leaked of(Balance diff) {
            var a = diff.allocators();
            return new Leaked(a.frames() + diff.sosFrames(), a.slots(), a.untypedBytes(), a.bookkeepingBytes(),
                    a.bookkeepingPages(), diff.windowTables(), diff.processes(), diff.asids());
        }
    }
}
