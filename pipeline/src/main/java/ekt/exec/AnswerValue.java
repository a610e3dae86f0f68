package ekt.exec;

import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/**
 * The value of a program's answer variable, with the Python type information the paper's checker
 * needs (it accepts floats only): {@code 72} and {@code 72.0} are different answers.
 *
 * @param kind   INT (int and subclasses), FLOAT (float and subclasses), BOOL, or OTHER
 * @param type   the Python type name, e.g. {@code float}, {@code float64}, {@code str}
 * @param number Long or BigInteger for INT, Double (NaN and infinities included) for FLOAT; null for
 *               BOOL, OTHER, and ints too large to transfer
 * @param repr   Python's repr for values without a number ({@code True}, {@code 'abc'}, {@code nan}),
 *               at most 200 characters; null when {@code number} says it all
 */
public record AnswerValue(Kind kind, String type, Number number, String repr) {
    /** The Python type family of an answer. */
    public enum Kind {
        /** int or a subclass other than bool. */
        INT,
        /** float or a subclass, e.g. numpy.float64. */
        FLOAT,
        /** True or False. */
        BOOL,
        /** Anything else (str, list, None, ...). */
        OTHER
    }

    /** @return a Python {@code int} answer */
    public static AnswerValue ofInt(long value) {
        return new AnswerValue(Kind.INT, "int", value, null);
    }

    /** @return a Python {@code float} answer; NaN and infinities carry their Python repr */
    public static AnswerValue ofFloat(double value) {
        return Double.isFinite(value) ? new AnswerValue(Kind.FLOAT, "float", value, null)
                : new AnswerValue(Kind.FLOAT, "float", value, Double.isNaN(value) ? "nan" : value > 0 ? "inf" : "-inf");
    }

    /** Reads the worker's fields {@code k} (kind), {@code t}, {@code v}, {@code r}; null when no answer. */
    static AnswerValue fromWire(JsonNode result) {
        JsonNode k = result.get("k");
        if (k == null || k.isNull()) return null;
        Kind kind = Kind.valueOf(k.asText().toUpperCase(java.util.Locale.ROOT));
        String type = text(result, "t");
        String repr = text(result, "r");
        JsonNode v = result.get("v");
        boolean hasNumber = v != null && v.isNumber();
        Number number = switch (kind) {
            case INT -> !hasNumber ? null : v.canConvertToLong() ? (Number) v.longValue() : v.bigIntegerValue();
            case FLOAT -> hasNumber ? v.doubleValue() : nonFinite(repr);
            case BOOL, OTHER -> null;
        };
        return new AnswerValue(kind, type, number, repr);
    }

    /**
     * The value as a result record has it: {@code value} (a JSON number or null), the Python
     * {@code type} name and {@code repr}. Integral JSON numbers are ints, others floats; a
     * non-finite float has its repr; bools and other values only their repr.
     */
    public static AnswerValue fromRecord(String type, JsonNode value, String repr) {
        if (type == null) throw new IllegalArgumentException("an 'ok' result needs the answer's 'type'");
        if (value != null && value.isIntegralNumber())
            return new AnswerValue(Kind.INT, type, value.canConvertToLong() ? (Number) value.longValue() : value.bigIntegerValue(), repr);
        if (value != null && value.isNumber()) return new AnswerValue(Kind.FLOAT, type, value.doubleValue(), repr);
        if (value != null && !value.isNull()) throw new IllegalArgumentException("field 'value' must be a number or null, not " + value);
        if (repr != null && type.startsWith("float") && List.of("nan", "-nan", "inf", "-inf").contains(repr))
            return new AnswerValue(Kind.FLOAT, type, nonFinite(repr), repr);
        if (type.startsWith("bool")) return new AnswerValue(Kind.BOOL, type, null, repr);
        return new AnswerValue(type.startsWith("int") ? Kind.INT : Kind.OTHER, type, null, repr);
    }

    private static Double nonFinite(String repr) {
        if (repr == null) throw new IllegalArgumentException("float answer without value or repr");
        return switch (repr) {
            case "nan", "-nan" -> Double.NaN;
            case "inf" -> Double.POSITIVE_INFINITY;
            case "-inf" -> Double.NEGATIVE_INFINITY;
            default -> throw new IllegalArgumentException("unexpected float repr '" + repr + "'");
        };
    }

    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() ? null : v.asText();
    }

    @Override
    public String toString() {
        return (number != null && repr == null ? number.toString() : repr) + " (" + type + ")";
    }
}
