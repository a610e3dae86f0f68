package ekt.serve;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * Strictly typed fields of a JSON request body: a field of the wrong type or out of range is a
 * 400 naming it (never silently a default), and a field the server does not know is a 400 too.
 */
final class Fields {
    private final JsonNode body;

    Fields(JsonNode body, Set<String> known) {
        if (body == null || !body.isObject()) throw ApiError.invalid(null, "the request body must be a JSON object");
        this.body = body;
        for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
            String name = it.next();
            if (!known.contains(name)) throw ApiError.invalid(name, "unknown field '" + name + "': this server does not support it");
        }
    }

    JsonNode get(String name) {
        JsonNode v = body.get(name);
        return v == null || v.isNull() ? null : v;
    }

    boolean has(String name) {
        return get(name) != null;
    }

    long integer(String name, long fallback, long min, long max) {
        JsonNode v = get(name);
        if (v == null) return fallback;
        if (!v.isIntegralNumber() || !v.canConvertToLong()) throw ApiError.invalid(name, "'" + name + "' must be an integer, got " + v);
        long x = v.asLong();
        if (x < min || x > max) throw ApiError.invalid(name, "'" + name + "' must be in [" + min + ", " + max + "], got " + x);
        return x;
    }

    double number(String name, double fallback, double min, double max) {
        JsonNode v = get(name);
        if (v == null) return fallback;
        if (!v.isNumber()) throw ApiError.invalid(name, "'" + name + "' must be a number, got " + v);
        double x = v.asDouble();
        if (!(x >= min && x <= max)) throw ApiError.invalid(name, "'" + name + "' must be in [" + min + ", " + max + "], got " + v);
        return x;
    }

    boolean bool(String name, boolean fallback) {
        JsonNode v = get(name);
        if (v == null) return fallback;
        if (!v.isBoolean()) throw ApiError.invalid(name, "'" + name + "' must be a boolean, got " + v);
        return v.asBoolean();
    }

    String string(String name) {
        JsonNode v = get(name);
        if (v == null) return null;
        if (!v.isTextual()) throw ApiError.invalid(name, "'" + name + "' must be a string, got " + v);
        return v.asText();
    }

    /** A string or an array of non-empty strings (at most {@code max}). */
    List<String> strings(String name, int max) {
        JsonNode v = get(name);
        List<String> out = new ArrayList<>();
        if (v == null) return out;
        if (v.isTextual()) out.add(v.asText());
        else if (v.isArray()) {
            for (JsonNode s : v) {
                if (!s.isTextual()) throw ApiError.invalid(name, "'" + name + "' must be a string or an array of strings, got " + v);
                out.add(s.asText());
            }
        } else throw ApiError.invalid(name, "'" + name + "' must be a string or an array of strings, got " + v);
        if (out.size() > max) throw ApiError.invalid(name, "'" + name + "' has " + out.size() + " entries, at most " + max + " are allowed");
        if (out.stream().anyMatch(String::isEmpty)) throw ApiError.invalid(name, "'" + name + "' must not contain an empty string");
        return out;
    }

    /** A field the engine cannot honour: accepted only at its neutral value. */
    void neutralNumber(String name, double neutral) {
        if (has(name) && number(name, neutral, -Double.MAX_VALUE, Double.MAX_VALUE) != neutral)
            throw ApiError.invalid(name, "'" + name + "' is not supported by this server (only " + neutral + ")");
    }

    void neutralEmpty(String name) {
        JsonNode v = get(name);
        if (v != null && !(v.isContainerNode() && v.isEmpty()))
            throw ApiError.invalid(name, "'" + name + "' is not supported by this server");
    }
}
