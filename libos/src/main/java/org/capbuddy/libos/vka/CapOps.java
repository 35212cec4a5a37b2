package org.capbuddy.libos.vka;

import org.capbuddy.kernel.Sel4;
import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.api.InvocationResult;

/**
 * Capability operations on paths ({@code vka_cnode_copy}, {@code _mint}, {@code _move},
 * {@code _mutate}, {@code _delete}, {@code _revoke}): each invokes the destination's root CNode
 * with the slots' addresses. Kernel errors come back as {@link Result} errors.
 */
public final class CapOps {
    private CapOps() {
    }

    public static Result<Void> copy(Sel4 sel4, CSpacePath dest, CSpacePath src, CapRights rights) {
        return check("CNode_Copy", sel4.cnodeCopy(dest.root(), dest.capPtr(), dest.capDepth(), src.root(),
                src.capPtr(), src.capDepth(), rights));
    }

    public static Result<Void> mint(Sel4 sel4, CSpacePath dest, CSpacePath src, CapRights rights, long badge) {
        return check("CNode_Mint", sel4.cnodeMint(dest.root(), dest.capPtr(), dest.capDepth(), src.root(),
                src.capPtr(), src.capDepth(), rights, badge));
    }

    public static Result<Void> move(Sel4 sel4, CSpacePath dest, CSpacePath src) {
        return check("CNode_Move", sel4.cnodeMove(dest.root(), dest.capPtr(), dest.capDepth(), src.root(),
                src.capPtr(), src.capDepth()));
    }

    public static Result<Void> mutate(Sel4 sel4, CSpacePath dest, CSpacePath src, long data) {
        return check("CNode_Mutate", sel4.cnodeMutate(dest.root(), dest.capPtr(), dest.capDepth(), src.root(),
                src.capPtr(), src.capDepth(), data));
    }

    public static Result<Void> delete(Sel4 sel4, CSpacePath slot) {
        return check("CNode_Delete", sel4.cnodeDelete(slot.root(), slot.capPtr(), slot.capDepth()));
    }

    public static Result<Void> revoke(Sel4 sel4, CSpacePath slot) {
        return check("CNode_Revoke", sel4.cnodeRevoke(slot.root(), slot.capPtr(), slot.capDepth()));
    }

    /**
     * {@link #copy(Sel4, CSpacePath, CSpacePath, CapRights)} between two slots of {@code vka}'s
     * CSpace named by cptr, addressed as their paths would address them, with no path built.
     */
    public static Result<Void> copy(Vka vka, long dest, long src, CapRights rights) {
        long root = vka.cspaceRoot();
        int depth = vka.cspaceDepth();
        return check("CNode_Copy", vka.sel4().cnodeCopy(root, dest, depth, root, src, depth, rights));
    }

    /** {@link #delete(Sel4, CSpacePath)} of a slot of {@code vka}'s CSpace named by cptr, with no path built. */
    public static Result<Void> delete(Vka vka, long slot) {
        return check("CNode_Delete", vka.sel4().cnodeDelete(vka.cspaceRoot(), slot, vka.cspaceDepth()));
    }

    /** An invocation's outcome as a {@link Result}: done, or a KERNEL error naming {@code what}. */
    public static Result<Void> check(String what, InvocationResult r) {
        return r.isOk() ? Result.done() : Result.fail(AllocError.kernel(what, r));
    }
}
