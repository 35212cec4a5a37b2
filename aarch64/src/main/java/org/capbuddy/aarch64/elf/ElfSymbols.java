package org.capbuddy.aarch64.elf;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The function and object symbols of an ELF64 file's {@code .symtab}, so that a person can name
 * {@code main} where an address is asked for (a step mode's {@code break main}). Loading needs no
 * symbols and {@link ElfParser} reads no section headers; this reads them only for names, and as
 * strictly: every field is range-checked before it is read, nothing throws, and a file without a
 * symbol table (stripped, or malformed in its section headers) simply has no symbols.
 *
 * <p>Only {@code STT_FUNC} and {@code STT_OBJECT} symbols with a non-empty name and a non-zero
 * value count. A name several symbols share (two files' {@code static} helpers) resolves to the
 * one global among them, or to none: the caller then says the name is ambiguous.
 */
public final class ElfSymbols {
    /** A symbol as {@link #find} returns it. */
    public record Symbol(String name, long address, long size, boolean global) {
    }

    /** No file has more: the bound keeps a hostile file's work small. */
    static final int MAX_SYMBOLS = 1 << 20;
    private static final int SHDR_SIZE = 64;
    private static final int SYM_SIZE = 24;
    private static final int SHT_SYMTAB = 2;
    private static final int STT_OBJECT = 1;
    private static final int STT_FUNC = 2;
    private static final int STB_GLOBAL = 1;
    private static final int MAX_NAME = 256;

    private static final ElfSymbols NONE = new ElfSymbols(Map.of());

    private final Map<String, List<Symbol>> byName;

    private ElfSymbols(Map<String, List<Symbol>> byName) {
        this.byName = byName;
    }

    /** The symbols of {@code file}; none when it has no readable symbol table. Never throws. */
    public static ElfSymbols of(byte[] file) {
        if (file == null || file.length < ElfParser.EHDR_SIZE || file[0] != 0x7f || file[1] != 'E' || file[2] != 'L'
                || file[3] != 'F' || file[4] != 2 || file[5] != 1) {
            return NONE;
        }
        long shoff = u64(file, 0x28);
        int shentsize = u16(file, 0x3a);
        int shnum = u16(file, 0x3c);
        if (shentsize != SHDR_SIZE || !inside(file, shoff, (long) shnum * SHDR_SIZE)) {
            return NONE;
        }
        for (int i = 0; i < shnum; i++) {
            int sh = (int) (shoff + (long) i * SHDR_SIZE);
            if (u32(file, sh + 4) != SHT_SYMTAB) {
                continue;
            }
            long symOffset = u64(file, sh + 24);
            long symSize = u64(file, sh + 32);
            long link = u32(file, sh + 40);
            if (link >= shnum || !inside(file, symOffset, symSize)) {
                return NONE;
            }
            int str = (int) (shoff + link * SHDR_SIZE);
            long strOffset = u64(file, str + 24);
            long strSize = u64(file, str + 32);
            if (!inside(file, strOffset, strSize)) {
                return NONE;
            }
            return read(file, (int) symOffset, (int) Math.min(symSize / SYM_SIZE, MAX_SYMBOLS), (int) strOffset,
                    (int) strSize);
        }
        return NONE;
    }

    private static ElfSymbols read(byte[] file, int symbols, int count, int strings, int stringsSize) {
        Map<String, List<Symbol>> byName = new LinkedHashMap<>();
        for (int i = 0; i < count; i++) {
            int at = symbols + i * SYM_SIZE;
            int info = file[at + 4] & 0xff;
            int type = info & 0xf;
            long value = u64(file, at + 8);
            long nameOffset = u32(file, at);
            if ((type != STT_FUNC && type != STT_OBJECT) || value == 0 || nameOffset >= stringsSize) {
                continue;
            }
            String name = string(file, strings + (int) nameOffset, strings + stringsSize);
            if (name.isEmpty()) {
                continue;
            }
            byName.computeIfAbsent(name, n -> new ArrayList<>())
                    .add(new Symbol(name, value, u64(file, at + 16), info >> 4 == STB_GLOBAL));
        }
        byName.replaceAll((n, list) -> List.copyOf(list));
        return new ElfSymbols(Collections.unmodifiableMap(byName));
    }

    /**
     * The symbol {@code name} names: the only one of that name, or the one global among several;
     * empty when there is none or the name is ambiguous ({@link #all} then tells them apart).
     */
    public Optional<Symbol> find(String name) {
        List<Symbol> all = all(name);
        if (all.size() == 1) {
            return Optional.of(all.get(0));
        }
        List<Symbol> global = all.stream().filter(Symbol::global).toList();
        return global.size() == 1 ? Optional.of(global.get(0)) : Optional.empty();
    }

    /** Every symbol called {@code name}, in the table's order. */
    public List<Symbol> all(String name) {
        return byName.getOrDefault(name, List.of());
    }

    /** Whether the file had no symbols to read (stripped, or no section headers). */
    public boolean isEmpty() {
        return byName.isEmpty();
    }

    /** Whether [offset, offset + length) lies inside the file, unsigned and without overflow. */
    private static boolean inside(byte[] file, long offset, long length) {
        return offset >= 0 && length >= 0 && offset <= file.length && length <= file.length - offset;
    }

    /** A NUL-terminated name from {@code from}, cut at {@code end} or {@link #MAX_NAME} bytes. */
    private static String string(byte[] file, int from, int end) {
        int to = from;
        while (to < end && to - from < MAX_NAME && file[to] != 0) {
            to++;
        }
        return new String(file, from, to - from, java.nio.charset.StandardCharsets.ISO_8859_1);
    }

    private static int u16(byte[] b, int off) {
        return (b[off] & 0xff) | (b[off + 1] & 0xff) << 8;
    }

    private static long u32(byte[] b, int off) {
        return u16(b, off) | (long) u16(b, off + 2) << 16;
    }

    private static long u64(byte[] b, int off) {
        return u32(b, off) | u32(b, off + 4) << 32;
    }
}
