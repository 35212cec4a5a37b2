package org.capbuddy.aarch64.elf;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
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
    private static final int STB_WEAK = 2;
    private static final int MAX_NAME = 256;

    private static final ElfSymbols NONE = new ElfSymbols(Map.of(), List.of());

    private final Map<String, List<Symbol>> byName;
    /** Every symbol, by address, for {@link #describe}; a function's size 0 marked by {@link Placed#function}. */
    private final List<Placed> byAddress;

    /** A symbol and whether it is a function (whose size 0 reaches to the next symbol, as objdump reads it). */
    private record Placed(Symbol symbol, boolean function) {
    }

    private ElfSymbols(Map<String, List<Symbol>> byName, List<Placed> byAddress) {
        this.byName = byName;
        this.byAddress = byAddress;
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
        List<Placed> byAddress = new ArrayList<>();
        List<Integer> bindings = new ArrayList<>();
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
            Symbol symbol = new Symbol(name, value, u64(file, at + 16), info >> 4 == STB_GLOBAL);
            byName.computeIfAbsent(name, n -> new ArrayList<>()).add(symbol);
            // where several share an address (musl's weak alias and its static body), the first
            // global, then the first weak, then the first local names it
            byAddress.add(new Placed(symbol, type == STT_FUNC));
            bindings.add(info >> 4);
        }
        byName.replaceAll((n, list) -> List.copyOf(list));
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < byAddress.size(); i++) {
            order.add(i);
        }
        order.sort(Comparator.<Integer, Long>comparing(i -> byAddress.get(i).symbol().address(), Long::compareUnsigned)
                .thenComparingInt(i -> rank(bindings.get(i))).thenComparingInt(i -> i));
        List<Placed> sorted = order.stream().map(byAddress::get).toList();
        return new ElfSymbols(Collections.unmodifiableMap(byName), sorted);
    }

    /** Global before weak before local, for the name an address is given. */
    private static int rank(int binding) {
        return binding == STB_GLOBAL ? 0 : binding == STB_WEAK ? 1 : 2;
    }

    /**
     * Where {@code address} is, as objdump and gdb say it: {@code main} at a symbol's first byte,
     * {@code main+0x58} inside it; empty when no symbol holds it. A symbol holds the bytes its size
     * covers; a function of size 0 (an assembler's {@code _start}) reaches to the next symbol.
     */
    public Optional<String> describe(long address) {
        int lo = 0;
        int hi = byAddress.size() - 1;
        int found = -1;
        while (lo <= hi) { // the last symbol at or below the address, unsigned
            int mid = (lo + hi) >>> 1;
            if (Long.compareUnsigned(byAddress.get(mid).symbol().address(), address) <= 0) {
                found = mid;
                lo = mid + 1;
            } else {
                hi = mid - 1;
            }
        }
        if (found < 0) {
            return Optional.empty();
        }
        long start = byAddress.get(found).symbol().address();
        int first = found;
        while (first > 0 && byAddress.get(first - 1).symbol().address() == start) {
            first--;
        }
        for (int i = first; i <= found; i++) {
            Placed p = byAddress.get(i);
            long offset = address - start;
            boolean holds = p.symbol().size() != 0 ? Long.compareUnsigned(offset, p.symbol().size()) < 0
                    : offset == 0 || (p.function() && found + 1 < byAddress.size()); // below the next one
            if (holds) {
                return Optional.of(offset == 0 ? p.symbol().name() : p.symbol().name() + "+0x" + Long.toHexString(offset));
            }
        }
        return Optional.empty();
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
