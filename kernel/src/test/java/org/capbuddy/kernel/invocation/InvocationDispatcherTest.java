package org.capbuddy.kernel.invocation;

import org.capbuddy.kernel.testing.RootTaskFx;

import static org.capbuddy.kernel.testing.RootTaskFx.ASID_CONTROL;
import static org.capbuddy.kernel.testing.RootTaskFx.D;
import static org.capbuddy.kernel.testing.RootTaskFx.INIT_POOL;
import static org.capbuddy.kernel.testing.RootTaskFx.ROOT;
import static org.capbuddy.kernel.testing.RootTaskFx.err;

import org.capbuddy.kernel.api.CapRights;
import org.capbuddy.kernel.api.InvocationLabel;
import org.capbuddy.kernel.api.ObjectType;
import org.capbuddy.kernel.api.Sel4Error;
import org.junit.jupiter.api.Test;

/**
 * The checks seL4's {@code decodeInvocation} ({@code src/object/objecttype.c}) and
 * {@code decodeARMMMUInvocation} ({@code src/arch/arm/64/kernel/vspace.c}) make before a method's
 * own decoder runs.
 */
class InvocationDispatcherTest {

    private final RootTaskFx fx = new RootTaskFx();

    @Test
    void invokingAnEndpointCapWithoutWriteIsInvalidCapability0WhateverTheLabel() {
        long ep = fx.object(ObjectType.ENDPOINT);
        long receiveOnly = fx.copy(ep, CapRights.of(true, true, true, false));
        err(fx.raw(receiveOnly, InvocationLabel.INVALID_INVOCATION, new long[0]), Sel4Error.INVALID_CAPABILITY, 0);
        err(fx.raw(receiveOnly, InvocationLabel.CNODE_COPY, new long[] {1, 2, 3, 4, 5}, ROOT),
                Sel4Error.INVALID_CAPABILITY, 0);
        long none = fx.copy(ep, CapRights.NONE);
        err(fx.raw(none, InvocationLabel.UNTYPED_RETYPE, new long[0]), Sel4Error.INVALID_CAPABILITY, 0);
    }

    @Test
    void invokingANotificationCapWithoutWriteIsInvalidCapability0() {
        long ntfn = fx.object(ObjectType.NOTIFICATION);
        long waitOnly = fx.copy(ntfn, CapRights.READ_ONLY);
        err(fx.raw(waitOnly, InvocationLabel.INVALID_INVOCATION, new long[0]), Sel4Error.INVALID_CAPABILITY, 0);
        long badgedWaitOnly = fx.mint(ntfn, CapRights.READ_ONLY, 9);
        err(fx.raw(badgedWaitOnly, InvocationLabel.TCB_RESUME, new long[0]), Sel4Error.INVALID_CAPABILITY, 0);
    }

    @Test
    void asidControlAndAsidPoolTakeOnlyTheirOwnLabelAndTheLabelIsCheckedFirst() {
        long ut = fx.untyped(12);
        // the label check comes before the length and extra-cap checks
        err(fx.raw(ASID_CONTROL, InvocationLabel.ARM_ASID_POOL_ASSIGN, new long[0]), Sel4Error.ILLEGAL_OPERATION);
        err(fx.raw(ASID_CONTROL, InvocationLabel.UNTYPED_RETYPE, new long[] {fx.slot(), D}, ut, ROOT),
                Sel4Error.ILLEGAL_OPERATION);
        long vspace = fx.object(ObjectType.VSPACE);
        err(fx.raw(INIT_POOL, InvocationLabel.ARM_ASID_CONTROL_MAKE_POOL, new long[] {fx.slot(), D}, ut, ROOT),
                Sel4Error.ILLEGAL_OPERATION);
        err(fx.raw(INIT_POOL, InvocationLabel.CNODE_DELETE, new long[0], vspace), Sel4Error.ILLEGAL_OPERATION);
    }

    @Test
    void aFrameOrPageTableCapInvokedWithAnotherObjectsLabelIsIllegalOperation() {
        long frame = fx.object(ObjectType.SMALL_PAGE);
        long pt = fx.object(ObjectType.PAGE_TABLE);
        err(fx.raw(frame, InvocationLabel.ARM_PAGE_TABLE_MAP, new long[] {0, 0}, RootTaskFx.ROOT_VSPACE),
                Sel4Error.ILLEGAL_OPERATION);
        err(fx.raw(pt, InvocationLabel.ARM_PAGE_MAP, new long[] {0, 3, 3}, RootTaskFx.ROOT_VSPACE),
                Sel4Error.ILLEGAL_OPERATION);
        err(fx.raw(pt, InvocationLabel.ARM_PAGE_GET_ADDRESS, new long[0]), Sel4Error.ILLEGAL_OPERATION);
    }
}
