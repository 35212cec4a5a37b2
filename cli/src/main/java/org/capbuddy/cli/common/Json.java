package org.capbuddy.cli.common;

import com.fasterxml.jackson.core.JsonProcessingException;
import java.io.IOException;
import java.nio.file.Path;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;

/**
 * The CLI's one JSON writer: pretty (or one line, for JSON lines), stable field order as declared,
 * machine words unsigned ({@link MachineWords}); and its reader of JSON and YAML documents.
 */
public final class Json {
    private static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .registerModule(MachineWords.module());
    /*
     * Reading is strict where a hand-written spec could go wrong unseen: a key given twice, a
     * fraction where a count belongs, text where a number or a truth value belongs (iterations:
     * "100", which a YAML writer may quote without meaning to; sizes such as ram: 256M are turned
     * into numbers before) and a second YAML document are refused; a single value where a list
     * belongs (allocators: capbuddy) is a list of one.
     */
    private static final ObjectMapper LINE = strict(new ObjectMapper());
    private static final ObjectMapper YAML = strict(new YAMLMapper());

    private static ObjectMapper strict(ObjectMapper mapper) {
        for (LogicalType number : new LogicalType[] {LogicalType.Integer, LogicalType.Float, LogicalType.Boolean}) {
            mapper.coercionConfigFor(number).setCoercion(CoercionInputShape.String, CoercionAction.Fail);
        }
        return mapper.registerModule(MachineWords.module())
                .enable(com.fasterxml.jackson.core.JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
                .disable(com.fasterxml.jackson.databind.DeserializationFeature.ACCEPT_FLOAT_AS_INT)
                .enable(com.fasterxml.jackson.databind.DeserializationFeature.ACCEPT_SINGLE_VALUE_AS_ARRAY);
    }

    private Json() {
    }

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + value.getClass().getSimpleName(), e);
        }
    }

    /**
     * The document in {@code file}: YAML when its name ends in {@code .yaml} or {@code .yml}
     * (a spec or a sweep written by hand reads better so), JSON otherwise.
     */
    public static JsonNode read(Path file) throws IOException {
        String name = file.getFileName() == null ? "" : file.getFileName().toString().toLowerCase(java.util.Locale.ROOT);
        ObjectMapper reader = name.endsWith(".yaml") || name.endsWith(".yml") ? YAML : LINE;
        try (com.fasterxml.jackson.databind.MappingIterator<JsonNode> documents =
                     reader.readerFor(JsonNode.class).readValues(file.toFile())) {
            JsonNode first = documents.hasNextValue() ? documents.nextValue() : reader.missingNode();
            if (documents.hasNextValue()) {
                // a problem of the document, not of reading the file: a parse error, as a key
                // given twice is (a plain IOException would read "cannot read" to the commands)
                throw new com.fasterxml.jackson.core.JsonParseException((com.fasterxml.jackson.core.JsonParser) null,
                        "it holds more than one document");
            }
            return first;
        }
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
