package org.capbuddy.sos.exec;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.SplittableRandom;
import org.capbuddy.aarch64.elf.ElfImage;
import org.capbuddy.aarch64.elf.ElfParser;
import org.capbuddy.aarch64.elf.ElfResult;
import org.capbuddy.aarch64.elf.ElfType;
import org.capbuddy.aarch64.elf.Segment;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.Result;
import org.capbuddy.sos.addrspace.AddressSpace;
import org.capbuddy.sos.addrspace.Layout;

/**
 * Turns the bytes of a static AArch64 program and its arguments into a {@link LoadPlan}, as the
 * first half of Linux's {@code execve} does: parse the ELF file, choose the load bias, place the
 * segments in a new address space and build the initial stack with the auxiliary vector. It
 * makes no kernel object and touches no memory, so a refused program costs nothing; every
 * refusal is a {@link AllocErrorKind#BAD_ARGUMENT} saying why.
 */
public final class ProgramLoader {
    /**
     * Where a static-PIE ({@code ET_DYN}) is loaded: where {@code ET_EXEC} programs are linked. It
     * relocates itself from {@code AT_PHDR} (musl's {@code rcrt1.o}), so any base would do.
     */
    public static final long STATIC_PIE_BASE = Layout.CODE_BASE;
    /** {@code AT_HWCAP}: {@code HWCAP_FP | HWCAP_ASIMD}, what the interpreter implements beyond the base ISA. */
    public static final long HWCAP = 0x3;
    /** {@code AT_CLKTCK}: the 100 Hz that {@code times()} counts in on Linux. */
    public static final long CLOCK_TICKS = 100;
    /** {@code AT_PLATFORM}. */
    public static final String PLATFORM = "aarch64";

    private ProgramLoader() {
    }

    /**
     * The plan to run {@code elfFile} with {@code argv} (its name first, which is also
     * {@code AT_EXECFN}) and {@code envp}; {@code seed} makes the 16 {@code AT_RANDOM} bytes, so a
     * run can be repeated exactly.
     */
    public static Result<LoadPlan> plan(byte[] elfFile, List<String> argv, List<String> envp, long seed) {
        if (argv == null || argv.isEmpty() || argv.get(0) == null) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "argv must hold at least the program's name");
        }
        return plan(elfFile, argv, envp, argv.get(0), seed);
    }

    /**
     * {@link #plan(byte[], List, List, long)} for an execve: {@code execFn}, the path as the
     * caller passed it, is {@code AT_EXECFN}, whatever argv[0] is.
     */
    public static Result<LoadPlan> plan(byte[] elfFile, List<String> argv, List<String> envp, String execFn, long seed) {
        if (argv == null || argv.isEmpty() || argv.get(0) == null || execFn == null) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "argv must hold at least one string, and the file name is needed");
        }
        // a missing envp goes on missing: the initial stack refuses it, saying so
        return plan(elfFile, InitialStack.encoded(argv), envp == null ? null : InitialStack.encoded(envp), execFn.getBytes(StandardCharsets.UTF_8),
                seed);
    }

    /**
     * {@link #plan(byte[], List, List, String, long)} with the strings as bytes, as an execve reads
     * them: the program sees exactly these bytes, whatever their encoding.
     */
    public static Result<LoadPlan> plan(byte[] elfFile, List<byte[]> argv, List<byte[]> envp, byte[] execFn, long seed) {
        if (argv == null || argv.isEmpty() || argv.get(0) == null || execFn == null) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "argv must hold at least one string, and the file name is needed");
        }
        ElfResult parsed = ElfParser.parse(elfFile);
        if (parsed instanceof ElfResult.Refused refused) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "the program was refused: " + refused.error() + ": "
                    + refused.detail());
        }
        ElfImage image = ((ElfResult.Ok) parsed).image();
        long bias = loadBias(image);
        Result<AddressSpace> as = AddressSpace.forImage(image, bias);
        if (!as.isOk()) {
            return Result.fail(AllocErrorKind.BAD_ARGUMENT, "the program does not fit SOS's address space: "
                    + as.error().detail());
        }
        byte[] random = new byte[InitialStack.RANDOM_BYTES];
        new SplittableRandom(seed).nextBytes(random);
        Result<StackImage> stack = InitialStack.build(Layout.STACK_TOP, argv, envp, auxv(image, bias), random,
                execFn, PLATFORM.getBytes(StandardCharsets.US_ASCII));
        if (!stack.isOk()) {
            return stack.asFailure();
        }
        return Result.ok(new LoadPlan(image, bias, as.value(), stack.value()));
    }

    /** 0 for {@code ET_EXEC}, which is linked where it runs; {@link #STATIC_PIE_BASE} for a static-PIE. */
    public static long loadBias(ElfImage image) {
        return image.type() == ElfType.DYN ? STATIC_PIE_BASE : 0;
    }

    /**
     * The auxiliary vector of {@code image} loaded at {@code bias}, in the order Linux and QEMU
     * write it, without {@code AT_NULL}; the {@code AT_RANDOM}, {@code AT_EXECFN} and
     * {@code AT_PLATFORM} values are filled in by {@link InitialStack}.
     */
    public static List<AuxEntry> auxv(ElfImage image, long bias) {
        return List.of(
                new AuxEntry(AuxType.PHDR, phdr(image) + bias),
                new AuxEntry(AuxType.PHENT, image.phentsize()),
                new AuxEntry(AuxType.PHNUM, image.phnum()),
                new AuxEntry(AuxType.PAGESZ, Layout.PAGE),
                new AuxEntry(AuxType.BASE, 0),
                new AuxEntry(AuxType.FLAGS, 0),
                new AuxEntry(AuxType.ENTRY, image.entry() + bias),
                new AuxEntry(AuxType.UID, 0),
                new AuxEntry(AuxType.EUID, 0),
                new AuxEntry(AuxType.GID, 0),
                new AuxEntry(AuxType.EGID, 0),
                new AuxEntry(AuxType.HWCAP, HWCAP),
                new AuxEntry(AuxType.CLKTCK, CLOCK_TICKS),
                new AuxEntry(AuxType.RANDOM, 0),
                new AuxEntry(AuxType.SECURE, 0),
                new AuxEntry(AuxType.EXECFN, 0),
                new AuxEntry(AuxType.HWCAP2, 0),
                new AuxEntry(AuxType.PLATFORM, 0));
    }

    /**
     * Where the program headers are in the image: as the parser found them, else where the first
     * segment would put file offset {@code e_phoff} (Linux's answer for a table no segment loads).
     */
    private static long phdr(ElfImage image) {
        if (image.phdrVaddr().isPresent()) {
            return image.phdrVaddr().getAsLong();
        }
        Segment first = image.segments().get(0);
        return first.vaddr() - first.fileOffset() + image.phoff();
    }
}
