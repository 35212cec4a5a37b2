package org.capbuddy.libos.policy;

import org.capbuddy.libos.vka.Result;

/**
 * A frame allocation policy of your own, for {@code capbuddy bench} to measure beside the CapBuddy
 * pool and plain allocman. It serves blocks of 2^order 4 KiB frames (order 0..10) and takes them
 * back, using nothing but the {@link org.capbuddy.libos.vka.Vka} it was made with (allocman's, on
 * a machine without the pool): slots, untypeds and bookkeeping from it, kernel invocations through
 * its {@code sel4()}. Every invocation it makes is counted and costed like the built-in allocators'.
 *
 * <p>What it must keep: a block's frames are frame caps in the vka's CSpace at consecutive cptrs
 * ({@link FrameBlock#firstCptr()} on); a failed call changes nothing and says why in its
 * {@link Result}; {@link #free} takes exactly the blocks {@link #alloc} handed out, once each, and
 * gives back everything they used (the bench checks the kernel's invariants after the run, and a
 * run in which a free was refused gives no figures).
 * Blocks need not be physically contiguous: the bench measures cost, not placement. One machine,
 * one thread: no locking needed.
 */
public interface FramePolicy {
    /** A block of 2^order frames, or why there is none (order outside 0..10 is BAD_ARGUMENT). */
    Result<FrameBlock> alloc(int order);

    /** Gives back a block {@link #alloc} handed out. */
    Result<Void> free(FrameBlock block);
}
