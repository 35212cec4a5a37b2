/**
 * The A64 (AArch64, EL0) instruction set: a decoder and an interpreter for what static musl and
 * freestanding programs execute. It knows nothing of seL4: memory is an interface the kernel
 * implements, and {@code svc}, aborts and undefined instructions are traps it reports to its caller.
 */
package org.capbuddy.aarch64;
