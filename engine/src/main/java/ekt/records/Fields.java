package ekt.records;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Set;

/**
 * The fields of one JSONL record, read by name with their types checked. Every problem (a missing
 * field, a wrong type, a field no reader asked for) is a {@link DataException} naming the file and
 * line, so a damaged or foreign part file is reported where it is, not later as a wrong count.
 */
public final class Fields {
    private final Path file;
    private final long line;
    private final JsonNode node;
    private final Set<String> read = new HashSet<>();

    /** The fields of {@code line} of {@code file}. */
    public Fields(Path file, Jsonl.Line line) {
        this.file = file;
        this.line = line.number();
        this.node = line.value();
    }

    /** Whether the record has {@code name} (null counts as present). */
    public boolean has(String name) {
        return node.has(name);
    }

    /** A required string. */
    public String text(String name) {
        JsonNode v = required(name);
        if (!v.isTextual()) throw error("field '" + name + "' must be a string, not " + v);
        return v.asText();
    }

    /** A required field that is a string or null. */
    public String textOrNull(String name) {
        JsonNode v = required(name);
        if (v.isNull()) return null;
        if (!v.isTextual()) throw error("field '" + name + "' must be a string or null, not " + v);
        return v.asText();
    }

    /** A required integer that fits an {@code int}. */
    public int integer(String name) {
        JsonNode v = required(name);
        if (!v.isIntegralNumber() || !v.canConvertToInt()) throw error("field '" + name + "' must be an integer, not " + v);
        return v.asInt();
    }

    /** A required number, or NaN where the record has null (a value that was not known). */
    public double numberOrNaN(String name) {
        JsonNode v = required(name);
        if (v.isNull()) return Double.NaN;
        if (!v.isNumber()) throw error("field '" + name + "' must be a number or null, not " + v);
        return v.asDouble();
    }

    /** A required boolean, or null where the record has null. */
    public Boolean boolOrNull(String name) {
        JsonNode v = required(name);
        if (v.isNull()) return null;
        if (!v.isBoolean()) throw error("field '" + name + "' must be true, false or null, not " + v);
        return v.asBoolean();
    }

    /** A required list of integers. */
    public int[] integers(String name) {
        JsonNode v = required(name);
        if (!v.isArray()) throw error("field '" + name + "' must be a list of integers, not " + v);
        int[] out = new int[v.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode x = v.get(i);
            if (!x.isIntegralNumber() || !x.canConvertToInt()) throw error("field '" + name + "'[" + i + "] must be an integer, not " + x);
            out[i] = x.asInt();
        }
        return out;
    }

    /** An optional list of numbers: null where the record lacks the field or has null. */
    public float[] floatsOrNull(String name) {
        read.add(name);
        JsonNode v = node.get(name);
        if (v == null || v.isNull()) return null;
        if (!v.isArray()) throw error("field '" + name + "' must be a list of numbers, not " + v);
        float[] out = new float[v.size()];
        for (int i = 0; i < out.length; i++) {
            if (!v.get(i).isNumber()) throw error("field '" + name + "'[" + i + "] must be a number, not " + v.get(i));
            out[i] = (float) v.get(i).asDouble();
        }
        return out;
    }

    /** An optional field's raw value (null where absent), for values with their own decoding. */
    public JsonNode raw(String name) {
        read.add(name);
        return node.get(name);
    }

    /** Fails on the first field no reader asked for: a record of another type or version. */
    public void requireNoOthers() {
        for (Iterator<String> names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!read.contains(name)) throw error("unknown field '" + name + "'");
        }
    }

    /** A problem with this record, naming file and line. */
    public DataException error(String problem) {
        return new DataException(file, line, problem);
    }

    private JsonNode required(String name) {
        read.add(name);
        JsonNode v = node.get(name);
        if (v == null) throw error("missing field '" + name + "'");
        return v;
    }
}
