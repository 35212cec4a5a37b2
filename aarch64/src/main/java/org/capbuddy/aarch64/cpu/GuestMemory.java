package org.capbuddy.aarch64.cpu;

/**
 * The memory a program running on the {@link Interpreter} sees: its virtual address space at EL0.
 * The interpreter reaches memory only through this interface; the kernel implements it over a
 * thread's MMU and TLB, tests over a flat map.
 *
 * <p>Every access reports success in {@link #failed()}: an implementation that can fix a miss (a
 * kernel delivering a VM fault to a handler that maps the page and replies) does so inside the call
 * and returns the value; {@code failed()} is true only when the access could not be made at all, and
 * the interpreter then stops on the instruction with an abort, changing no register. Accesses are
 * little-endian; an access that crosses a page is the implementation's to split.
 */
public interface GuestMemory {
    /** The instruction word at {@code address} (4-aligned), fetched with execute permission. */
    int fetch(long address);

    /** Loads {@code size} bytes (1, 2, 4 or 8), zero-extended. */
    long load(long address, int size);

    /** Stores the low {@code size} bytes (1, 2, 4 or 8) of {@code value}. */
    void store(long address, int size, long value);

    /** Whether the most recent access could not be made. */
    boolean failed();

    /**
     * A number that changes whenever an instruction fetched earlier may no longer be what a fetch
     * at the same address would give: a mapping removed or changed, rights changed, the address
     * space lost, or a page that was fetched from written. The interpreter keeps decoded
     * instructions while it stays the same, and checks it whenever it enters a page, at every
     * {@code isb} and {@code ic}, and at each call to {@link Interpreter#run}.
     */
    long codeVersion();

    /**
     * A count that moves whenever a handler has run inside an access (a fault delivered and
     * answered). A handler may read or change the registers of the thread whose access it answers,
     * so code translated from the program ({@code TranslatedBlock}), which keeps registers in host
     * locals, writes them back before each access and returns to the interpreter after an access
     * during which this moved. Memory that runs no handlers keeps the default.
     */
    default long handlerRuns() {
        return 0;
    }
}
