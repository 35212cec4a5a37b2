package org.capbuddy.sos.exec;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Test support: reads an initial stack back as a C library's start-up code does, from the bytes of
 * [sp, top), independently of {@link InitialStack}.
 *
 * @param argc the first word
 * @param argv the strings argv[] points at
 * @param envp the strings envp[] points at
 * @param auxv every auxiliary vector pair before AT_NULL, type to value, in order
 * @param auxvCount the pairs before AT_NULL (a repeated type would show as a smaller map)
 * @param random the 16 bytes AT_RANDOM points at, or null
 * @param execFn the string AT_EXECFN points at, or null
 * @param platform the string AT_PLATFORM points at, or null
 */
public record StackReader(long argc, List<String> argv, List<String> envp, Map<Integer, Long> auxv, int auxvCount,
        byte[] random, String execFn, String platform) {

    public static StackReader read(byte[] bytes, long sp) {
        int at = 0;
        long argc = word(bytes, at);
        at += 8;
        List<String> argv = new ArrayList<>();
        for (long p; (p = word(bytes, at)) != 0; at += 8) {
            argv.add(string(bytes, sp, p));
        }
        if (argv.size() != argc) {
            throw new AssertionError("argc " + argc + " but " + argv.size() + " argv pointers");
        }
        at += 8;
        List<String> envp = new ArrayList<>();
        for (long p; (p = word(bytes, at)) != 0; at += 8) {
            envp.add(string(bytes, sp, p));
        }
        at += 8;
        Map<Integer, Long> auxv = new LinkedHashMap<>();
        int count = 0;
        for (long type; (type = word(bytes, at)) != 0; at += 16) {
            auxv.put((int) type, word(bytes, at + 8));
            count++;
        }
        if (word(bytes, at + 8) != 0) {
            throw new AssertionError("AT_NULL's value is not 0");
        }
        Long random = auxv.get(AuxType.RANDOM.code());
        byte[] rnd = null;
        if (random != null) {
            rnd = new byte[16];
            System.arraycopy(bytes, (int) (random - sp), rnd, 0, 16);
        }
        Long execFn = auxv.get(AuxType.EXECFN.code());
        Long platform = auxv.get(AuxType.PLATFORM.code());
        return new StackReader(argc, argv, envp, auxv, count, rnd, execFn == null ? null : string(bytes, sp, execFn),
                platform == null ? null : string(bytes, sp, platform));
    }

    /** The little-endian word at {@code at}. */
    public static long word(byte[] bytes, int at) {
        long v = 0;
        for (int i = 7; i >= 0; i--) {
            v = (v << 8) | (bytes[at + i] & 0xff);
        }
        return v;
    }

    private static String string(byte[] bytes, long sp, long address) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = (int) (address - sp); bytes[i] != 0; i++) {
            out.write(bytes[i]);
        }
        return out.toString(StandardCharsets.UTF_8);
    }
}
