package org.capbuddy.aarch64.cpu;

import static org.capbuddy.aarch64.cpu.Alu.W_MASK;

import org.capbuddy.aarch64.decode.Decoder;
import org.capbuddy.aarch64.decode.Insn;
import org.capbuddy.aarch64.decode.Op;
import org.capbuddy.aarch64.decode.SystemRegister;

/**
 * Runs A64 code at EL0: fetches through {@link GuestMemory}, decodes once per instruction address
 * into a {@link CodeCache}, and executes with one switch in one loop. It stops on a trap
 * ({@link Exit}) or when the instruction budget runs out, with {@link CpuState} exactly as the
 * architecture defines it at that point: an instruction that traps or aborts has changed nothing
 * (but the first half of a pair store, as on hardware), and PC is on it; {@code svc} has retired.
 *
 * <p>The run loop keeps PC and the count in locals and writes them back on every way out, and
 * stores PC before each memory access, whose fault names it. Rare
 * instructions (SIMD and floating point, system registers, exclusives) run in helper methods so
 * that the loop stays small enough for the JIT to compile (HotSpot gives up on methods over 8,000
 * bytes of bytecode).
 *
 * <p>Decoded instructions stay valid while {@link GuestMemory#codeVersion()} does; it is checked at
 * every branch and page entry, at {@code isb} and {@code ic ivau}, and at each call to
 * {@link #run}, so code changed behind the program is re-read at the latest at its next branch,
 * which is what the architecture's cache maintenance rules leave a program entitled to.
 *
 * <p>Code that runs often is translated: at a block's {@link #DEFAULT_TRANSLATE_AFTER}-th entry
 * the {@link BlockTranslator} turns the straight run of instructions from there to the next branch
 * into a JVM method ({@link TranslatedBlock}), which the loop then calls whenever the block starts
 * and the budget covers it. The translation retires the same instructions with the same effects,
 * faults and code-version checks; only the dispatch is gone. A block translated when blocks of
 * its page that it leads to are translated already becomes a region with them ({@link RegionPlan}):
 * one method that goes from block to block itself, where this loop would have run the next block,
 * so a hot loop keeps its registers in locals across its blocks.
 */
public final class Interpreter {
    /** Ticks of {@code cntvct_el0} per instruction retired, as a 62.5 MHz counter beside a 1 GHz core. */
    static final int INSTRUCTIONS_PER_TICK = 16;
    static final long COUNTER_FREQUENCY = 62_500_000L;
    /** DCZID_EL0: DC ZVA allowed, blocks of 2^4 words (64 bytes), as on a Cortex-A53. */
    static final long DCZID = 4;
    static final int ZVA_BYTES = 64;
    /**
     * The FPCR bits a Cortex-A53 keeps: AHP, DN, FZ, RMode, Stride and Len. It has no trapped
     * floating-point exceptions, so the trap enables (IDE, IXE, UFE, OFE, DZE, IOE) are RAZ/WI, and
     * no half-precision arithmetic, so FZ16 is RES0; QEMU's cortex-a53 drops the same bits.
     */
    static final int FPCR_WRITABLE = 0x07F7_0000;
    /** CTR_EL0 of a Cortex-A53 (its TRM's value; L1Ip = 0b10, a VIPT instruction cache). */
    static final long CTR = 0x8444_8004L;
    /**
     * Entries after which a block is translated. Translating costs about as much as interpreting
     * a few thousand instructions (a class to write, define and later compile), so only code that
     * runs repeatedly is worth it; a short program like pt_test translates almost nothing.
     */
    public static final int DEFAULT_TRANSLATE_AFTER = 256;

    private final CpuState s;
    private final GuestMemory memory;
    private final CodeCache code = new CodeCache();
    private final SimdFp simd;
    /** The memory's code version the decoded code belongs to; translated regions compare against it. */
    long codeVersion;

    private Exit exit = Exit.LIMIT;
    private long exitAddress;
    private int exitWord;
    private long exitImmediate;

    private final TranslationCache translations;
    /** A block is translated at its this-many-th entry; 0 never. */
    private int translateAfter = DEFAULT_TRANSLATE_AFTER;
    /** Whether blocks are translated into regions with the translated blocks they lead to (tests compare without). */
    private boolean regions = true;
    private long translatedInstructions;
    private long translatedBlocks;
    private long translatedEntries;
    /** Written by translated code at every way out of a block: the instructions it retired. */
    int blockRetired;
    /** Written by a region at every way out: whether it left after completing a branch. */
    boolean leftAtBranch;
    /** The instruction count at which the current {@link #run} must stop (saturated); regions read it. */
    long instructionLimit;
    private Exit blockTrap;
    private long blockTrapPc;

    /** An interpreter with a translation cache of its own. */
    public Interpreter(CpuState state, GuestMemory memory) {
        this(state, memory, new TranslationCache());
    }

    /** An interpreter whose translated blocks come from, and go to, {@code translations}. */
    public Interpreter(CpuState state, GuestMemory memory, TranslationCache translations) {
        this.s = state;
        this.memory = memory;
        this.translations = translations;
        this.simd = new SimdFp(state, memory);
        this.codeVersion = memory.codeVersion();
    }

    public CpuState state() {
        return s;
    }

    /** Why the last {@link #run} returned. */
    public Exit exit() {
        return exit;
    }

    /** The data address of a data abort or alignment fault, or PC for a prefetch abort. */
    public long exitAddress() {
        return exitAddress;
    }

    /** The instruction word the last exit stopped on (0 for a prefetch abort). */
    public int exitWord() {
        return exitWord;
    }

    /** The 16-bit immediate of the {@code svc} or {@code brk} that stopped the last run. */
    public long exitImmediate() {
        return exitImmediate;
    }

    /** The decoded instruction at {@code pc}, fetching it if needed; null when it cannot be fetched. */
    public Insn instructionAt(long pc) {
        int word = memory.fetch(pc);
        return memory.failed() ? null : Decoder.decode(pc, word);
    }

    /**
     * Translates a block of instructions into a JVM class at its {@code entries}-th entry from now
     * on ({@link #DEFAULT_TRANSLATE_AFTER} to begin with); 0 turns translation off and 1
     * translates every block at its first entry. Returns false, changing nothing, when
     * {@code entries} is negative. Translation changes how fast a program runs, never what it does.
     */
    public boolean translateAfter(int entries) {
        if (entries < 0) {
            return false;
        }
        translateAfter = entries;
        return true;
    }

    /** Turns regions on or off for blocks translated from now on (for tests: results and counts are the same). */
    void regions(boolean on) {
        regions = on;
    }

    /**
     * Blocks put to use so far, translated or found in the cache (each counted again when its
     * page's code is dropped and it is used anew).
     */
    public long translatedBlocks() {
        return translatedBlocks;
    }

    /** Where this interpreter's translated blocks come from. */
    public TranslationCache translations() {
        return translations;
    }

    /** Instructions retired in translated blocks rather than one by one. */
    public long translatedInstructions() {
        return translatedInstructions;
    }

    /**
     * Calls from this loop into translated code: one per block it runs, and one per region
     * entered, however many of the region's blocks run before it returns. Fewer per instruction
     * translated means more of the work stays in translated code between two returns to the loop.
     */
    public long translatedEntries() {
        return translatedEntries;
    }

    /** Blocks the JVM refused to define (in this interpreter's cache); they run interpreted. Non-zero only through a bug. */
    public long translationFailures() {
        return translations.failures();
    }

    /** Drops every decoded instruction (the next fetch of each reads memory again). */
    public void flushCode() {
        code.clear();
        codeVersion = memory.codeVersion();
    }

    /**
     * Executes at most {@code budget} instructions from PC and returns why it stopped.
     */
    public Exit run(long budget) {
        final long[] x = s.x;
        final GuestMemory mem = memory;
        long pc = s.pc;
        long done = 0;
        instructionLimit = s.instructions > Long.MAX_VALUE - budget ? Long.MAX_VALUE : s.instructions + budget;
        codeChanged();
        long pageBase = pc & ~0xFFFL;
        CodeCache.Page cached = code.page(pageBase);
        Insn[] page = cached.insns;
        // A block may start here: after a branch or a block, at page entry, and after an
        // instruction that only the interpreter runs. Not where a run starts: a debugger stepping
        // one instruction at a time would otherwise count every instruction as a block's entry.
        boolean blockStart = false;
        while (done < budget) {
            if ((pc & ~0xFFFL) != pageBase) {
                codeChanged();
                pageBase = pc & ~0xFFFL;
                cached = code.page(pageBase);
                page = cached.insns;
                blockStart = true;
            }
            int slot = (int) (pc >>> 2) & 1023;
            Insn in = page[slot];
            if (in == null) {
                s.retiredAtAccess = s.instructions + done;
                int word = mem.fetch(pc);
                if (mem.failed()) {
                    return stop(Exit.PREFETCH_ABORT, pc, done, pc, 0);
                }
                in = Decoder.decode(pc, word);
                page[slot] = in;
            }
            if (blockStart) {
                blockStart = false;
                TranslatedBlock block = cached.blocks[slot];
                if (block != null) {
                    if (block.length <= budget - done) {
                        // Block after block while the next is translated, on this page and within
                        // the budget: its first instruction was decoded when it was translated, so
                        // the loop looks neither at the decoded page nor at the switch.
                        do {
                            long next = block.run(x, s, mem, this, s.instructions + done);
                            translatedEntries++;
                            int retired = blockRetired;
                            done += retired;
                            translatedInstructions += retired;
                            if (next == TranslatedBlock.TRAPPED) {
                                return stop(blockTrap, blockTrapPc, done, exitAddress, exitWord);
                            }
                            pc = next;
                            // where the instructions themselves would look: at the branch that ends it
                            // (not after an access that a handler answered, which leaves early)
                            if ((block.region ? leftAtBranch : block.endsInBranch && retired == block.length)
                                    && codeChanged()) {
                                pageBase = 1;
                                break;
                            }
                            if ((pc & ~0xFFFL) != pageBase) {
                                break;
                            }
                            block = cached.blocks[(int) (pc >>> 2) & 1023];
                        } while (block != null && block.length <= budget - done);
                        blockStart = true;
                        continue;
                    }
                } else if (translateAfter != 0 && ++cached.entries[slot] == translateAfter
                        && translate(cached, slot, pageBase)) {
                    blockStart = true;
                    continue;
                }
            }
            final boolean w = in.w;
            switch (in.op) {
                case Op.ADD_IMM -> {
                    long r = x[in.rn] + in.imm;
                    x[in.rd] = w ? r & W_MASK : r;
                }
                case Op.ADDS_IMM -> {
                    long a = x[in.rn];
                    s.nzcv = Alu.addFlags(a, in.imm, w);
                    long r = a + in.imm;
                    x[in.rd] = w ? r & W_MASK : r;
                }
                case Op.SUBS_IMM -> {
                    long a = x[in.rn];
                    s.nzcv = Alu.subFlags(a, in.imm, w);
                    long r = a - in.imm;
                    x[in.rd] = w ? r & W_MASK : r;
                }
                case Op.MOV_CONST -> x[in.rd] = in.imm;
                case Op.MOVK -> {
                    long r = (x[in.rn] & ~in.imm2) | in.imm;
                    x[in.rd] = w ? r & W_MASK : r;
                }
                case Op.AND_IMM -> x[in.rd] = x[in.rn] & in.imm;
                case Op.ORR_IMM -> {
                    long r = x[in.rn] | in.imm;
                    x[in.rd] = w ? r & W_MASK : r;
                }
                case Op.EOR_IMM -> {
                    long r = x[in.rn] ^ in.imm;
                    x[in.rd] = w ? r & W_MASK : r;
                }
                case Op.ANDS_IMM -> {
                    long r = x[in.rn] & in.imm;
                    s.nzcv = Alu.logicFlags(r, w);
                    x[in.rd] = r;
                }
                case Op.UBFM -> {
                    long src = x[in.rn];
                    long rotated = w ? Integer.rotateRight((int) src, in.a) & W_MASK : Long.rotateRight(src, in.a);
                    x[in.rd] = rotated & in.imm & in.imm2;
                }
                case Op.SBFM, Op.BFM, Op.EXTR -> bitfield(in, x);
                case Op.MOV_REG -> {
                    long r = x[in.rm];
                    x[in.rd] = w ? r & W_MASK : r;
                }
                case Op.ADD_REG -> {
                    long r = x[in.rn] + x[in.rm];
                    x[in.rd] = w ? r & W_MASK : r;
                }
                case Op.SUB_REG -> {
                    long r = x[in.rn] - x[in.rm];
                    x[in.rd] = w ? r & W_MASK : r;
                }
                case Op.ADD_SREG -> {
                    long r = x[in.rn] + Alu.shift(x[in.rm], in.a, in.b, w);
                    x[in.rd] = w ? r & W_MASK : r;
                }
                case Op.SUB_SREG -> {
                    long r = x[in.rn] - Alu.shift(x[in.rm], in.a, in.b, w);
                    x[in.rd] = w ? r & W_MASK : r;
                }
                case Op.ADDS_SREG -> {
                    long a = x[in.rn];
                    long b = Alu.shift(x[in.rm], in.a, in.b, w);
                    s.nzcv = Alu.addFlags(a, b, w);
                    long r = a + b;
                    x[in.rd] = w ? r & W_MASK : r;
                }
                case Op.SUBS_SREG -> {
                    long a = x[in.rn];
                    long b = Alu.shift(x[in.rm], in.a, in.b, w);
                    s.nzcv = Alu.subFlags(a, b, w);
                    long r = a - b;
                    x[in.rd] = w ? r & W_MASK : r;
                }
                case Op.ADD_EREG, Op.SUB_EREG, Op.ADDS_EREG, Op.SUBS_EREG -> extendedRegister(in, x);
                case Op.AND_SREG -> {
                    long b = Alu.shift(x[in.rm], in.a, in.b, w);
                    long r = x[in.rn] & (in.imm != 0 ? ~b : b);
                    x[in.rd] = w ? r & W_MASK : r;
                }
                case Op.ORR_SREG -> {
                    long b = Alu.shift(x[in.rm], in.a, in.b, w);
                    long r = x[in.rn] | (in.imm != 0 ? ~b : b);
                    x[in.rd] = w ? r & W_MASK : r;
                }
                case Op.EOR_SREG -> {
                    long b = Alu.shift(x[in.rm], in.a, in.b, w);
                    long r = x[in.rn] ^ (in.imm != 0 ? ~b : b);
                    x[in.rd] = w ? r & W_MASK : r;
                }
                case Op.ANDS_SREG -> {
                    long b = Alu.shift(x[in.rm], in.a, in.b, w);
                    long r = x[in.rn] & (in.imm != 0 ? ~b : b);
                    r = w ? r & W_MASK : r;
                    s.nzcv = Alu.logicFlags(r, w);
                    x[in.rd] = r;
                }
                case Op.ADC, Op.SBC, Op.ADCS, Op.SBCS -> withCarry(in, x);
                case Op.CCMP -> {
                    if (Alu.holds(in.a, s.nzcv)) {
                        long b = in.rm < 0 ? in.imm : x[in.rm];
                        s.nzcv = in.imm2 != 0 ? Alu.addFlags(x[in.rn], b, w) : Alu.subFlags(x[in.rn], b, w);
                    } else {
                        s.nzcv = in.b << 28;
                    }
                }
                case Op.CSEL -> {
                    long r = Alu.holds(in.a, s.nzcv) ? x[in.rn] : x[in.rm];
                    x[in.rd] = w ? r & W_MASK : r;
                }
                case Op.CSINC -> {
                    long r = Alu.holds(in.a, s.nzcv) ? x[in.rn] : x[in.rm] + 1;
                    x[in.rd] = w ? r & W_MASK : r;
                }
                case Op.CSINV -> {
                    long r = Alu.holds(in.a, s.nzcv) ? x[in.rn] : ~x[in.rm];
                    x[in.rd] = w ? r & W_MASK : r;
                }
                case Op.CSNEG -> {
                    long r = Alu.holds(in.a, s.nzcv) ? x[in.rn] : -x[in.rm];
                    x[in.rd] = w ? r & W_MASK : r;
                }
                case Op.DP1 -> x[in.rd] = Alu.oneSource(in.a, x[in.rn], w);
                case Op.UDIV, Op.SDIV, Op.SHIFTV, Op.MADDL, Op.SMULH, Op.UMULH -> multiplyDivideShift(in, x);
                case Op.MADD -> {
                    long r = x[in.ra] + x[in.rn] * x[in.rm];
                    x[in.rd] = w ? r & W_MASK : r;
                }
                case Op.MSUB -> {
                    long r = x[in.ra] - x[in.rn] * x[in.rm];
                    x[in.rd] = w ? r & W_MASK : r;
                }
                case Op.B -> {
                    pc = in.imm;
                    done++;
                    blockStart = true;
                    if (codeChanged()) {
                        pageBase = 1;
                    }
                    continue;
                }
                case Op.BL -> {
                    x[30] = pc + 4;
                    pc = in.imm;
                    done++;
                    blockStart = true;
                    if (codeChanged()) {
                        pageBase = 1;
                    }
                    continue;
                }
                case Op.BCOND, Op.CBZ, Op.CBNZ, Op.TBZ, Op.TBNZ -> {
                    boolean taken = switch (in.op) {
                        case Op.BCOND -> Alu.holds(in.a, s.nzcv);
                        case Op.CBZ -> (w ? x[in.rn] & W_MASK : x[in.rn]) == 0;
                        case Op.CBNZ -> (w ? x[in.rn] & W_MASK : x[in.rn]) != 0;
                        case Op.TBZ -> (x[in.rn] & (1L << in.a)) == 0;
                        default -> (x[in.rn] & (1L << in.a)) != 0;
                    };
                    done++;
                    blockStart = true;
                    pc = taken ? in.imm : pc + 4;
                    if (codeChanged()) {
                        pageBase = 1;
                    }
                    continue;
                }
                case Op.BR, Op.BLR -> {
                    long target = x[in.rn];
                    if ((target & 3) != 0) {
                        return stop(Exit.ALIGNMENT_FAULT, pc, done, target, in.word);
                    }
                    if (in.op == Op.BLR) {
                        x[30] = pc + 4;
                    }
                    pc = target;
                    done++;
                    blockStart = true;
                    if (codeChanged()) {
                        pageBase = 1;
                    }
                    continue;
                }
                case Op.LDR_IMM, Op.LDR_PRE, Op.LDR_POST, Op.LDR_REG, Op.LDR_LIT -> {
                    s.pc = pc; // the fault IP of a memory access
                    s.retiredAtAccess = s.instructions + done;
                    long address = address(in, x);
                    long v = mem.load(address, in.a);
                    if (mem.failed()) {
                        return stop(Exit.DATA_ABORT, pc, done, address, in.word);
                    }
                    writeBack(in, x);
                    x[in.rd] = Alu.extendLoad(v, in.a, in.b);
                }
                case Op.STR_IMM, Op.STR_PRE, Op.STR_POST, Op.STR_REG -> {
                    s.pc = pc;
                    s.retiredAtAccess = s.instructions + done;
                    long address = address(in, x);
                    mem.store(address, in.a, x[in.rd]);
                    if (mem.failed()) {
                        return stop(Exit.DATA_ABORT, pc, done, address, in.word);
                    }
                    writeBack(in, x);
                }
                case Op.LDP, Op.STP -> {
                    s.pc = pc;
                    s.retiredAtAccess = s.instructions + done;
                    Exit trap = pair(in, x);
                    if (trap != null) {
                        return stop(trap, pc, done, exitAddress, in.word);
                    }
                }
                case Op.NOP, Op.PRFM -> {
                    // no effect on one thread's state
                }
                case Op.SVC -> {
                    s.pc = pc + 4;
                    s.retiredAtAccess = -1;
                    s.instructions += done + 1;
                    exit = Exit.SVC;
                    exitImmediate = in.imm;
                    exitWord = in.word;
                    exitAddress = pc;
                    return Exit.SVC;
                }
                case Op.BRK -> {
                    exitImmediate = in.imm;
                    return stop(Exit.BREAKPOINT, pc, done, pc, in.word);
                }
                case Op.UNDEFINED -> {
                    return stop(Exit.UNDEFINED, pc, done, pc, in.word);
                }
                case Op.SYNC_CODE -> {
                    flushCode();
                    pageBase = 1;
                }
                default -> {
                    s.pc = pc;
                    s.retiredAtAccess = s.instructions + done;
                    Exit trap = rare(in, x);
                    if (trap != null) {
                        return stop(trap, pc, done, exitAddress, in.word);
                    }
                    blockStart = true;
                }
            }
            pc += 4;
            done++;
        }
        s.pc = pc;
        s.instructions += done;
        s.retiredAtAccess = -1;
        exit = Exit.LIMIT;
        return Exit.LIMIT;
    }

    /**
     * Translates the block at {@code slot}, or counts its entries anew if it has not all run yet;
     * true when there is a block to run now.
     */
    private boolean translate(CodeCache.Page cached, int slot, long pageBase) {
        int length = BlockTranslator.extent(cached.insns, slot);
        if (length == BlockTranslator.NOT_YET) {
            cached.entries[slot] = 0;
            return false;
        }
        if (length == 0) {
            return false;
        }
        TranslatedBlock block = null;
        // a region of the blocks translated here already that this one leads to, if one is worth
        // it; halved while its method would be too big for HotSpot to compile
        RegionPlan plan = RegionPlan.of(cached, pageBase, slot, length);
        while (block == null && regions && plan.worthIt(cached.insns, pageBase)) {
            block = translations.region(cached.insns, pageBase, plan);
            if (block == null) {
                if (plan.blocks() == 1) {
                    break;
                }
                plan = plan.first(plan.blocks() / 2);
            }
        }
        if (block == null) {
            block = translations.block(cached.insns, slot, pageBase, length);
        }
        cached.blocks[slot] = block;
        if (block == null) {
            return false;
        }
        translatedBlocks++;
        return true;
    }

    /** Drops the decoded code when memory says it may have changed; true when it did. */
    private boolean codeChanged() {
        if (memory.codeVersion() == codeVersion) {
            return false;
        }
        flushCode();
        return true;
    }

    /**
     * Called by translated code when an instruction of its block traps ({@link BlockEmitter}'s
     * trap kinds); returns {@link TranslatedBlock#TRAPPED} for the block to return.
     */
    long trap(int kind, long address, int word, int retired, long pc) {
        blockTrap = kind == BlockEmitter.TRAP_ALIGNMENT ? Exit.ALIGNMENT_FAULT : Exit.DATA_ABORT;
        blockTrapPc = pc;
        exitAddress = address;
        exitWord = word;
        blockRetired = retired;
        return TranslatedBlock.TRAPPED;
    }

    private Exit stop(Exit why, long pc, long done, long address, int word) {
        s.pc = pc;
        s.instructions += done;
        s.retiredAtAccess = -1;
        exit = why;
        exitAddress = address;
        exitWord = word;
        return why;
    }

    /*
     * Loads and stores share one load site and one store site in the run loop, and pairs go to a
     * method of their own: every access site inlines the whole MMU fast path, and a dozen of them
     * used up the JIT's inlining budget for the loop, leaving the small helpers (conditions,
     * shifts) as calls.
     */

    /** The address of a single-register load or store, by its addressing form. */
    private static long address(Insn in, long[] x) {
        return switch (in.op) {
            case Op.LDR_IMM, Op.STR_IMM, Op.LDR_PRE, Op.STR_PRE -> x[in.rn] + in.imm;
            case Op.LDR_POST, Op.STR_POST -> x[in.rn];
            case Op.LDR_REG, Op.STR_REG -> x[in.rn] + Alu.extend(x[in.rm], (int) in.imm2, (int) in.imm);
            default -> in.imm; // LDR_LIT: resolved when decoded
        };
    }

    /** Pre- and post-index forms update the base after the access; a loaded Rt written after it wins. */
    private static void writeBack(Insn in, long[] x) {
        int op = in.op;
        if (op == Op.LDR_PRE || op == Op.LDR_POST || op == Op.STR_PRE || op == Op.STR_POST) {
            x[in.rn] += in.imm;
        }
    }

    /** LDP and STP (imm2: 0 offset, 1 pre-index, 2 post-index); a trap sets exitAddress. */
    private Exit pair(Insn in, long[] x) {
        GuestMemory mem = memory;
        long base = x[in.rn];
        long updated = base + in.imm;
        long address = in.imm2 == 2 ? base : updated;
        int size = in.a;
        if (in.op == Op.STP) {
            long first = x[in.rd];
            long second = x[in.ra];
            mem.store(address, size, first);
            if (mem.failed()) {
                exitAddress = address;
                return Exit.DATA_ABORT;
            }
            mem.store(address + size, size, second);
            if (mem.failed()) {
                exitAddress = address + size;
                return Exit.DATA_ABORT;
            }
        } else {
            long first = mem.load(address, size);
            if (mem.failed()) {
                exitAddress = address;
                return Exit.DATA_ABORT;
            }
            long second = mem.load(address + size, size);
            if (mem.failed()) {
                exitAddress = address + size;
                return Exit.DATA_ABORT;
            }
            if (in.imm2 != 0) {
                x[in.rn] = updated;
            }
            x[in.rd] = Alu.extendLoad(first, size, in.b);
            x[in.ra] = Alu.extendLoad(second, size, in.b);
            return null;
        }
        if (in.imm2 != 0) {
            x[in.rn] = updated;
        }
        return null;
    }

    private static void bitfield(Insn in, long[] x) {
        x[in.rd] = in.op == Op.EXTR ? Alu.extract(x[in.rn], x[in.rm], in.a, in.w)
                : Alu.bitfieldMove(in.op, x[in.rn], x[in.rm], in.a, in.b, in.imm, in.imm2, in.w);
    }

    private void extendedRegister(Insn in, long[] x) {
        boolean w = in.w;
        long a = x[in.rn];
        long b = Alu.extend(x[in.rm], in.a, in.b);
        boolean sub = in.op == Op.SUB_EREG || in.op == Op.SUBS_EREG;
        if (in.op == Op.ADDS_EREG || in.op == Op.SUBS_EREG) {
            s.nzcv = sub ? Alu.subFlags(a, b, w) : Alu.addFlags(a, b, w);
        }
        long r = sub ? a - b : a + b;
        x[in.rd] = w ? r & W_MASK : r;
    }

    private void withCarry(Insn in, long[] x) {
        boolean w = in.w;
        long a = x[in.rn];
        long b = x[in.rm];
        if (in.op == Op.SBC || in.op == Op.SBCS) {
            b = ~b;
        }
        int carry = (s.nzcv & Alu.C) != 0 ? 1 : 0;
        if (in.op == Op.ADCS || in.op == Op.SBCS) {
            s.nzcv = Alu.addWithCarryFlags(a, b, carry, w);
        }
        long r = a + b + carry;
        x[in.rd] = w ? r & W_MASK : r;
    }

    private static void multiplyDivideShift(Insn in, long[] x) {
        x[in.rd] = Alu.multiplyDivideShift(in.op, in.a, in.imm != 0, x[in.rn], x[in.rm], x[in.ra], in.w);
    }

    /** The instructions off the hot path; returns the trap to stop with (exitAddress set), or null. */
    private Exit rare(Insn in, long[] x) {
        switch (in.op) {
            case Op.MRS -> x[in.rd] = readSystemRegister(SystemRegister.ofOrdinal(in.a));
            case Op.MSR -> {
                SystemRegister register = SystemRegister.ofOrdinal(in.a);
                if (register == SystemRegister.FPCR && (x[in.rn] & FPCR_RMODE) != 0) {
                    // Every operation rounds to nearest: a program that asks for another rounding
                    // mode (fesetround) would get wrong numbers silently, so it stops here instead.
                    exitAddress = s.pc;
                    return Exit.UNDEFINED;
                }
                writeSystemRegister(register, x[in.rn]);
            }
            case Op.CLREX -> s.exclusiveAddress = -1;
            case Op.DC_ZVA -> {
                long block = x[in.rn] & -ZVA_BYTES;
                for (int i = 0; i < ZVA_BYTES; i += 8) {
                    memory.store(block + i, 8, 0);
                    if (memory.failed()) {
                        exitAddress = block + i;
                        return Exit.DATA_ABORT;
                    }
                }
            }
            case Op.LDXR, Op.STXR, Op.LDXP, Op.STXP, Op.LDAR, Op.STLR -> {
                return exclusive(in, x);
            }
            default -> {
                Exit trap = simd.execute(in);
                exitAddress = simd.faultAddress();
                return trap;
            }
        }
        return null;
    }

    private Exit exclusive(Insn in, long[] x) {
        long address = x[in.rn];
        int size = in.a;
        boolean pair = in.op == Op.LDXP || in.op == Op.STXP;
        int alignment = pair ? 2 * size : size;
        if ((address & (alignment - 1)) != 0) {
            exitAddress = address;
            return Exit.ALIGNMENT_FAULT;
        }
        switch (in.op) {
            case Op.LDXR, Op.LDAR, Op.LDXP -> {
                long first = memory.load(address, size);
                if (memory.failed()) {
                    exitAddress = address;
                    return Exit.DATA_ABORT;
                }
                long second = 0;
                if (pair) {
                    second = memory.load(address + size, size);
                    if (memory.failed()) {
                        exitAddress = address + size;
                        return Exit.DATA_ABORT;
                    }
                }
                if (in.op != Op.LDAR) {
                    s.exclusiveAddress = address;
                    s.exclusiveSize = alignment;
                }
                x[in.rd] = first;
                if (pair) {
                    x[in.ra] = second;
                }
            }
            case Op.STLR -> {
                memory.store(address, size, x[in.ra]);
                if (memory.failed()) {
                    exitAddress = address;
                    return Exit.DATA_ABORT;
                }
            }
            default -> {
                boolean holds = s.exclusiveAddress == address && s.exclusiveSize == alignment;
                if (holds) {
                    memory.store(address, size, x[in.rm]);
                    if (memory.failed()) {
                        exitAddress = address;
                        return Exit.DATA_ABORT;
                    }
                    if (pair) {
                        memory.store(address + size, size, x[in.ra]);
                        if (memory.failed()) {
                            exitAddress = address + size;
                            return Exit.DATA_ABORT;
                        }
                    }
                }
                s.exclusiveAddress = -1;
                x[in.rd] = holds ? 0 : 1;
            }
        }
        return null;
    }

    private long readSystemRegister(SystemRegister register) {
        return switch (register) {
            case TPIDR_EL0 -> s.tpidr;
            case TPIDRRO_EL0 -> s.tpidrro;
            case NZCV -> s.nzcv & 0xF000_0000L;
            case FPCR -> s.fpcr & W_MASK;
            case FPSR -> s.fpsr & W_MASK;
            case DCZID_EL0 -> DCZID;
            case CTR_EL0 -> CTR;
            case CNTFRQ_EL0 -> COUNTER_FREQUENCY;
            case CNTVCT_EL0 -> s.instructions / INSTRUCTIONS_PER_TICK;
        };
    }

    /** FPCR.RMode: any rounding mode but to nearest (0) is refused, see {@link #rare}. */
    static final long FPCR_RMODE = 3L << 22;

    private void writeSystemRegister(SystemRegister register, long value) {
        switch (register) {
            case TPIDR_EL0 -> s.tpidr = value;
            case NZCV -> s.nzcv = (int) value & 0xF000_0000;
            case FPCR -> s.fpcr = (int) value & FPCR_WRITABLE;
            case FPSR -> s.fpsr = (int) value & 0xF800_009F;
            default -> {
                // read-only registers decode as undefined when written
            }
        }
    }
}
