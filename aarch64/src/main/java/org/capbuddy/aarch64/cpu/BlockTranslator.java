package org.capbuddy.aarch64.cpu;

import java.lang.invoke.MethodHandles;
import org.capbuddy.aarch64.decode.Insn;
import org.capbuddy.aarch64.decode.Op;
import org.objectweb.asm.ClassWriter;
import org.objectweb.asm.MethodVisitor;
import org.objectweb.asm.Opcodes;
import org.objectweb.asm.Type;

/**
 * Translates hot blocks of decoded A64 instructions into JVM classes ({@link TranslatedBlock}),
 * defined as hidden classes so that each can be unloaded once the interpreter drops it.
 *
 * <p>A block starts where the interpreter asks (a branch target, the instruction after a branch or
 * after one that only the interpreter runs) and takes the following instructions of the same page
 * while they are decoded already and translatable; it ends after a branch, before anything else
 * (system instructions, SIMD, exclusives, {@code svc}), at the end of the page or at
 * {@link #MAX_LENGTH}. Only instructions the program has fetched are translated, so translating
 * makes no access of its own.
 */
final class BlockTranslator {
    /**
     * Longest block. It keeps most blocks' methods below {@link #MAX_BYTECODE}, not all: a load or
     * store takes over 100 bytes of bytecode, and a block of 60 loads is over it, so such a block
     * is cut shorter ({@link #translate}).
     */
    static final int MAX_LENGTH = 64;
    /** A block shorter than this costs more to enter than interpreting it. */
    static final int MIN_LENGTH = 2;

    private static final String BLOCK = Type.getInternalName(TranslatedBlock.class);
    private static final String RUN_DESCRIPTOR = Type.getMethodDescriptor(Type.LONG_TYPE, Type.getType(long[].class),
            Type.getType(CpuState.class), Type.getType(GuestMemory.class), Type.getType(Interpreter.class),
            Type.LONG_TYPE);

    /**
     * Most bytecode in a block's or a region's method: HotSpot does not compile a method over 8,000
     * bytes (HugeMethodLimit), and a method left to the JVM's interpreter would be far slower than
     * interpreting its instructions. A region over it is halved by its caller; a single block over
     * it (a long run of loads and stores) is cut by {@link #translate}.
     */
    static final int MAX_BYTECODE = 7_500;

    private final MethodHandles.Lookup lookup = MethodHandles.lookup();
    private long translated;
    private long failures;
    private long oversized;
    private long cut;

    /** Blocks translated so far. */
    long translated() {
        return translated;
    }

    /** Blocks the JVM refused (a bug in the emitter if ever non-zero): they stay interpreted. */
    long failures() {
        return failures;
    }

    /** What {@link #extent} returns when the block reaches an instruction not decoded yet. */
    static final int NOT_YET = -1;

    /**
     * Instructions from {@code slot} that make a block: 0 when too few are translatable, or
     * {@link #NOT_YET} when an instruction within reach has not been decoded yet (the program has
     * not run that far from here yet; asking again after it has gives the whole block).
     */
    static int extent(Insn[] page, int slot) {
        int length = 0;
        for (int i = slot; i < page.length && length < MAX_LENGTH; i++) {
            Insn in = page[i];
            if (in == null) {
                return NOT_YET;
            }
            if (!BlockEmitter.translatable(in.op)) {
                break;
            }
            length++;
            if (isBranch(in.op)) {
                break;
            }
        }
        return length >= MIN_LENGTH ? length : 0;
    }

    static boolean isBranch(int op) {
        return op >= Op.B && op <= Op.BLR;
    }

    /**
     * The block of {@code length} instructions (an {@link #extent}) at {@code slot} of the page at
     * {@code pageBase}, or null when the JVM refuses it. When its method would be over
     * {@link #MAX_BYTECODE} the block is halved until it is not ({@link #blocksCut()}): its
     * {@link TranslatedBlock#length} is then shorter than asked and it ends without a branch, so the
     * run loop goes on at the instruction after it and makes the rest a block of its own once that
     * is hot, as after a block that {@link #MAX_LENGTH} ended.
     */
    TranslatedBlock translate(Insn[] page, int slot, long pageBase, int length) {
        for (int n = length; ; n /= 2) {
            long oversizedBefore = oversized;
            TranslatedBlock block = define(page, pageBase, new RegionPlan(new int[] {slot}, new int[] {n}), false);
            boolean tooBig = oversized != oversizedBefore;
            // a JVM refusal is not about size: a shorter block would be refused too
            if (block != null || !tooBig || n / 2 < MIN_LENGTH) {
                if (block != null && n < length) {
                    cut++;
                }
                return block;
            }
        }
    }

    /** Blocks translated shorter than their {@link #extent}, their method being over {@link #MAX_BYTECODE} whole. */
    long blocksCut() {
        return cut;
    }

    /**
     * The region of {@code plan} on the page at {@code pageBase}, or null when its method would be
     * too big for HotSpot to compile ({@link #oversized()}) or the JVM refuses it.
     */
    TranslatedBlock translateRegion(Insn[] page, long pageBase, RegionPlan plan) {
        return define(page, pageBase, plan, true);
    }

    /**
     * Methods not defined because they came out over {@link #MAX_BYTECODE}: regions, and the longer
     * tries of a block that was then {@linkplain #blocksCut cut}.
     */
    long oversized() {
        return oversized;
    }

    private TranslatedBlock define(Insn[] page, long pageBase, RegionPlan plan, boolean region) {
        int slot = plan.slots()[0];
        int length = plan.lengths()[0];
        try {
            byte[] bytes = classBytes(page, pageBase, plan, region);
            if (bytes == null) {
                oversized++;
                return null;
            }
            Class<?> type = lookup.defineHiddenClass(bytes, true).lookupClass();
            boolean endsInBranch = isBranch(page[slot + length - 1].op);
            TranslatedBlock block = (TranslatedBlock) type
                    .getDeclaredConstructor(int.class, boolean.class, boolean.class)
                    .newInstance(length, endsInBranch, region);
            translated++;
            return block;
        } catch (ReflectiveOperationException | LinkageError | RuntimeException e) {
            failures++;
            return null;
        }
    }

    /** The class, or null when its method's bytecode is over {@link #MAX_BYTECODE}. */
    private static byte[] classBytes(Insn[] page, long pageBase, RegionPlan plan, boolean region) {
        ClassWriter writer = new ClassWriter(ClassWriter.COMPUTE_FRAMES | ClassWriter.COMPUTE_MAXS) {
            @Override
            protected String getCommonSuperClass(String first, String second) {
                return "java/lang/Object"; // frames only ever merge identical types here
            }
        };
        long start = pageBase + 4L * plan.slots()[0];
        String name = BLOCK.substring(0, BLOCK.lastIndexOf('/') + 1) + (region ? "Region_" : "Block_")
                + Long.toHexString(start);
        writer.visit(Opcodes.V17, Opcodes.ACC_FINAL | Opcodes.ACC_SUPER, name, null, BLOCK, null);
        MethodVisitor init = writer.visitMethod(0, "<init>", "(IZZ)V", null, null);
        init.visitCode();
        init.visitVarInsn(Opcodes.ALOAD, 0);
        init.visitVarInsn(Opcodes.ILOAD, 1);
        init.visitVarInsn(Opcodes.ILOAD, 2);
        init.visitVarInsn(Opcodes.ILOAD, 3);
        init.visitMethodInsn(Opcodes.INVOKESPECIAL, BLOCK, "<init>", "(IZZ)V", false);
        init.visitInsn(Opcodes.RETURN);
        init.visitMaxs(0, 0);
        init.visitEnd();
        MethodVisitor run = writer.visitMethod(0, "run", RUN_DESCRIPTOR, null, null);
        int size = new BlockEmitter(run, page, pageBase, plan.slots(), plan.lengths(), region).emit();
        if (size > MAX_BYTECODE) {
            return null;
        }
        writer.visitEnd();
        return writer.toByteArray();
    }
}
