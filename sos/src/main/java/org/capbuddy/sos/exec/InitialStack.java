package org.capbuddy.sos.exec;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.capbuddy.libos.vka.AllocErrorKind;
import org.capbuddy.libos.vka.Result;

/**
 * Builds the stack a Linux AArch64 program expects at its first instruction, as QEMU's user-mode
 * loader lays it out (its {@code load_elf_binary} and {@code create_elf_tables}), from the top
 * down:
 *
 * <pre>
 *   top - 8        8 zero bytes
 *                  the AT_EXECFN string
 *                  the envp strings (envp[0] lowest), then the argv strings (argv[0] lowest)
 *                  the platform string, in whole words
 *                  the 16 AT_RANDOM bytes, 16-byte aligned
 *                  (padding)
 *   sp             argc                                 sp is 16-byte aligned
 *   sp + 8         argv[0] .. argv[argc-1], NULL
 *                  envp[0] .. envp[envc-1], NULL
 *                  auxv pairs (type, value), then AT_NULL, 0
 * </pre>
 *
 * Linux's kernel places the same items in the same order; only its padding differs. The class is
 * pure: it computes bytes and addresses and touches no memory.
 */
public final class InitialStack {
    /**
     * The most bytes argv and envp may take, strings with their NULs and their pointers: 2 MiB,
     * Linux's limit for the 8 MiB stack a process has (a quarter of it, as its execve reckons in
     * {@code bprm_stack_limits}), so that any command line a Linux shell can pass is taken.
     */
    public static final int MAX_ARGUMENT_BYTES = 2 << 20;
    /** The longest one argument or environment string, with its NUL: Linux's {@code MAX_ARG_STRLEN}, 32 pages. */
    public static final int MAX_ARGUMENT_STRING = 128 << 10;
    /** The longest file name or platform string, with its NUL (Linux's {@code PATH_MAX}). */
    public static final int MAX_NAME_BYTES = 4096;
    /** The most auxiliary vector entries, {@code AT_NULL} not counted. */
    public static final int MAX_AUX_ENTRIES = 64;
    /** The size of {@code AT_RANDOM}'s bytes. */
    public static final int RANDOM_BYTES = 16;

    private static final int WORD = 8;

    private InitialStack() {
    }

    /**
     * The initial stack below {@code stackTop}, or why the request is refused (nothing in it may
     * be missing, a string may not contain a NUL, and the sizes have the limits above).
     *
     * @param stackTop the first address past the stack, 16-byte aligned
     * @param argv the arguments, {@code argv[0]} usually the program's name
     * @param envp the environment, "NAME=value" strings
     * @param auxv the auxiliary vector without {@code AT_NULL}, which is added; the values of
     *     {@code AT_EXECFN}, {@code AT_PLATFORM} and {@code AT_RANDOM} entries are replaced by the
     *     addresses of the items placed here
     * @param random the 16 bytes {@code AT_RANDOM} points at
     * @param execFn the file name the program was run as
     * @param platform the platform string, "aarch64"
     */
    public static Result<StackImage> build(long stackTop, List<String> argv, List<String> envp, List<AuxEntry> auxv,
            byte[] random, String execFn, String platform) {
        if (argv == null || envp == null || execFn == null || platform == null) {
            return refuse("the initial stack needs argv, envp, the auxiliary vector, the random bytes, the file name"
                    + " and the platform");
        }
        List<byte[]> args = encoded(argv);
        List<byte[]> envs = encoded(envp);
        return build(stackTop, args, envs, auxv, random, execFn.getBytes(StandardCharsets.UTF_8),
                platform.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * {@link #build(long, List, List, List, byte[], String, String)} for strings given as their
     * bytes, as an execve reads them from its caller: each is placed exactly as given, whatever
     * its encoding (Linux's strings are bytes; only a NUL inside one is refused).
     */
    public static Result<StackImage> build(long stackTop, List<byte[]> argv, List<byte[]> envp, List<AuxEntry> auxv,
            byte[] random, byte[] execFn, byte[] platform) {
        if (argv == null || envp == null || auxv == null || random == null || execFn == null || platform == null) {
            return refuse("the initial stack needs argv, envp, the auxiliary vector, the random bytes, the file name"
                    + " and the platform");
        }
        if (stackTop <= 0 || (stackTop & 15) != 0) {
            return refuse("the stack top 0x" + Long.toHexString(stackTop) + " is not a 16-byte aligned user address");
        }
        if (random.length != RANDOM_BYTES) {
            return refuse("AT_RANDOM needs " + RANDOM_BYTES + " bytes, got " + random.length);
        }
        if (auxv.size() > MAX_AUX_ENTRIES) {
            return refuse("the auxiliary vector has " + auxv.size() + " entries, more than " + MAX_AUX_ENTRIES);
        }
        for (int i = 0; i < auxv.size(); i++) {
            if (auxv.get(i) == null || auxv.get(i).type() == AuxType.NULL) {
                return refuse("auxiliary vector entry " + i + " is " + (auxv.get(i) == null ? "missing" : "AT_NULL")
                        + "; AT_NULL ends the vector and is added here");
            }
        }
        // Checked one at a time so that a huge list is refused before all of it is encoded.
        long argumentBytes = 0;
        List<byte[]> args = new ArrayList<>();
        List<byte[]> envs = new ArrayList<>();
        for (int pass = 0; pass < 2; pass++) {
            List<byte[]> strings = pass == 0 ? argv : envp;
            String name = pass == 0 ? "argv" : "envp";
            for (int i = 0; i < strings.size(); i++) {
                byte[] bytes = strings.get(i);
                if (bytes == null) {
                    return refuse(name + "[" + i + "] is missing");
                }
                if (bytes.length + 1 > MAX_ARGUMENT_STRING) {
                    return refuse(name + "[" + i + "] takes " + (bytes.length + 1) + " bytes with its NUL, more than "
                            + MAX_ARGUMENT_STRING + " (128 KiB, Linux's MAX_ARG_STRLEN: its execve says E2BIG)");
                }
                argumentBytes += bytes.length + 1 + WORD;
                if (argumentBytes > MAX_ARGUMENT_BYTES) {
                    return refuse("argv and envp take more than " + MAX_ARGUMENT_BYTES + " bytes (2 MiB, a quarter of"
                            + " the 8 MiB stack, as Linux allows: its execve says E2BIG) with their NULs and pointers"
                            + " (at " + name + "[" + i + "] of " + strings.size() + ")");
                }
                if (hasNul(bytes)) {
                    return refuse(name + "[" + i + "] contains a NUL byte, which would end it early");
                }
                (pass == 0 ? args : envs).add(bytes);
            }
        }
        byte[] fn = execFn;
        byte[] plat = platform;
        for (byte[] name : new byte[][] {fn, plat}) {
            String which = name == fn ? "the file name" : "the platform string";
            if (name.length + 1 > MAX_NAME_BYTES) {
                return refuse(which + " takes " + (name.length + 1) + " bytes, more than " + MAX_NAME_BYTES);
            }
            if (hasNul(name)) {
                return refuse(which + " contains a NUL byte");
            }
        }

        // Lay out from the top down; the limits above keep every size far below 2^31.
        long p = stackTop - WORD;
        p -= fn.length + 1;
        long execFnAt = p;
        long[] envAt = new long[envs.size()];
        for (int i = envs.size() - 1; i >= 0; i--) {
            p -= envs.get(i).length + 1;
            envAt[i] = p;
        }
        long[] argAt = new long[args.size()];
        for (int i = args.size() - 1; i >= 0; i--) {
            p -= args.get(i).length + 1;
            argAt[i] = p;
        }
        p -= (plat.length + 1 + WORD - 1) & -WORD;
        long platformAt = p;
        p &= -16;
        p -= RANDOM_BYTES;
        long randomAt = p;
        long tableWords = 1 + (args.size() + 1) + (envs.size() + 1) + 2L * (auxv.size() + 1);
        long sp = (p - tableWords * WORD) & -16;
        if (sp <= 0) {
            return refuse("the initial stack of " + (stackTop - sp) + " bytes does not fit below the stack top 0x"
                    + Long.toHexString(stackTop));
        }

        byte[] image = new byte[(int) (stackTop - sp)];
        put(image, execFnAt - sp, fn);
        for (int i = 0; i < envs.size(); i++) {
            put(image, envAt[i] - sp, envs.get(i));
        }
        for (int i = 0; i < args.size(); i++) {
            put(image, argAt[i] - sp, args.get(i));
        }
        put(image, platformAt - sp, plat);
        System.arraycopy(random, 0, image, (int) (randomAt - sp), RANDOM_BYTES);

        int at = 0;
        at = word(image, at, args.size());
        for (long a : argAt) {
            at = word(image, at, a);
        }
        at = word(image, at, 0);
        for (long e : envAt) {
            at = word(image, at, e);
        }
        at = word(image, at, 0);
        long auxvAt = sp + at;
        List<AuxEntry> written = new ArrayList<>(auxv.size() + 1);
        for (AuxEntry e : auxv) {
            long value = switch (e.type()) {
                case EXECFN -> execFnAt;
                case PLATFORM -> platformAt;
                case RANDOM -> randomAt;
                default -> e.value();
            };
            written.add(new AuxEntry(e.type(), value));
        }
        written.add(new AuxEntry(AuxType.NULL, 0));
        for (AuxEntry e : written) {
            at = word(image, at, e.type().code());
            at = word(image, at, e.value());
        }
        return Result.ok(new StackImage(stackTop, sp, image, args.size(), longs(argAt), longs(envAt), auxvAt,
                List.copyOf(written), execFnAt, platformAt, randomAt));
    }

    /** Each string's UTF-8 bytes (a missing one kept missing, for the check that names it). */
    static List<byte[]> encoded(List<String> strings) {
        List<byte[]> bytes = new ArrayList<>(strings.size());
        for (String s : strings) {
            bytes.add(s == null ? null : s.getBytes(StandardCharsets.UTF_8));
        }
        return bytes;
    }

    private static boolean hasNul(byte[] bytes) {
        for (byte b : bytes) {
            if (b == 0) {
                return true;
            }
        }
        return false;
    }

    /** Copies a string's bytes to {@code offset}; its NUL is the array's zero. */
    private static void put(byte[] image, long offset, byte[] string) {
        System.arraycopy(string, 0, image, (int) offset, string.length);
    }

    /** Writes a little-endian word at {@code at} and returns the offset after it. */
    private static int word(byte[] image, int at, long value) {
        for (int i = 0; i < WORD; i++) {
            image[at + i] = (byte) (value >>> (8 * i));
        }
        return at + WORD;
    }

    private static List<Long> longs(long[] values) {
        List<Long> list = new ArrayList<>(values.length);
        for (long v : values) {
            list.add(v);
        }
        return List.copyOf(list);
    }

    private static Result<StackImage> refuse(String why) {
        return Result.fail(AllocErrorKind.BAD_ARGUMENT, why);
    }
}
