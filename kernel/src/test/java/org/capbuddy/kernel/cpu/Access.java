package org.capbuddy.kernel.cpu;

/**
 * One access made through a {@link UserCpu}, as a value the tests can assert on: what it returned
 * and what {@link UserCpu#failure()} said right after it.
 */
public record Access(long value, AccessFailure failure) {

    public static Access load(UserCpu cpu, long vaddr, int size) {
        long v = cpu.read(vaddr, size);
        return new Access(v, cpu.failure());
    }

    public static Access store(UserCpu cpu, long vaddr, int size, long value) {
        boolean done = cpu.write(vaddr, size, value);
        assert done == (cpu.failure() == null);
        return new Access(0, cpu.failure());
    }

    public static Access fetch(UserCpu cpu, long pc) {
        int word = cpu.fetch(pc);
        return new Access(word & 0xFFFF_FFFFL, cpu.failure());
    }

    public static Access fill(UserCpu cpu, long vaddr, long length, byte value) {
        long done = cpu.fill(vaddr, length, value);
        return new Access(done, cpu.failure());
    }

    public static Access copyIn(UserCpu cpu, long vaddr, byte[] dst, int off, int len) {
        long done = cpu.copyIn(vaddr, dst, off, len);
        return new Access(done, cpu.failure());
    }

    public static Access copyOut(UserCpu cpu, long vaddr, byte[] src, int off, int len) {
        long done = cpu.copyOut(vaddr, src, off, len);
        return new Access(done, cpu.failure());
    }

    /** The VM fault that stopped the CPU's last access, or null (it happened, or raised no fault). */
    public static VmFault lastFault(UserCpu cpu) {
        AccessFailure f = cpu.failure();
        return f == null ? null : f.fault();
    }

    public boolean isOk() {
        return failure == null;
    }

    public VmFault fault() {
        return failure == null ? null : failure.fault();
    }

    /** Bad arguments: nothing was accessed. */
    public boolean wasRefused() {
        return failure != null && failure.kind() == AccessFailure.Kind.REFUSED;
    }
}
