package org.capbuddy.libos.bootstrap;

import org.capbuddy.kernel.Sel4;
import org.capbuddy.kernel.boot.BootInfo;
import org.capbuddy.kernel.boot.InitialCap;
import org.capbuddy.kernel.boot.UntypedDescriptor;
import org.capbuddy.libos.allocman.Allocman;
import org.capbuddy.libos.allocman.AllocmanVka;
import org.capbuddy.libos.allocman.cspace.CSpaceManager;
import org.capbuddy.libos.allocman.cspace.SingleLevelCSpace;
import org.capbuddy.libos.allocman.cspace.SingleLevelConfig;
import org.capbuddy.libos.allocman.cspace.TwoLevelCSpace;
import org.capbuddy.libos.allocman.cspace.TwoLevelSetup;
import org.capbuddy.libos.allocman.mspace.DualPool;
import org.capbuddy.libos.allocman.mspace.StaticPool;
import org.capbuddy.libos.allocman.mspace.VirtualPool;
import org.capbuddy.libos.allocman.utspace.SplitUtspace;
import org.capbuddy.libos.allocman.utspace.UntypedKind;
import org.capbuddy.libos.vka.AllocError;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.CSpacePath;
import org.capbuddy.libos.vka.Result;

/**
 * Brings allocman up in the root task from the boot info, in allocman's order: a static pool,
 * the cspace manager, the split untyped manager with every boot untyped (RAM and device), the
 * reserves, and last the virtual pool. The order matters: the virtual pool's first growth inside
 * the untyped manager needs a reserved frame and page tables, so the reserves must be filled
 * first, with their bookkeeping in the static pool.
 *
 * <p>Two-level: the root CNode is re-guarded (see {@link TwoLevelSetup}) and each boot untyped
 * is moved from its root slot into an allocman slot, so that every untyped is named by a cptr
 * that is both its address for CNode operations and its cptr for invocation.
 */
public final class LibosBootstrap {
    private LibosBootstrap() {
    }

    public static Result<Booted> bootstrap(Sel4 sel4, BootInfo info, BootstrapConfig config) {
        if (config == null || info == null || sel4 == null) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "bootstrap needs the stubs, the boot info and a config");
        }
        DualPool mspace = new DualPool(new StaticPool(config.staticPoolBase(), config.staticPoolBytes()));
        Allocman allocman = new Allocman(sel4, mspace);
        long rootCNode = InitialCap.INIT_THREAD_CNODE.cptr();
        int shift = 0;
        long skippedUntyped = -1;
        long holderL1 = -1;
        Result<? extends CSpaceManager> cspace;
        if (config.layout() == CSpaceLayout.TWO_LEVEL) {
            Result<TwoLevelSetup.Switched> switched = TwoLevelSetup.switchRoot(sel4, info, config.l2Bits());
            if (!switched.isOk()) {
                return switched.asFailure();
            }
            rootCNode = switched.value().rootCptr();
            shift = config.l2Bits();
            skippedUntyped = switched.value().holderUntyped();
            holderL1 = switched.value().rootHolderL1();
            cspace = TwoLevelCSpace.create(allocman, switched.value().config(info.empty().start(), info.empty().end()));
        } else {
            cspace = SingleLevelCSpace.create(allocman,
                    SingleLevelConfig.ofRootCNode(rootCNode, info.empty().start(), info.empty().end()));
        }
        if (!cspace.isOk()) {
            return cspace.asFailure();
        }
        allocman.attachCSpace(cspace.value());
        allocman.attachUtspace(new SplitUtspace());
        if (shift > 0 && info.untypedList().size() >= (1 << shift)) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "two-level L2 CNodes of 2^" + shift
                    + " slots cannot hold the " + info.untypedList().size() + " boot untypeds; use more L2 bits");
        }

        int moved = 0;
        for (UntypedDescriptor u : info.untypedList()) {
            if (u.cptr() == skippedUntyped) {
                continue;
            }
            Result<CSpacePath> path = shift == 0 ? Result.ok(CSpacePath.ofRootSlot(rootCNode, u.cptr()))
                    : moveUntyped(allocman, rootCNode, holderL1, shift, ++moved, u);
            if (!path.isOk()) {
                return path.asFailure();
            }
            Result<Void> added = allocman.addUntyped(path.value(), u.sizeBits(), u.paddr(),
                    u.device() ? UntypedKind.DEVICE : UntypedKind.RAM);
            if (!added.isOk()) {
                return added.asFailure();
            }
        }
        if (shift > 0) {
            Result<Void> adopted = ((TwoLevelCSpace) allocman.cspaceManager()).adoptRootHolder(moved + 1);
            if (!adopted.isOk()) {
                return adopted.asFailure();
            }
        }
        Result<Void> reserves = allocman.configureReserves(config.reserves());
        if (!reserves.isOk()) {
            return reserves.asFailure();
        }
        long vspace = InitialCap.INIT_THREAD_VSPACE.cptr() << shift;
        allocman.attachVirtualPool(new VirtualPool(vspace, config.virtualPoolBase(), config.virtualPoolBytes()));
        return Result.ok(new Booted(allocman, new AllocmanVka(allocman), rootCNode, vspace,
                InitialCap.INIT_THREAD_TCB.cptr() << shift, InitialCap.ASID_CONTROL.cptr() << shift,
                InitialCap.INIT_THREAD_ASID_POOL.cptr() << shift, allocman.accounting()));
    }

    /**
     * Two-level: moves a boot untyped out of its root slot (where its invocation cptr, s &lt;&lt; B,
     * and its CNode-operation address, s at depth 64 - B, differ) into slot {@code index} of the
     * L2 CNode that holds the re-guarded root cap (which the cspace manager then adopts). In an
     * L2 slot one cptr serves for both.
     */
    private static Result<CSpacePath> moveUntyped(Allocman allocman, long rootCNode, long holderL1, int shift, long index,
                                                  UntypedDescriptor u) {
        long cptr = (holderL1 << shift) | index;
        CSpacePath to = new CSpacePath(rootCNode, cptr, 64, holderL1, 64 - shift, index, 1);
        var moved = allocman.sel4().cnodeMove(to.root(), to.capPtr(), to.capDepth(), rootCNode, u.cptr(), 64 - shift);
        if (!moved.isOk()) {
            return Result.fail(AllocError.kernel("moving untyped " + u.cptr() + " to cptr " + to.capPtr(), moved));
        }
        return Result.ok(to);
    }
}
