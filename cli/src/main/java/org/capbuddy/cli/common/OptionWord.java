package org.capbuddy.cli.common;

import java.util.Locale;
import picocli.CommandLine.ITypeConverter;

/**
 * A picocli converter for an option that takes one of a few words ({@code --allocator capbuddy},
 * {@code --cspace original}): the word in lower case, so that every command accepts it in any
 * case, as {@code bench} always has. The command still checks that it is one of its words.
 */
public final class OptionWord implements ITypeConverter<String> {
    @Override
    public String convert(String value) {
        return value.toLowerCase(Locale.ROOT);
    }
}
