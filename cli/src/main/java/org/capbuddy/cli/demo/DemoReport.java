package org.capbuddy.cli.demo;

import java.util.List;

/** What {@code capbuddy demo} reports, in the shape its JSON takes. */
public record DemoReport(
        Machine machine,
        PtTest ptTest,
        Faults faults,
        Allocated allocated,
        Kernel kernel,
        Teardown teardown) {

    public record Machine(long ramBytes, String allocator, int rootCNodeBits, int retypeFanOutLimit) {
    }

    public record PtTest(boolean passed, long stackAddress, String stackAddressHex, List<String> heapAddresses,
                         String failure) {
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

    public record Leaked(long frames, long slots, long untypedBytes, long mspaceBytes) {
    }
}
