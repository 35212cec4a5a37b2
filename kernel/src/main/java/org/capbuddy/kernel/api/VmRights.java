package org.capbuddy.kernel.api;

/**
 * The access a frame cap or a page mapping gives user level (seL4's {@code vm_rights_t}).
 * KernelOnly mappings exist but fault on every user access.
 */
public enum VmRights {
    KERNEL_ONLY,
    READ_ONLY,
    READ_WRITE;

    /** seL4's {@code maskVMRights}: the rights of a mapping made from a cap with these rights. */
    public VmRights mask(CapRights requested) {
        if (this == READ_ONLY && requested.canRead()) {
            return READ_ONLY;
        }
        if (this == READ_WRITE && requested.canRead()) {
            return requested.canWrite() ? READ_WRITE : READ_ONLY;
        }
        return KERNEL_ONLY;
    }

    /** The cap rights a frame cap with these VM rights reports. */
    public CapRights asCapRights() {
        return switch (this) {
            case KERNEL_ONLY -> CapRights.NONE;
            case READ_ONLY -> CapRights.READ_ONLY;
            case READ_WRITE -> CapRights.READ_WRITE;
        };
    }

    /** The VM rights a frame cap keeps when copied or minted with {@code rights}. */
    public static VmRights fromCapRights(CapRights rights) {
        if (rights.canRead() && rights.canWrite()) {
            return READ_WRITE;
        }
        return rights.canRead() ? READ_ONLY : KERNEL_ONLY;
    }
}
