package org.capbuddy.libos.vka;

import org.capbuddy.kernel.api.InvocationResult;

/** A refused allocation or free: what kind, in words, and the kernel's result when one failed. */
public record AllocError(AllocErrorKind kind, String detail, InvocationResult kernelResult) {

    public static AllocError of(AllocErrorKind kind, String detail) {
        return new AllocError(kind, detail, null);
    }

    public static AllocError kernel(String what, InvocationResult result) {
        return new AllocError(AllocErrorKind.KERNEL, what + ": " + result, result);
    }

    @Override
    public String toString() {
        return kind + ": " + detail;
    }
}
