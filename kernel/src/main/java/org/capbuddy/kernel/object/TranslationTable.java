package org.capbuddy.kernel.object;

import java.util.Arrays;
import org.capbuddy.kernel.api.VmRights;

/**
 * A 4 KiB AArch64 translation table of 512 entries: the VSpace root or a PageTable.
 *
 * <p>An entry is stored the way a descriptor is, not as an object per mapping: what it points to
 * (the next-level {@link PageTable} of a table entry, the {@link Frame} of a page or block entry,
 * null when invalid) in one array, and a page entry's attributes packed in one byte in another.
 * A mapping therefore costs the host five bytes instead of a record of 24, which matters when a
 * machine maps millions of frames; {@link #entry} still hands cold callers (the invariant checker,
 * audits) a {@link Pte} value, made on demand.
 *
 * <pre>
 * attribute byte of a page entry (0 for a table entry or an invalid one):
 *
 *   7         4   3     2     1    0
 *  +-----------+-----+-----+--------+
 *  |  unused   |  C  | XN  | rights |
 *  +-----------+-----+-----+--------+
 *   rights: {@link VmRights} ordinal (0 KernelOnly, 1 ReadOnly, 2 ReadWrite)
 *   XN:     execute never
 *   C:      cacheable
 * </pre>
 */
public abstract class TranslationTable extends KernelObject {
    public static final int ENTRIES = 512;
    public static final int INDEX_BITS = 9;

    static final int RIGHTS_MASK = 0x3;
    static final int EXECUTE_NEVER = 0x4;
    static final int CACHEABLE = 0x8;

    /** A PageTable (table entry), a Frame (page or block entry) or null (invalid) per entry. */
    private final Object[] targets = new Object[ENTRIES];
    /** The packed attributes of each page entry, laid out as drawn above. */
    private final byte[] attributes = new byte[ENTRIES];
    private int validEntries;

    protected TranslationTable(long paddr) {
        super(paddr, 12);
    }

    /** True when entry {@code index} is valid (a table or a page entry). */
    public final boolean isValid(int index) {
        return targets[index] != null;
    }

    /**
     * What entry {@code index} points to: a {@link PageTable} for a table entry, a {@link Frame}
     * for a page or block entry, null when the entry is invalid. The MMU's walk reads this.
     */
    public final Object target(int index) {
        return targets[index];
    }

    /** The next-level table of a table entry; null when the entry is a page or invalid. */
    public final PageTable nextTable(int index) {
        return targets[index] instanceof PageTable t ? t : null;
    }

    /** The frame a page or block entry maps; null when the entry is a table or invalid. */
    public final Frame frameAt(int index) {
        return targets[index] instanceof Frame f ? f : null;
    }

    /** The packed attribute byte of entry {@code index} (0 unless it is a page entry). */
    public final int attributes(int index) {
        return attributes[index];
    }

    /** The rights of a page entry (meaningful only when {@link #frameAt} is not null). */
    public final VmRights rightsAt(int index) {
        return rights(attributes[index]);
    }

    /** The user rights that packed attributes {@code attrs} give. */
    public static VmRights rights(int attrs) {
        return switch (attrs & RIGHTS_MASK) {
            case 0 -> VmRights.KERNEL_ONLY;
            case 1 -> VmRights.READ_ONLY;
            default -> VmRights.READ_WRITE;
        };
    }

    /** True when packed attributes {@code attrs} forbid instruction fetches. */
    public static boolean executeNever(int attrs) {
        return (attrs & EXECUTE_NEVER) != 0;
    }

    /** True when packed attributes {@code attrs} make the page cacheable. */
    public static boolean cacheable(int attrs) {
        return (attrs & CACHEABLE) != 0;
    }

    /** The attribute byte of a page entry with these rights and attributes. */
    static byte pack(VmRights rights, boolean executeNever, boolean cacheable) {
        return (byte) (rights.ordinal() | (executeNever ? EXECUTE_NEVER : 0) | (cacheable ? CACHEABLE : 0));
    }

    /** Makes entry {@code index} a page or block entry mapping {@code frame}. */
    public final void mapPage(int index, Frame frame, VmRights rights, boolean executeNever, boolean cacheable) {
        put(index, frame, pack(rights, executeNever, cacheable));
    }

    /** Makes entry {@code index} a table entry pointing to {@code table}. */
    public final void mapTable(int index, PageTable table) {
        put(index, table, (byte) 0);
    }

    /** Makes entry {@code index} invalid. */
    public final void clearEntry(int index) {
        put(index, null, (byte) 0);
    }

    private void put(int index, Object target, byte attrs) {
        Object old = targets[index];
        if (old == null && target != null) {
            validEntries++;
        } else if (old != null && target == null) {
            validEntries--;
        }
        targets[index] = target;
        attributes[index] = attrs;
    }

    /**
     * Entry {@code index} as a value, or null when it is invalid. Made on each call: for cold
     * callers; the walk and the invocations use the accessors above.
     */
    public final Pte entry(int index) {
        Object target = targets[index];
        if (target instanceof PageTable t) {
            return new Pte.Table(t);
        }
        if (target instanceof Frame f) {
            int attrs = attributes[index];
            return new Pte.Page(f, rights(attrs), executeNever(attrs), cacheable(attrs));
        }
        return null;
    }

    /** Sets entry {@code index} from a value (null makes it invalid). */
    public final void setEntry(int index, Pte pte) {
        if (pte == null) {
            clearEntry(index);
        } else if (pte instanceof Pte.Table t) {
            mapTable(index, t.table());
        } else {
            Pte.Page p = (Pte.Page) pte;
            mapPage(index, p.frame(), p.rights(), p.executeNever(), p.cacheable());
        }
    }

    /** Clears every entry, as seL4 does when a page table is unmapped. */
    public final void clear() {
        Arrays.fill(targets, null);
        Arrays.fill(attributes, (byte) 0);
        validEntries = 0;
    }

    public final int validEntries() {
        return validEntries;
    }
}
