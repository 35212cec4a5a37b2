package org.capbuddy.cli.common;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * A byte count written for people: {@code 2G}, {@code 512MiB}, {@code 64g}, {@code 4096}. Binary
 * units (K = 1024). Also formats sizes back the same way.
 */
public final class ByteSize implements ITypeConverter<Long> {
    private static final Pattern FORMAT = Pattern.compile("(\\d+)\\s*([kmgt]?)(i?b)?", Pattern.CASE_INSENSITIVE);

    @Override
    public Long convert(String text) {
        Matcher m = FORMAT.matcher(text.trim());
        if (!m.matches()) {
            throw new TypeConversionException("'" + text + "' is not a size (examples: 2G, 512M, 65536)");
        }
        int shift = switch (m.group(2).toLowerCase(Locale.ROOT)) {
            case "k" -> 10;
            case "m" -> 20;
            case "g" -> 30;
            case "t" -> 40;
            default -> 0;
        };
        long value;
        try {
            value = Long.parseLong(m.group(1));
        } catch (NumberFormatException e) {
            throw new TypeConversionException("'" + text + "' is too large");
        }
        if (value > (Long.MAX_VALUE >> shift)) {
            throw new TypeConversionException("'" + text + "' is too large");
        }
        return value << shift;
    }

    /** 2147483648 -> "2 GiB"; sizes that are not a whole unit keep a fraction. */
    public static String format(long bytes) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        int u = 0;
        double v = bytes;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return v == Math.rint(v) ? String.format(Locale.ROOT, "%d %s", (long) v, units[u])
                : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
