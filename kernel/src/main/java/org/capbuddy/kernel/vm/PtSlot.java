package org.capbuddy.kernel.vm;

import org.capbuddy.kernel.object.TranslationTable;

/**
 * Where a page-table walk stopped: the table and entry index reached and the number of address
 * bits still untranslated there (39 at the root, then 30, 21 and 12).
 */
public record PtSlot(TranslationTable table, int index, int bitsLeft) {
}
