package ekt.exec;

import ekt.records.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ekt.records.DataException;
import ekt.records.Fields;
import ekt.records.RecordCodec;
import ekt.data.Gsm8k;
import ekt.records.Jsonl;

import java.math.BigInteger;
import java.nio.file.Path;

/**
 * The JSONL records of execution. In: {@code {"id", "sample", "program"}} ({@code text} is
 * accepted for {@code program}; {@code sample} defaults to 0; an optional {@code answer}, a number
 * or a GSM8k answer string, is the label to check against). Out: {@code {"id", "sample", "status",
 * "value", "type", "repr", "correct", "error"}} plus {@code "output"} when output is captured.
 * {@code value} is a JSON number written so that floats keep a decimal point or exponent
 * ({@code 72.0}) and ints do not ({@code 72}); {@code type} is the Python type name and {@code repr}
 * the Python repr of answers without a number (bools, strings, NaN, huge ints).
 */
public final class ExecRecords {
    private ExecRecords() {
    }

    /** The program of an input line; a DataException names file, line and problem. */
    public static Program program(Path file, Jsonl.Line line) {
        JsonNode v = line.value();
        JsonNode id = v.get("id");
        if (id == null || !id.isValueNode() || id.isNull())
            throw new DataException(file, line.number(), "missing field 'id' (a string or number)");
        JsonNode sample = v.get("sample");
        if (sample != null && !sample.canConvertToInt())
            throw new DataException(file, line.number(), "field 'sample' must be an integer");
        if (!v.has("program") && !v.has("text"))
            throw new DataException(file, line.number(), "missing field 'program' (or its alias 'text')");
        String code = Jsonl.text(file, line, v.has("program") ? "program" : "text");
        return new Program(id.asText(), sample == null ? 0 : sample.asInt(), code, label(file, line));
    }

    private static Double label(Path file, Jsonl.Line line) {
        JsonNode a = line.value().get("answer");
        if (a == null || a.isNull()) return null;
        if (a.isNumber()) return a.asDouble();
        try {
            if (a.isTextual()) {
                String text = a.asText();
                return text.contains("####") ? Gsm8k.parseLabel(text) : Double.parseDouble(text.strip().replace(",", ""));
            }
        } catch (IllegalArgumentException e) {
            throw new DataException(file, line.number(), "field 'answer': " + e.getMessage());
        }
        throw new DataException(file, line.number(), "field 'answer' must be a number or a GSM8k answer string");
    }

    /** The one reader and writer of result records ({@code ekt exec}'s output, the execution stages' parts). */
    public static final RecordCodec<ExecRecord> CODEC = new RecordCodec<>() {
        @Override
        public void write(ExecRecord record, ObjectNode out) {
            ExecRecords.write(record.result(), out);
            if (record.program() != null) out.put("program", record.program());
        }

        @Override
        public ExecRecord read(Fields in) {
            String id = in.text("id");
            int sample = in.integer("sample");
            String statusName = in.text("status");
            ExecStatus status;
            try {
                status = ExecStatus.fromJson(statusName);
            } catch (IllegalArgumentException e) {
                throw in.error(e.getMessage());
            }
            JsonNode value = in.raw("value");
            String type = in.textOrNull("type"), repr = in.textOrNull("repr");
            AnswerValue answer;
            try {
                answer = status == ExecStatus.OK ? AnswerValue.fromRecord(type, value, repr) : null;
            } catch (IllegalArgumentException e) {
                throw in.error(e.getMessage());
            }
            ExecResult result = new ExecResult(id, sample, status, answer, in.boolOrNull("correct"), in.textOrNull("error"),
                    in.has("output") ? in.textOrNull("output") : null);
            return new ExecRecord(result, in.has("program") ? in.text("program") : null);
        }
    };

    private static void write(ExecResult r, ObjectNode o) {
        o.put("id", r.id());
        o.put("sample", r.sample());
        o.put("status", r.status().jsonName());
        AnswerValue v = r.value();
        Number n = v == null ? null : v.number();
        if (n instanceof BigInteger big) o.put("value", big);
        else if (n instanceof Long l) o.put("value", l);
        else if (n instanceof Double d && Double.isFinite(d)) o.put("value", d);
        else o.putNull("value");
        o.put("type", v == null ? null : v.type());
        o.put("repr", v == null ? null : v.repr());
        if (r.correct() == null) o.putNull("correct");
        else o.put("correct", r.correct());
        o.put("error", r.error());
        if (r.output() != null) o.put("output", r.output());
    }
}
