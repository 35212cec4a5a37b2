package org.capbuddy.cli.common;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.nio.file.Path;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;

/** The CLI's one JSON writer: pretty (or one line, for JSON lines), stable field order as declared. */
public final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    private static final ObjectMapper LINE = new ObjectMapper();

    private Json() {
    }

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
        }
    }

    /** The JSON document in {@code file}. */
    public static JsonNode read(Path file) throws IOException {
        return LINE.readTree(file.toFile());
    }

    /** {@code node} as a {@code type}; an unknown field is an error, not something to drop silently. */
    public static <T> T convert(JsonNode node, Class<T> type) throws JsonProcessingException {
        return LINE.treeToValue(node, type);
    }

    /** {@code value} as a JSON tree, as it would be written. */
    public static JsonNode tree(Object value) {
        return LINE.valueToTree(value);
    }

    /** {@code value} on one line, as JSON lines want it. */
    public static String line(Object value) {
        try {
            return LINE.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
        }
    }
}
