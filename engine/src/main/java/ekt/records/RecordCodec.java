package ekt.records;

import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How one record type is written to and read from a JSONL line. Each record type that stages
 * hand each other (samples, execution results, training pairs) has exactly one codec, so writer
 * and reader cannot drift apart; reading is strict (see {@link Fields}).
 *
 * @param <T> the record type
 */
public interface RecordCodec<T> {
    /** Puts the record's fields into {@code out}, in a stable order. */
    void write(T record, ObjectNode out);

    /** Builds a record from its fields; missing or mistyped fields throw through {@code in}. */
    T read(Fields in);

    /** The record as a JSON object. */
    default ObjectNode toJson(T record) {
        ObjectNode o = Json.object();
        write(record, o);
        return o;
    }

    /** The record as one JSONL line (no newline). */
    default String line(T record) {
        return Json.line(toJson(record));
    }

    /** The records as JSONL text: one line each, each ending in a newline. */
    default String lines(List<T> records) {
        StringBuilder sb = new StringBuilder();
        for (T r : records) sb.append(line(r)).append('\n');
        return sb.toString();
    }

    /** One parsed line of {@code file} as a record; unknown fields are errors. */
    default T read(Path file, Jsonl.Line line) {
        Fields fields = new Fields(file, line);
        T record = read(fields);
        fields.requireNoOthers();
        return record;
    }

    /** Every record of {@code file}, in order; the first malformed line throws a {@link DataException}. */
    default List<T> readAll(Path file) {
        List<T> out = new ArrayList<>();
        for (Jsonl.Line line : Jsonl.readStrict(file)) out.add(read(file, line));
        return out;
    }
}
