package org.capbuddy.libos.bootstrap;

import org.capbuddy.libos.allocman.Allocman;
import org.capbuddy.libos.allocman.AllocmanAccounting;
import org.capbuddy.libos.allocman.AllocmanVka;

/**
 * allocman, up and running in the root task, and the cptrs the root task now uses for its own
 * objects (in a two-level CSpace the boot info's cptrs move: slot s becomes s &lt;&lt; l2Bits).
 *
 * @param rootCNode cptr of the CNode cap to invoke for CNode operations
 * @param vspace cptr of the root task's VSpace cap
 * @param tcb cptr of the root task's TCB cap
 * @param asidControl cptr of the ASID control cap
 * @param asidPool cptr of the initial ASID pool cap
 * @param afterBootstrap the accounting right after bootstrap: the baseline that freeing
 *     everything returns to
 */
public record Booted(Allocman allocman, AllocmanVka vka, long rootCNode, long vspace, long tcb, long asidControl,
                     long asidPool, AllocmanAccounting afterBootstrap) {
}
