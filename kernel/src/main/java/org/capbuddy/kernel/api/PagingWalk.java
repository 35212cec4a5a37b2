package org.capbuddy.kernel.api;

import java.util.List;

/**
 * The walk the MMU makes for one virtual address through a VSpace's tables, entry by entry, as
 * the kernel holds them: where it found a next table, where it found the page (or block), or the
 * level at which the entry was invalid and the walk stopped. A kill report shows it for the
 * faulting address.
 *
 * @param asid the VSpace's ASID (0: none, and the walk has no steps)
 * @param steps the entries read, from the root down
 */
public record PagingWalk(long vaddr, int asid, List<Step> steps) {
    public PagingWalk {
        steps = List.copyOf(steps);
    }

    /** What an entry held. */
    public enum EntryKind {
        TABLE, PAGE, INVALID
    }

    /**
     * Entry {@code index} of the level {@code level} table at {@code tablePaddr}: a next table or
     * a page at {@code targetPaddr} (0 when invalid), the page's rights ({@code rw}, {@code r},
     * {@code kernel-only}; null otherwise) and execute-never bit.
     */
    public record Step(int level, int index, long tablePaddr, EntryKind kind, long targetPaddr, String rights,
            boolean executeNever) {
    }

    /** {@code seL4_UserTop}, the highest user address: the walk translates nothing above it. */
    private static final long USER_TOP = 0x7FFF_FFFF_FFFFL;

    /** Whether the walk reached a page. */
    public boolean translated() {
        return !steps.isEmpty() && steps.get(steps.size() - 1).kind() == EntryKind.PAGE;
    }

    /** One line per entry read. */
    public String render() {
        StringBuilder s = new StringBuilder(String.format("walk of 0x%x in ASID %d:%n", vaddr, asid));
        if (steps.isEmpty()) {
            // the one reason that applies, so that a student knows what to change
            s.append(asid == 0 ? "  no walk: the VSpace has no ASID (it is not assigned one)\n"
                    : Long.compareUnsigned(vaddr, USER_TOP) > 0
                            ? "  no walk: the address is outside user space (0 to 0x7fffffffffff)\n"
                            : "  no walk: the VSpace's tables could not be read\n");
        }
        for (Step step : steps) {
            s.append(String.format("  L%d[%d] of the table at pa 0x%x: ", step.level(), step.index(), step.tablePaddr()));
            s.append(switch (step.kind()) {
                case TABLE -> String.format("L%d table at pa 0x%x", step.level() + 1, step.targetPaddr());
                case PAGE -> String.format("page at pa 0x%x, %s%s", step.targetPaddr(), step.rights(),
                        step.executeNever() ? ", execute-never" : "");
                case INVALID -> "invalid: the walk stops here";
            });
            s.append('\n');
        }
        return s.toString();
    }
}
