package ekt.data;

import ekt.records.Json;
import ekt.records.Jsonl;
import ekt.records.DataException;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * GSM8k and generic problem files. GSM8k records are {@code {"question", "answer": "...#### 1,234"}};
 * generic records are {@code {"id", "question", "answer": number}}. Only the final number is kept:
 * the rationale is never used (weak supervision).
 */
public final class Gsm8k {
    private static final Pattern LABEL = Pattern.compile("####\\s*(-?[0-9][0-9,]*(?:\\.[0-9]+)?)\\s*$");

    private Gsm8k() {
    }

    /** {@code "... #### 1,234"} → 1234 (commas removed, negatives kept), as the paper parses it. */
    public static double parseLabel(String answer) {
        Matcher m = LABEL.matcher(answer.strip());
        if (!m.find()) throw new IllegalArgumentException("no '#### <number>' final answer in: " + tail(answer));
        return Double.parseDouble(m.group(1).replace(",", ""));
    }

    /**
     * Loads problems from GSM8k or generic JSONL. Ids are the record's {@code id} if present, else
     * {@code <prefix><line index>}. Malformed lines are reported to {@code errors} and skipped.
     */
    public static List<Problem> load(Path file, String idPrefix, Consumer<DataException> errors) {
        List<Problem> out = new ArrayList<>();
        int index = 0;
        for (Jsonl.Line line : Jsonl.read(file, errors)) {
            int taskId = index++;
            try {
                String question = Jsonl.text(file, line, "question");
                JsonNode a = line.value().get("answer");
                if (a == null || a.isNull()) throw new DataException(file, line.number(), "missing field 'answer'");
                double answer;
                if (a.isNumber()) {
                    answer = a.asDouble();
                } else if (a.isTextual()) {
                    try {
                        answer = parseLabel(a.asText());
                    } catch (IllegalArgumentException e) {
                        throw new DataException(file, line.number(), "field 'answer': " + e.getMessage());
                    }
                } else {
                    throw new DataException(file, line.number(), "field 'answer' must be a number or a GSM8k answer string");
                }
                JsonNode id = line.value().get("id");
                out.add(new Problem(id != null && !id.isNull() ? id.asText() : idPrefix + taskId, taskId, question, answer));
            } catch (DataException e) {
                errors.accept(e);
            }
        }
        return out;
    }

    /** The paper's dev indices (a JSON array of ints into the train file). */
    public static Set<Integer> readIndices(Path file) {
        try {
            JsonNode n = Json.MAPPER.readTree(Files.readString(file));
            if (n == null || !n.isArray()) throw new DataException(file, "expected a JSON array of indices", null);
            Set<Integer> out = new HashSet<>();
            for (JsonNode i : n) {
                if (!i.canConvertToInt()) throw new DataException(file, "non-integer index " + i, null);
                out.add(i.asInt());
            }
            return out;
        } catch (IOException e) {
            throw new DataException(file, "cannot read indices: " + e.getMessage(), e);
        }
    }

    /**
     * The paper's splits of the official train file.
     *
     * @param train the problems not in the dev indices, in file order
     * @param dev   the problems whose index is listed, in file order
     */
    public record Splits(List<Problem> train, List<Problem> dev) {
    }

    /**
     * Splits the official train file as the paper does: dev = the listed indices, train = the rest.
     *
     * @param devIndices {@link Problem#index()} values of the dev problems (from {@link #readIndices})
     */
    public static Splits split(List<Problem> trainFile, Set<Integer> devIndices) {
        List<Problem> train = new ArrayList<>(), dev = new ArrayList<>();
        for (Problem p : trainFile) (devIndices.contains(p.index()) ? dev : train).add(p);
        return new Splits(train, dev);
    }

    private static String tail(String s) {
        return s.length() <= 60 ? s : "..." + s.substring(s.length() - 60);
    }
}
