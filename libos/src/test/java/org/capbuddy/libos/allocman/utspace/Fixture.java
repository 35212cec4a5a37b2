package org.capbuddy.libos.allocman.utspace;

import static org.assertj.core.api.Assertions.assertThat;

import org.capbuddy.kernel.Kernel;
import org.capbuddy.kernel.KernelConfig;
import org.capbuddy.kernel.Sel4;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.boot.UntypedDescriptor;
import org.capbuddy.libos.vka.CSpacePath;
import org.capbuddy.libos.vka.Result;

/**
 * A booted 256 MiB CapBuddy kernel, its root task's stubs and a {@link TestContext}, with helpers
 * to pick boot untypeds and to compare a manager's whole visible state before and after a call.
 */
final class Fixture {
    final Kernel kernel = Kernel.boot(KernelConfig.capBuddy(256L << 20));
    final Sel4 sel4 = kernel.rootTask();
    final TestContext ctx = new TestContext(kernel);

    /** The first boot untyped of exactly this size and device flag. */
    UntypedDescriptor untyped(int sizeBits, boolean device) {
        return kernel.bootInfo().untypedList().stream()
                .filter(u -> u.sizeBits() == sizeBits && u.device() == device)
                .findFirst().orElseThrow(() -> new AssertionError("no boot untyped of 2^" + sizeBits));
    }

    /** Hands a boot untyped to the manager under the given kind. */
    UntypedDescriptor add(UtspaceManager m, int sizeBits, boolean device, UntypedKind kind) {
        UntypedDescriptor u = untyped(sizeBits, device);
        Result<Void> r = m.addUntyped(ctx, TestContext.path(u.cptr()), u.sizeBits(), u.paddr(), kind);
        assertThat(r.isOk()).as("addUntyped %s: %s", u, r).isTrue();
        return u;
    }

    /** A fresh empty destination slot. */
    CSpacePath dest() {
        return TestContext.path(ctx.takeSlot());
    }

    /** Deletes the object in a destination slot (as a caller must before utspace free) and recycles the slot. */
    void deleteObject(CSpacePath dest) {
        InvocationResult r = sel4.cnodeDelete(dest.root(), dest.capPtr(), dest.capDepth());
        assertThat(r.isOk()).as("delete %s: %s", dest.capPtr(), r).isTrue();
        ctx.giveBackSlot(dest.capPtr());
    }

    long frameAddress(CSpacePath frame) {
        InvocationResult r = sel4.pageGetAddress(frame.capPtr());
        assertThat(r.isOk()).as("Page_GetAddress: %s", r).isTrue();
        return r.mr(0);
    }

    Snapshot snapshot(UtspaceManager m) {
        return new Snapshot(m.bytesInUse(), m.bytesFree(), m.framesInUse(), m.bookkeepingBytes(),
                ctx.slotsInUse(), ctx.mspaceBytesInUse(), kernel.state().cdt().size());
    }

    /** Asserts nothing visible changed, the kernel is consistent and the context was not misused. */
    void assertUnchanged(UtspaceManager m, Snapshot before, String what) {
        assertThat(snapshot(m)).as("state after %s", what).isEqualTo(before);
        assertThat(ctx.misuse()).as("context misuse after %s", what).isEmpty();
        assertThat(kernel.checkInvariants().ok()).as("kernel invariants after %s: %s", what,
                kernel.checkInvariants()).isTrue();
    }

    /** Everything a caller can observe of a manager and its context, plus the kernel's cap count. */
    record Snapshot(long bytesInUse, long bytesFree, long framesInUse, long bookkeepingBytes, long slotsInUse,
                    long mspaceBytes, long capsInKernel) {
    }
}
