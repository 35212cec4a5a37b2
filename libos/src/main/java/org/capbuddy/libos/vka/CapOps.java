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

    /** An invocation's outcome as a {@link Result}: done, or a KERNEL error naming {@code what}. */
    public static Result<Void> check(String what, InvocationResult r) {
        return r.isOk() ? Result.done() : Result.fail(AllocError.kernel(what, r));
    }
}
