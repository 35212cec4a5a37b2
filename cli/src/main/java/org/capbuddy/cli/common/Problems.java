package org.capbuddy.cli.common;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import java.nio.file.AccessDeniedException;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.Collection;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Why a file could not be used, or why a JSON or YAML document is not what was asked for, in words
 * a user can act on ("permission denied", "field 'iterations' takes a whole number, got \"ten\"").
 * The libraries' own messages name Java classes and parser internals, or, for most file errors,
 * only the path the user just typed.
 */
public final class Problems {
    private Problems() {
    }

    /** The reason {@code e} gives, with the path it happened at. */
    public static String of(Exception e) {
        return of(e, null);
    }

    /**
     * The reason {@code e} gives; the path it happened at only when that is not {@code tried},
     * which the caller names itself (a missing parent folder, say).
     */
    public static String of(Exception e, Path tried) {
        if (e instanceof JsonProcessingException json) {
            return json(json);
        }
        if (e instanceof FileSystemException fs) {
            return fileSystem(fs, tried);
        }
        String message = e.getMessage();
        if (message == null || message.isBlank()) {
            return e.getClass().getSimpleName();
        }
        return firstLine(message);
    }

    /**
     * Why {@code file} cannot be read as a file, or null when it can. It asks the file system and
     * does not open the file, which a named pipe would block on and its writer lose.
     */
    public static String unreadable(Path file) {
        if (!Files.exists(file)) {
            return "no such file or folder";
        }
        if (Files.isDirectory(file)) {
            return "it is a folder, not a file";
        }
        return Files.isReadable(file) ? null : "permission denied";
    }

    private static String fileSystem(FileSystemException e, Path tried) {
        String reason;
        if (e instanceof NoSuchFileException) {
            reason = "no such file or folder";
        } else if (e instanceof AccessDeniedException) {
            reason = "permission denied";
        } else if (e instanceof NotDirectoryException) {
            reason = "not a folder";
        } else if (e instanceof FileAlreadyExistsException) {
            reason = "a file of that name is in the way";
        } else if (e instanceof DirectoryNotEmptyException) {
            reason = "the folder is not empty";
        } else if (e.getReason() != null) {
            reason = e.getReason().toLowerCase(Locale.ROOT);
        } else {
            reason = e.getClass().getSimpleName();
        }
        // the path the failure was at, when it is not simply the one the caller tried (a parent folder)
        boolean elsewhere = e.getFile() != null && (tried == null || !e.getFile().equals(tried.toString()));
        return elsewhere ? reason + " (" + e.getFile() + ")" : reason;
    }

    /** A JSON or YAML document that cannot be read, or read as the type asked for. */
    public static String json(JsonProcessingException e) {
        if (e instanceof UnrecognizedPropertyException unknown) {
            return "unknown field '" + unknown.getPropertyName() + "'" + known(unknown.getKnownPropertyIds());
        }
        if (e instanceof InvalidFormatException format) {
            return "field " + path(format) + " takes " + kind(format.getTargetType()) + ", got " + shown(format.getValue());
        }
        if (e instanceof MismatchedInputException mismatch && mismatch.getTargetType() != null) {
            return "field " + path(mismatch) + " takes " + kind(mismatch.getTargetType()) + textGiven(mismatch);
        }
        String what = firstLine(e.getOriginalMessage() == null ? e.getClass().getSimpleName() : e.getOriginalMessage())
                .replaceAll("\\s*\\(start marker at \\[Source:.*$", "").replaceAll("\\s*at \\[Source:.*$", "");
        JsonLocation at = e.getLocation();
        if (at != null && at.getLineNr() > 0) {
            return "not valid JSON or YAML at line " + at.getLineNr() + ", column " + at.getColumnNr() + ": " + what;
        }
        return what;
    }

    private static String path(JsonMappingException e) {
        String path = e.getPath().stream()
                .map(ref -> ref.getFieldName() != null ? ref.getFieldName() : "[" + ref.getIndex() + "]")
                .collect(Collectors.joining(".")).replace(".[", "[");
        return path.isEmpty() ? "(the document)" : "'" + path + "'";
    }

    private static String known(Collection<Object> ids) {
        if (ids == null || ids.isEmpty()) {
            return "";
        }
        return " (fields: " + ids.stream().map(String::valueOf).sorted().collect(Collectors.joining(", ")) + ")";
    }

    /**
     * ", got \"100\"" when the value refused is text (a number in quotes: the strict reader does not
     * take text for a number), else nothing: the parser still stands on the value it refused.
     */
    private static String textGiven(MismatchedInputException e) {
        if (e.getProcessor() instanceof JsonParser parser && parser.currentToken() == JsonToken.VALUE_STRING) {
            try {
                return ", got " + shown(parser.getText());
            } catch (java.io.IOException unreadable) {
                return "";
            }
        }
        return "";
    }

    private static String shown(Object value) {
        return value instanceof String s ? "\"" + s + "\"" : String.valueOf(value);
    }

    private static String kind(Class<?> type) {
        if (type == null) {
            return "another kind of value";
        }
        if (type == Long.class || type == long.class || type == Integer.class || type == int.class
                || type == Short.class || type == short.class) {
            return "a whole number";
        }
        if (type == Double.class || type == double.class || type == Float.class || type == float.class) {
            return "a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (type == String.class) {
            return "text";
        }
        if (type.isEnum()) {
            return "one of " + java.util.Arrays.stream(type.getEnumConstants()).map(String::valueOf)
                    .collect(Collectors.joining(", "));
        }
        if (type.isArray() || Collection.class.isAssignableFrom(type)) {
            return "a list";
        }
        return "an object of fields";
    }

    private static String firstLine(String text) {
        int end = text.indexOf('\n');
        return (end < 0 ? text : text.substring(0, end)).strip();
    }
}
