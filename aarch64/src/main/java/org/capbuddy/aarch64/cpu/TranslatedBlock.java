package org.capbuddy.aarch64.cpu;

/**
 * A straight run of decoded A64 instructions on one page, translated by {@link BlockTranslator}
 * into a JVM method of a class of its own, which HotSpot then compiles like any other code. It is
 * QEMU's translation block for the JVM: the interpreter runs it whole, in place of dispatching its
 * instructions one by one, when the block is hot and the instruction budget covers all of it.
 *
 * <p>A region is such a block together with the translated blocks of its page that it leads to, in
 * one method that goes from block to block itself, as QEMU chains its blocks: it runs on while the
 * next block is in the region and the interpreter's loop would have run that block next, so a hot
 * loop of several blocks keeps its registers in locals from one iteration to the next.
 *
 * <p>Contract of {@link #run}, which the generated code keeps and the differential tests check:
 * <ul>
 *   <li>it leaves the registers ({@code x}), the flags and memory exactly as interpreting the same
 *       instructions would, and sets {@link Interpreter#blockRetired} to the instructions retired;</li>
 *   <li>it returns the next PC, or {@link #TRAPPED} after {@link Interpreter#trap} recorded an
 *       instruction that aborted (changing nothing, but the first half of a pair store) or branched
 *       to a misaligned address; that instruction is the {@code blockRetired}-th after the first,
 *       and {@code trap} is given its PC;</li>
 *   <li>a region goes from one block into the next only where the loop would: after the whole
 *       block, to a block of the region starting at the branch target or after the block, when the
 *       code version is the loop's (after a branch) and the budget ({@link Interpreter#instructionLimit})
 *       covers the whole next block; when it returns, {@link Interpreter#leftAtBranch} says whether
 *       it left after a branch it completed (where the loop checks the code version);</li>
 *   <li>before each memory access it sets PC to the accessing instruction and
 *       {@link CpuState#retiredAtAccess()} to the instructions retired before it, and writes every
 *       register back, since a fault handler may read them; after an access during which a handler ran
 *       ({@link GuestMemory#handlerRuns()} moved) it reads the registers again, finishes that
 *       instruction with them as the interpreter would, and returns, since the handler may have
 *       changed them.</li>
 * </ul>
 */
abstract class TranslatedBlock {
    /** What {@link #run} returns when an instruction trapped: never a PC, which is 4-aligned. */
    static final long TRAPPED = 1;

    /** Instructions in the block (in a region: in its first block). */
    final int length;
    /** Whether the last is a branch (else the block ends before an instruction it leaves out). */
    final boolean endsInBranch;
    /** Whether this is a region, which says where it left in {@link Interpreter#leftAtBranch}. */
    final boolean region;

    TranslatedBlock(int length, boolean endsInBranch, boolean region) {
        this.length = length;
        this.endsInBranch = endsInBranch;
        this.region = region;
    }

    /** Runs the block; {@code retired} is the state's instruction count at its first instruction. */
    abstract long run(long[] x, CpuState s, GuestMemory memory, Interpreter interpreter, long retired);
}
