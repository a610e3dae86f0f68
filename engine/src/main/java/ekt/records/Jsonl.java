package ekt.records;

import com.fasterxml.jackson.databind.JsonNode;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * JSON Lines reading with per-line error reporting. A malformed line never stops the read: it is
 * reported (file, line number, problem) to an error sink and the remaining lines are still read.
 */
public final class Jsonl {
    private Jsonl() {
    }

    /**
     * A parsed line.
     *
     * @param number 1-based line number in the file
     * @param value  the line's JSON object
     */
    public record Line(long number, JsonNode value) {
    }

    /** Reads every object line; blank lines are skipped; malformed ones go to {@code errors}. */
    public static List<Line> read(Path file, Consumer<DataException> errors) {
        List<Line> out = new ArrayList<>();
        forEach(file, errors, out::add);
        return out;
    }

    /** Like {@link #read}, but hands each line to {@code lines} as it is read: for files too big to hold. */
    public static void forEach(Path file, Consumer<DataException> errors, Consumer<Line> lines) {
        if (!Files.isRegularFile(file)) throw new DataException(file, "file not found", null);
        // Lines are split as bytes (ISO-8859-1 maps each byte to one char; UTF-8 never puts a
        // newline byte inside a character) and decoded one by one, so invalid UTF-8 costs its
        // line, not the file.
        CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder();
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.ISO_8859_1)) {
            String raw;
            long n = 0;
            while ((raw = r.readLine()) != null) {
                n++;
                String text;
                try {
                    text = utf8.decode(ByteBuffer.wrap(raw.getBytes(StandardCharsets.ISO_8859_1))).toString();
                } catch (CharacterCodingException e) {
                    errors.accept(new DataException(file, n, "invalid UTF-8 (" + e + ")"));
                    continue;
                }
                if (text.isBlank()) continue;
                try {
                    JsonNode node = Json.MAPPER.readTree(text);
                    if (node == null || !node.isObject()) {
                        errors.accept(new DataException(file, n, "not a JSON object"));
                        continue;
                    }
                    lines.accept(new Line(n, node));
                } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
                    errors.accept(new DataException(file, n, "invalid JSON (" + e.getOriginalMessage() + ")"));
                }
            }
        } catch (IOException e) {
            throw new DataException(file, "cannot read: " + e, e);
        }
    }

    /** Reads, throwing on the first malformed line. */
    public static List<Line> readStrict(Path file) {
        return read(file, e -> {
            throw e;
        });
    }

    /** A required text field, or a DataException naming file, line and field. */
    public static String text(Path file, Line line, String field) {
        JsonNode v = line.value().get(field);
        if (v == null || v.isNull()) throw new DataException(file, line.number(), "missing field '" + field + "'");
        if (!v.isTextual()) throw new DataException(file, line.number(), "field '" + field + "' must be a string");
        return v.asText();
    }
}
