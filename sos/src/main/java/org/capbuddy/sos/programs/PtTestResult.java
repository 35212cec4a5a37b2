package org.capbuddy.sos.programs;

import java.util.List;

/** What pt_test found: whether every check held, where its stack buffer and heap blocks were. */
public record PtTestResult(boolean passed, long stackAddress, List<Long> heapAddresses, String failure) {

    public PtTestResult {
        heapAddresses = List.copyOf(heapAddresses);
    }
}
