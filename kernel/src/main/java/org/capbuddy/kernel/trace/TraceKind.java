package org.capbuddy.kernel.trace;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/** What a {@link TraceEvent} is about, and the name a user selects it by ({@code --trace faults,syscalls}). */
public enum TraceKind {
    /** A kernel invocation: label, cptr, and its error when it failed. */
    INVOCATIONS,
    /** A fault the kernel delivered: a VM fault, an UnknownSyscall, a UserException. */
    FAULTS,
    /** A Linux system call SOS served: name, arguments, result. */
    SYSCALLS,
    /** A process made, exited, killed or destroyed; a signal handler of its entered, and its rt_sigreturn. */
    PROCESSES,
    /**
     * The CapBuddy pool: a tree made (an untyped retyped into 1,024 frames) or given back, a block
     * taken or freed, a free block split to serve a smaller one, freed buddies merged, a refusal.
     */
    POOL,
    /**
     * allocman's watermark: a slot, object or bookkeeping chunk taken from its reserves (a
     * manager was busy or short), and each end-of-operation refill with the reserves before and
     * after it and the deferred frees it paid.
     */
    ALLOCMAN;

    /** The name on the command line. */
    public String optionName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The kinds named in {@code list} (comma-separated; {@code all} for every kind), or null if a name is unknown. */
    public static Set<TraceKind> parse(String list) {
        if (list == null) {
            return null;
        }
        Set<TraceKind> kinds = EnumSet.noneOf(TraceKind.class);
        for (String name : list.split(",")) {
            String n = name.trim().toLowerCase(Locale.ROOT);
            if (n.equals("all")) {
                kinds.addAll(EnumSet.allOf(TraceKind.class));
                continue;
            }
            TraceKind found = null;
            for (TraceKind k : values()) {
                if (k.optionName().equals(n)) {
                    found = k;
                }
            }
            if (found == null) {
                return null;
            }
            kinds.add(found);
        }
        return kinds;
    }
}
