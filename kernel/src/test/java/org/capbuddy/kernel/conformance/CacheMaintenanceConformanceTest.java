package org.capbuddy.kernel.conformance;

import org.capbuddy.kernel.testing.RootTaskFx;

import static org.assertj.core.api.Assertions.assertThat;
import static org.capbuddy.kernel.testing.RootTaskFx.D;
import static org.capbuddy.kernel.testing.RootTaskFx.FREE_VA;
import static org.capbuddy.kernel.testing.RootTaskFx.LARGE;
import static org.capbuddy.kernel.testing.RootTaskFx.PAGE;
import static org.capbuddy.kernel.testing.RootTaskFx.ROOT;
import static org.capbuddy.kernel.testing.RootTaskFx.ROOT_VSPACE;
import static org.capbuddy.kernel.testing.RootTaskFx.USER_TOP;
import static org.capbuddy.kernel.testing.RootTaskFx.err;
import static org.capbuddy.kernel.testing.RootTaskFx.ok;

import java.util.List;
import org.capbuddy.kernel.cpu.Access;
import org.capbuddy.kernel.cpu.UserCpu;
import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.api.InvocationLabel;
import org.capbuddy.kernel.api.InvocationResult;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.api.Sel4Error;
import org.capbuddy.kernel.api.VmAttributes;
import org.capbuddy.kernel.cap.Cap;
import org.capbuddy.kernel.cost.CostSnapshot;
import org.junit.jupiter.api.Test;

/**
 * The ARM cache-maintenance invocations on frames (Page_Clean_Data, Page_Invalidate_Data,
 * Page_CleanInvalidate_Data, Page_Unify_Instruction) and on VSpaces (the VSpace_ methods of the
 * same names). The reference's §5 does not list them; the check orders here follow seL4's
 * {@code decodeARMFrameInvocation} and {@code decodeARMVSpaceRootInvocation} (AArch64, EL1, no
 * hypervisor), which are the same from 13.0.0 to master.
 *
 * <p>Frame, checks in order: fewer than 2 words → Truncated; cap not mapped → IllegalOperation;
 * its ASID names no VSpace → FailedLookup (MR0 0, InvalidRoot); end ≤ start → InvalidArgument 1;
 * start ≥ frame size or end > frame size → InvalidArgument 0; the cap's mapping record is stale →
 * InvalidCapability 0; Invalidate_Data on a mapping that is not read-write → IllegalOperation.
 *
 * <p>VSpace, checks in order: fewer than 2 words → Truncated; end ≤ start → InvalidArgument 1;
 * end > seL4_UserTop → IllegalOperation; no ASID → InvalidCapability 0; stale ASID → FailedLookup;
 * ASID naming another VSpace → InvalidCapability 0; nothing mapped at start → success; range
 * leaving the page or block that maps start → RangeError(start, last byte of that page);
 * Invalidate_Data on a mapping that is not read-write → IllegalOperation.
 */
class CacheMaintenanceConformanceTest {

    private final RootTaskFx fx = new RootTaskFx();

    private static final CapRights RW = CapRights.READ_WRITE;
    private static final long DEF = VmAttributes.DEFAULT;

    private static final List<InvocationLabel> PAGE_FLUSHES = List.of(InvocationLabel.ARM_PAGE_CLEAN_DATA,
            InvocationLabel.ARM_PAGE_INVALIDATE_DATA, InvocationLabel.ARM_PAGE_CLEAN_INVALIDATE_DATA,
            InvocationLabel.ARM_PAGE_UNIFY_INSTRUCTION);
    private static final List<InvocationLabel> VSPACE_FLUSHES = List.of(InvocationLabel.ARM_VSPACE_CLEAN_DATA,
            InvocationLabel.ARM_VSPACE_INVALIDATE_DATA, InvocationLabel.ARM_VSPACE_CLEAN_INVALIDATE_DATA,
            InvocationLabel.ARM_VSPACE_UNIFY_INSTRUCTION);

    /** The frame method {@code label} through its libsel4-style stub. */
    private InvocationResult pageFlush(InvocationLabel label, long frame, long start, long end) {
        return switch (label) {
            case ARM_PAGE_CLEAN_DATA -> fx.sel4.pageCleanData(frame, start, end);
            case ARM_PAGE_INVALIDATE_DATA -> fx.sel4.pageInvalidateData(frame, start, end);
            case ARM_PAGE_CLEAN_INVALIDATE_DATA -> fx.sel4.pageCleanInvalidateData(frame, start, end);
            case ARM_PAGE_UNIFY_INSTRUCTION -> fx.sel4.pageUnifyInstruction(frame, start, end);
            default -> throw new IllegalArgumentException(label.name());
        };
    }

    /** The VSpace method {@code label} through its libsel4-style stub. */
    private InvocationResult vspaceFlush(InvocationLabel label, long vspace, long start, long end) {
        return switch (label) {
            case ARM_VSPACE_CLEAN_DATA -> fx.sel4.vspaceCleanData(vspace, start, end);
            case ARM_VSPACE_INVALIDATE_DATA -> fx.sel4.vspaceInvalidateData(vspace, start, end);
            case ARM_VSPACE_CLEAN_INVALIDATE_DATA -> fx.sel4.vspaceCleanInvalidateData(vspace, start, end);
            case ARM_VSPACE_UNIFY_INSTRUCTION -> fx.sel4.vspaceUnifyInstruction(vspace, start, end);
            default -> throw new IllegalArgumentException(label.name());
        };
    }

    /** A small page mapped read-write at {@code FREE_VA} in the root task's VSpace. */
    private long mappedPage() {
        long f = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(f, ROOT_VSPACE, FREE_VA);
        return f;
    }

    /** A VSpace with an ASID of its own pool, which the caller deletes to make the ASID stale. */
    private long[] vspaceInNewPool() {
        long pool = fx.slot();
        ok(fx.sel4.asidControlMakePool(RootTaskFx.ASID_CONTROL, fx.untyped(12), ROOT, pool, D));
        long v = fx.object(ObjectType.VSPACE);
        ok(fx.sel4.asidPoolAssign(pool, v));
        return new long[] {v, pool};
    }

    /** Two VSpace caps with the same ASID number: the first stale, the second current. */
    private long[] asidNowNamingAnotherVSpace() {
        long[] first = vspaceInNewPool();
        ok(fx.sel4.cnodeDelete(ROOT, first[1], D));
        long[] second = vspaceInNewPool();
        assertThat(((Cap.VSpaceCap) fx.capAt(first[0])).asid())
                .isEqualTo(((Cap.VSpaceCap) fx.capAt(second[0])).asid());
        return new long[] {first[0], second[0]};
    }

    // ---------------------------------------------------------------- frame: check order

    @Test
    void pageFlush1_fewerThanTwoWordsIsTruncated() {
        long mapped = mappedPage();
        long unmapped = fx.object(ObjectType.SMALL_PAGE);
        for (InvocationLabel l : PAGE_FLUSHES) {
            err(fx.raw(mapped, l, new long[] {0}), Sel4Error.TRUNCATED_MESSAGE);
            err(fx.raw(mapped, l, new long[0]), Sel4Error.TRUNCATED_MESSAGE);
            // beats the unmapped check
            err(fx.raw(unmapped, l, new long[] {0}), Sel4Error.TRUNCATED_MESSAGE);
        }
    }

    @Test
    void pageFlush2_unmappedFrameIsIllegalOperation() {
        long never = fx.object(ObjectType.SMALL_PAGE);
        long unmapped = mappedPage();
        ok(fx.sel4.pageUnmap(unmapped));
        for (InvocationLabel l : PAGE_FLUSHES) {
            err(pageFlush(l, never, 0, 8), Sel4Error.ILLEGAL_OPERATION);
            err(pageFlush(l, unmapped, 0, 8), Sel4Error.ILLEGAL_OPERATION);
            // beats the range checks
            err(pageFlush(l, never, 8, 8), Sel4Error.ILLEGAL_OPERATION);
            err(pageFlush(l, never, 0, PAGE + 1), Sel4Error.ILLEGAL_OPERATION);
        }
    }

    @Test
    void pageFlush3_asidWithoutAVSpaceIsFailedLookupInvalidRoot() {
        long[] v = vspaceInNewPool();
        long inDeadPool = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(inDeadPool, v[0], FREE_VA);
        ok(fx.sel4.cnodeDelete(ROOT, v[1], D));
        long inDeletedVSpace = fx.object(ObjectType.SMALL_PAGE);
        long w = fx.assignedVSpace();
        fx.mapRw(inDeletedVSpace, w, FREE_VA);
        ok(fx.sel4.cnodeDelete(ROOT, w, D));
        for (InvocationLabel l : PAGE_FLUSHES) {
            err(pageFlush(l, inDeadPool, 0, 8), Sel4Error.FAILED_LOOKUP, 0, 1);
            err(pageFlush(l, inDeletedVSpace, 0, 8), Sel4Error.FAILED_LOOKUP, 0, 1);
            // beats the range checks
            err(pageFlush(l, inDeadPool, 8, 0), Sel4Error.FAILED_LOOKUP, 0, 1);
            err(pageFlush(l, inDeadPool, PAGE, PAGE + 1), Sel4Error.FAILED_LOOKUP, 0, 1);
        }
    }

    @Test
    void pageFlush4_endNotAfterStartIsInvalidArgument1() {
        long f = mappedPage();
        for (InvocationLabel l : PAGE_FLUSHES) {
            err(pageFlush(l, f, 8, 8), Sel4Error.INVALID_ARGUMENT, 1);
            err(pageFlush(l, f, 8, 4), Sel4Error.INVALID_ARGUMENT, 1);
            // unsigned: a "negative" start is a huge one
            err(pageFlush(l, f, -1L, 8), Sel4Error.INVALID_ARGUMENT, 1);
            // beats the frame-size check
            err(pageFlush(l, f, PAGE + 8, PAGE + 4), Sel4Error.INVALID_ARGUMENT, 1);
        }
    }

    @Test
    void pageFlush5_rangeOutsideTheFrameIsInvalidArgument0() {
        long f = mappedPage();
        long large = fx.object(ObjectType.LARGE_PAGE);
        fx.mapRw(large, ROOT_VSPACE, FREE_VA + LARGE);
        for (InvocationLabel l : PAGE_FLUSHES) {
            err(pageFlush(l, f, 0, PAGE + 1), Sel4Error.INVALID_ARGUMENT, 0);
            err(pageFlush(l, f, PAGE, PAGE + 1), Sel4Error.INVALID_ARGUMENT, 0);
            err(pageFlush(l, f, 0, -1L), Sel4Error.INVALID_ARGUMENT, 0);
            err(pageFlush(l, large, LARGE, LARGE + 8), Sel4Error.INVALID_ARGUMENT, 0);
            err(pageFlush(l, large, 0, LARGE + 1), Sel4Error.INVALID_ARGUMENT, 0);
            // the whole frame is allowed, so is its last byte
            ok(pageFlush(l, f, 0, PAGE));
            ok(pageFlush(l, f, PAGE - 1, PAGE));
            ok(pageFlush(l, large, 0, LARGE));
            ok(pageFlush(l, large, PAGE + 8, 3 * PAGE));
        }
    }

    @Test
    void pageFlush6_overMappedFrameIsInvalidCapability0() {
        long f1 = mappedPage();
        long f2 = fx.object(ObjectType.SMALL_PAGE);
        ok(fx.sel4.pageMap(f2, ROOT_VSPACE, FREE_VA, RW, DEF));
        for (InvocationLabel l : PAGE_FLUSHES) {
            err(pageFlush(l, f1, 0, 8), Sel4Error.INVALID_CAPABILITY, 0);
            ok(pageFlush(l, f2, 0, 8));
            // comes after the range checks
            err(pageFlush(l, f1, 8, 8), Sel4Error.INVALID_ARGUMENT, 1);
            err(pageFlush(l, f1, 0, PAGE + 1), Sel4Error.INVALID_ARGUMENT, 0);
        }
    }

    @Test
    void pageFlush6_frameUnderAnUnmappedPageTableIsInvalidCapability0() {
        long v = fx.assignedVSpace();
        long pt = fx.object(ObjectType.PAGE_TABLE);
        long f = fx.object(ObjectType.SMALL_PAGE);
        ok(fx.sel4.pageTableMap(pt, v, FREE_VA, 0));
        fx.mapRw(f, v, FREE_VA);
        ok(pageFlush(InvocationLabel.ARM_PAGE_CLEAN_DATA, f, 0, 8));
        ok(fx.sel4.pageTableUnmap(pt));
        for (InvocationLabel l : PAGE_FLUSHES) {
            err(pageFlush(l, f, 0, 8), Sel4Error.INVALID_CAPABILITY, 0);
        }
    }

    @Test
    void pageFlush6_asidNowNamingAnotherVSpaceIsInvalidCapability0() {
        long[] first = vspaceInNewPool();
        long f = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(f, first[0], FREE_VA);
        ok(fx.sel4.cnodeDelete(ROOT, first[1], D));
        long[] second = vspaceInNewPool();
        assertThat(((Cap.FrameCap) fx.capAt(f)).mappedAsid())
                .isEqualTo(((Cap.VSpaceCap) fx.capAt(second[0])).asid());
        for (InvocationLabel l : PAGE_FLUSHES) {
            err(pageFlush(l, f, 0, 8), Sel4Error.INVALID_CAPABILITY, 0);
        }
    }

    @Test
    void pageFlush7_invalidateDataNeedsAReadWriteMapping() {
        long readOnly = fx.object(ObjectType.SMALL_PAGE);
        ok(fx.mapPage(readOnly, ROOT_VSPACE, FREE_VA, CapRights.READ_ONLY, DEF));
        long kernelOnly = fx.object(ObjectType.SMALL_PAGE);
        ok(fx.mapPage(kernelOnly, ROOT_VSPACE, FREE_VA + PAGE, CapRights.WRITE_ONLY, DEF));
        long readWrite = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(readWrite, ROOT_VSPACE, FREE_VA + 2 * PAGE);
        err(fx.sel4.pageInvalidateData(readOnly, 0, 8), Sel4Error.ILLEGAL_OPERATION);
        err(fx.sel4.pageInvalidateData(kernelOnly, 0, 8), Sel4Error.ILLEGAL_OPERATION);
        ok(fx.sel4.pageInvalidateData(readWrite, 0, 8));
        // the other three need no write right
        for (InvocationLabel l : PAGE_FLUSHES) {
            if (l != InvocationLabel.ARM_PAGE_INVALIDATE_DATA) {
                ok(pageFlush(l, readOnly, 0, 8));
                ok(pageFlush(l, kernelOnly, 0, 8));
            }
        }
        // the range checks come first
        err(fx.sel4.pageInvalidateData(readOnly, 0, PAGE + 1), Sel4Error.INVALID_ARGUMENT, 0);
    }

    @Test
    void pageFlushStubsPackStartThenEnd() {
        long f = mappedPage();
        for (InvocationLabel l : PAGE_FLUSHES) {
            err(pageFlush(l, f, 8, 4), Sel4Error.INVALID_ARGUMENT, 1);
            ok(pageFlush(l, f, 4, 8));
            assertThat(pageFlush(l, f, 4, 8)).isEqualTo(fx.raw(f, l, new long[] {4, 8}));
            assertThat(pageFlush(l, f, 8, 4)).isEqualTo(fx.raw(f, l, new long[] {8, 4}));
        }
    }

    // ---------------------------------------------------------------- frame: success

    @Test
    void pageFlushChangesNoMemoryNoMappingAndNoCap() {
        long f = mappedPage();
        UserCpu cpu = fx.rootCpu();
        assertThat(Access.store(cpu, FREE_VA, 8, 0x1122_3344_5566_7788L).isOk()).isTrue();
        assertThat(Access.store(cpu, FREE_VA + PAGE - 8, 8, 0x99).isOk()).isTrue();
        long paddr = fx.paddr(f);
        Cap before = fx.capAt(f);
        long epoch = cpu.translationEpoch();
        for (InvocationLabel l : PAGE_FLUSHES) {
            ok(pageFlush(l, f, 0, PAGE));
            ok(pageFlush(l, f, 16, 24));
        }
        assertThat(fx.kernel.physicalMemory().readLittleEndian(paddr, 8)).isEqualTo(0x1122_3344_5566_7788L);
        assertThat(fx.kernel.physicalMemory().readLittleEndian(paddr + PAGE - 8, 8)).isEqualTo(0x99);
        assertThat(fx.kernel.physicalMemory().isZero(paddr + 8, PAGE - 16)).isTrue();
        assertThat(Access.load(cpu, FREE_VA, 8).value()).isEqualTo(0x1122_3344_5566_7788L);
        assertThat(Access.store(cpu, FREE_VA + 8, 8, 1).isOk()).isTrue();
        assertThat(fx.capAt(f)).isEqualTo(before);
        assertThat(cpu.translationEpoch()).isEqualTo(epoch);
        assertThat(fx.kernel.checkInvariants().ok()).isTrue();
    }

    @Test
    void pageFlushIsCountedLikeAnyInvocationWithOneKernelWalk() {
        long f = mappedPage();
        long unmapped = fx.object(ObjectType.SMALL_PAGE);
        for (InvocationLabel l : PAGE_FLUSHES) {
            CostSnapshot before = fx.kernel.costs();
            ok(pageFlush(l, f, 0, 8));
            CostSnapshot done = fx.kernel.costs().minus(before);
            assertThat(done.invocations()).containsOnlyKeys(l).containsEntry(l, 1L);
            assertThat(done.invocationErrors()).isEmpty();
            assertThat(done.kernelWalks()).isEqualTo(1);
            assertThat(done.bytesZeroed()).isZero();

            before = fx.kernel.costs();
            err(pageFlush(l, unmapped, 0, 8), Sel4Error.ILLEGAL_OPERATION);
            CostSnapshot failed = fx.kernel.costs().minus(before);
            assertThat(failed.invocations()).containsOnlyKeys(l).containsEntry(l, 1L);
            assertThat(failed.invocationErrors()).containsOnlyKeys(l).containsEntry(l, 1L);
            assertThat(failed.kernelWalks()).isZero();
        }
    }

    // ---------------------------------------------------------------- VSpace: check order

    @Test
    void vspaceFlush1_fewerThanTwoWordsIsTruncated() {
        long unassigned = fx.object(ObjectType.VSPACE);
        for (InvocationLabel l : VSPACE_FLUSHES) {
            err(fx.raw(ROOT_VSPACE, l, new long[] {FREE_VA}), Sel4Error.TRUNCATED_MESSAGE);
            err(fx.raw(ROOT_VSPACE, l, new long[0]), Sel4Error.TRUNCATED_MESSAGE);
            // beats the VSpace checks
            err(fx.raw(unassigned, l, new long[] {FREE_VA}), Sel4Error.TRUNCATED_MESSAGE);
        }
    }

    @Test
    void vspaceFlush2_endNotAfterStartIsInvalidArgument1() {
        long unassigned = fx.object(ObjectType.VSPACE);
        for (InvocationLabel l : VSPACE_FLUSHES) {
            err(vspaceFlush(l, ROOT_VSPACE, FREE_VA, FREE_VA), Sel4Error.INVALID_ARGUMENT, 1);
            err(vspaceFlush(l, ROOT_VSPACE, FREE_VA + 8, FREE_VA), Sel4Error.INVALID_ARGUMENT, 1);
            // beats the user-top check and the VSpace checks
            err(vspaceFlush(l, ROOT_VSPACE, -1L, USER_TOP + 2), Sel4Error.INVALID_ARGUMENT, 1);
            err(vspaceFlush(l, unassigned, 8, 8), Sel4Error.INVALID_ARGUMENT, 1);
        }
    }

    @Test
    void vspaceFlush3_endAboveUserTopIsIllegalOperation() {
        long unassigned = fx.object(ObjectType.VSPACE);
        for (InvocationLabel l : VSPACE_FLUSHES) {
            // the exclusive end is compared with the inclusive top, so the last user byte is refused
            err(vspaceFlush(l, ROOT_VSPACE, USER_TOP, USER_TOP + 1), Sel4Error.ILLEGAL_OPERATION);
            err(vspaceFlush(l, ROOT_VSPACE, 0, -1L), Sel4Error.ILLEGAL_OPERATION);
            ok(vspaceFlush(l, ROOT_VSPACE, USER_TOP - 1, USER_TOP));
            // beats the VSpace checks
            err(vspaceFlush(l, unassigned, USER_TOP, USER_TOP + 1), Sel4Error.ILLEGAL_OPERATION);
        }
    }

    @Test
    void vspaceFlush4_vspaceWithoutAsidIsInvalidCapability0() {
        long unassigned = fx.object(ObjectType.VSPACE);
        for (InvocationLabel l : VSPACE_FLUSHES) {
            err(vspaceFlush(l, unassigned, FREE_VA, FREE_VA + 8), Sel4Error.INVALID_CAPABILITY, 0);
        }
    }

    @Test
    void vspaceFlush5_staleAsidIsFailedLookupInvalidRoot() {
        long[] v = vspaceInNewPool();
        ok(fx.sel4.cnodeDelete(ROOT, v[1], D));
        for (InvocationLabel l : VSPACE_FLUSHES) {
            err(vspaceFlush(l, v[0], FREE_VA, FREE_VA + 8), Sel4Error.FAILED_LOOKUP, 0, 1);
            // beats the page-boundary check
            err(vspaceFlush(l, v[0], FREE_VA, FREE_VA + LARGE), Sel4Error.FAILED_LOOKUP, 0, 1);
        }
    }

    @Test
    void vspaceFlush6_asidNamingAnotherVSpaceIsInvalidCapability0() {
        long[] v = asidNowNamingAnotherVSpace();
        for (InvocationLabel l : VSPACE_FLUSHES) {
            err(vspaceFlush(l, v[0], FREE_VA, FREE_VA + 8), Sel4Error.INVALID_CAPABILITY, 0);
            ok(vspaceFlush(l, v[1], FREE_VA, FREE_VA + 8));
        }
    }

    @Test
    void vspaceFlush7_nothingMappedAtStartSucceedsWhateverTheRange() {
        long v = fx.assignedVSpace();
        long f = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(f, v, FREE_VA + PAGE);
        for (InvocationLabel l : VSPACE_FLUSHES) {
            // an empty root entry, an empty level-3 entry, and a range whose end is mapped
            ok(vspaceFlush(l, v, 0, USER_TOP));
            ok(vspaceFlush(l, v, FREE_VA, FREE_VA + 8));
            ok(vspaceFlush(l, v, FREE_VA, FREE_VA + 2 * PAGE));
        }
    }

    @Test
    void vspaceFlush8_rangeLeavingThePageIsRangeErrorWithStartAndThePagesLastByte() {
        long v = fx.assignedVSpace();
        long f = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(f, v, FREE_VA);
        long large = fx.object(ObjectType.LARGE_PAGE);
        fx.mapRw(large, v, FREE_VA + LARGE);
        for (InvocationLabel l : VSPACE_FLUSHES) {
            err(vspaceFlush(l, v, FREE_VA + 8, FREE_VA + PAGE + 1), Sel4Error.RANGE_ERROR,
                    FREE_VA + 8, FREE_VA + PAGE - 1);
            ok(vspaceFlush(l, v, FREE_VA + 8, FREE_VA + PAGE));
            // a 2 MiB block: any range inside it, but not past it
            ok(vspaceFlush(l, v, FREE_VA + LARGE + 8, FREE_VA + 2 * LARGE));
            err(vspaceFlush(l, v, FREE_VA + LARGE + PAGE, FREE_VA + 2 * LARGE + 1), Sel4Error.RANGE_ERROR,
                    FREE_VA + LARGE + PAGE, FREE_VA + 2 * LARGE - 1);
        }
    }

    @Test
    void vspaceFlush9_invalidateDataNeedsAReadWriteMapping() {
        long v = fx.assignedVSpace();
        long readOnly = fx.object(ObjectType.SMALL_PAGE);
        ok(fx.mapPage(readOnly, v, FREE_VA, CapRights.READ_ONLY, DEF));
        long kernelOnly = fx.object(ObjectType.SMALL_PAGE);
        ok(fx.mapPage(kernelOnly, v, FREE_VA + PAGE, CapRights.WRITE_ONLY, DEF));
        long readWrite = fx.object(ObjectType.SMALL_PAGE);
        fx.mapRw(readWrite, v, FREE_VA + 2 * PAGE);
        err(fx.sel4.vspaceInvalidateData(v, FREE_VA, FREE_VA + 8), Sel4Error.ILLEGAL_OPERATION);
        err(fx.sel4.vspaceInvalidateData(v, FREE_VA + PAGE, FREE_VA + PAGE + 8), Sel4Error.ILLEGAL_OPERATION);
        ok(fx.sel4.vspaceInvalidateData(v, FREE_VA + 2 * PAGE, FREE_VA + 2 * PAGE + 8));
        for (InvocationLabel l : VSPACE_FLUSHES) {
            if (l != InvocationLabel.ARM_VSPACE_INVALIDATE_DATA) {
                ok(vspaceFlush(l, v, FREE_VA, FREE_VA + 8));
                ok(vspaceFlush(l, v, FREE_VA + PAGE, FREE_VA + PAGE + 8));
            }
        }
        // the page-boundary check comes first
        err(fx.sel4.vspaceInvalidateData(v, FREE_VA, FREE_VA + PAGE + 1), Sel4Error.RANGE_ERROR,
                FREE_VA, FREE_VA + PAGE - 1);
    }

    @Test
    void otherLabelsOnAVSpaceAreIllegalOperation() {
        err(fx.raw(ROOT_VSPACE, InvocationLabel.ARM_PAGE_CLEAN_DATA, new long[] {0, 8}), Sel4Error.ILLEGAL_OPERATION);
        err(fx.raw(ROOT_VSPACE, InvocationLabel.ARM_PAGE_MAP, new long[] {FREE_VA, 3, DEF}, ROOT_VSPACE),
                Sel4Error.ILLEGAL_OPERATION);
        // and the VSpace labels on a frame
        long f = mappedPage();
        err(fx.raw(f, InvocationLabel.ARM_VSPACE_CLEAN_DATA, new long[] {0, 8}), Sel4Error.ILLEGAL_OPERATION);
    }

    @Test
    void vspaceFlushStubsPackStartThenEnd() {
        for (InvocationLabel l : VSPACE_FLUSHES) {
            err(vspaceFlush(l, ROOT_VSPACE, FREE_VA + 8, FREE_VA), Sel4Error.INVALID_ARGUMENT, 1);
            ok(vspaceFlush(l, ROOT_VSPACE, FREE_VA, FREE_VA + 8));
            assertThat(vspaceFlush(l, ROOT_VSPACE, FREE_VA + 8, FREE_VA))
                    .isEqualTo(fx.raw(ROOT_VSPACE, l, new long[] {FREE_VA + 8, FREE_VA}));
        }
    }

    // ---------------------------------------------------------------- VSpace: success

    @Test
    void vspaceFlushChangesNoMemoryNoMappingAndNoCap() {
        long f = mappedPage();
        UserCpu cpu = fx.rootCpu();
        assertThat(Access.store(cpu, FREE_VA + 16, 8, 0xCAFE).isOk()).isTrue();
        long paddr = fx.paddr(f);
        Cap vspaceBefore = fx.capAt(ROOT_VSPACE);
        Cap frameBefore = fx.capAt(f);
        long epoch = cpu.translationEpoch();
        for (InvocationLabel l : VSPACE_FLUSHES) {
            ok(vspaceFlush(l, ROOT_VSPACE, FREE_VA, FREE_VA + PAGE));
        }
        assertThat(fx.kernel.physicalMemory().readLittleEndian(paddr + 16, 8)).isEqualTo(0xCAFE);
        assertThat(fx.kernel.physicalMemory().isZero(paddr, 16)).isTrue();
        assertThat(fx.kernel.physicalMemory().isZero(paddr + 24, PAGE - 24)).isTrue();
        assertThat(Access.load(cpu, FREE_VA + 16, 8).value()).isEqualTo(0xCAFE);
        assertThat(fx.capAt(ROOT_VSPACE)).isEqualTo(vspaceBefore);
        assertThat(fx.capAt(f)).isEqualTo(frameBefore);
        assertThat(cpu.translationEpoch()).isEqualTo(epoch);
        assertThat(fx.kernel.checkInvariants().ok()).isTrue();
    }

    @Test
    void vspaceFlushIsCountedLikeAnyInvocationWithOneKernelWalk() {
        mappedPage();
        for (InvocationLabel l : VSPACE_FLUSHES) {
            CostSnapshot before = fx.kernel.costs();
            ok(vspaceFlush(l, ROOT_VSPACE, FREE_VA, FREE_VA + 8));
            CostSnapshot done = fx.kernel.costs().minus(before);
            assertThat(done.invocations()).containsOnlyKeys(l).containsEntry(l, 1L);
            assertThat(done.invocationErrors()).isEmpty();
            assertThat(done.kernelWalks()).isEqualTo(1);

            before = fx.kernel.costs();
            err(vspaceFlush(l, ROOT_VSPACE, FREE_VA + 8, FREE_VA), Sel4Error.INVALID_ARGUMENT, 1);
            CostSnapshot failed = fx.kernel.costs().minus(before);
            assertThat(failed.invocations()).containsOnlyKeys(l).containsEntry(l, 1L);
            assertThat(failed.invocationErrors()).containsOnlyKeys(l).containsEntry(l, 1L);
            assertThat(failed.kernelWalks()).isZero();
        }
    }
}
