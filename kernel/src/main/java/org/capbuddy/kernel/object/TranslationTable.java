package org.capbuddy.kernel.object;

/** A 4 KiB AArch64 translation table of 512 entries: the VSpace root or a PageTable. */
public abstract class TranslationTable extends KernelObject {
    public static final int ENTRIES = 512;
    public static final int INDEX_BITS = 9;

    private final Pte[] entries = new Pte[ENTRIES];
    private int validEntries;

    protected TranslationTable(long paddr) {
        super(paddr, 12);
    }

    public Pte entry(int index) {
        return entries[index];
    }

    public void setEntry(int index, Pte pte) {
        if (entries[index] == null && pte != null) {
            validEntries++;
        } else if (entries[index] != null && pte == null) {
            validEntries--;
        }
        entries[index] = pte;
    }

    /** Clears every entry, as seL4 does when a page table is unmapped. */
    public void clear() {
        java.util.Arrays.fill(entries, null);
        validEntries = 0;
    }

    public int validEntries() {
        return validEntries;
    }
}
