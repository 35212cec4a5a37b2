package org.capbuddy.kernel.object;

/**
 * A non-root AArch64 page table ({@code seL4_ARM_PageTableObject}). Its level is decided when it
 * is mapped: at the first missing level of the walk. The model remembers where it is installed so
 * that deleting its last cap can detach it.
 */
public final class PageTable extends TranslationTable {
    private TranslationTable parent;
    private int parentIndex;

    public PageTable(long paddr) {
        super(paddr);
    }

    public TranslationTable parent() {
        return parent;
    }

    public int parentIndex() {
        return parentIndex;
    }

    public void installedIn(TranslationTable table, int index) {
        this.parent = table;
        this.parentIndex = index;
    }

    public void detached() {
        this.parent = null;
        this.parentIndex = 0;
    }

    @Override
    public String kindName() {
        return "PageTable";
    }
}
