package ekt.pipeline.teacher;

import com.fasterxml.jackson.databind.JsonNode;
import ekt.records.DataException;
import ekt.records.Jsonl;
import ekt.core.Finish;
import ekt.core.SamplingOptions;
import ekt.sample.Completer;
import ekt.sample.SamplePrompt;
import ekt.sample.SampleRecord;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * Replays recorded samples instead of generating. Two record formats:
 * <ul>
 * <li>the project's sample records {@code {"id", "sample", "text", ...}};</li>
 * <li>the paper's teacher logs {@code {"task_id", "gold_solution", "passed_lst", ...}}, which keep only
 * the first passing program of each problem: it is replayed as sample {@code passed_lst.index(True)}
 * with id {@code idPrefix + task_id}; problems without one replay nothing.</li>
 * </ul>
 * Malformed lines are reported and skipped. A problem recorded twice keeps its first record.
 */
public final class ReplayCompleter implements Completer {
    private final Path file;
    private final Map<String, List<SampleRecord>> byId = new HashMap<>();

    /** Reads {@code file}; paper-log ids get {@code idPrefix}; malformed lines go to {@code errors}. */
    public ReplayCompleter(Path file, String idPrefix, Consumer<DataException> errors) {
        this.file = file;
        for (Jsonl.Line line : Jsonl.read(file, errors)) {
            JsonNode r = line.value();
            try {
                SampleRecord c = r.has("task_id") ? fromPaperLog(r, idPrefix) : fromSample(r, line);
                if (c == null) continue;
                List<SampleRecord> list = byId.computeIfAbsent(c.id(), k -> new ArrayList<>());
                if (r.has("task_id") && !list.isEmpty()) continue;  // duplicate task in the paper log
                list.add(c);
            } catch (DataException e) {
                errors.accept(e);
            } catch (RuntimeException e) {
                errors.accept(new DataException(file, line.number(), e.getMessage()));
            }
        }
    }

    private SampleRecord fromSample(JsonNode r, Jsonl.Line line) {
        String id = Jsonl.text(file, line, "id");
        String text = Jsonl.text(file, line, "text");
        if (!r.path("sample").canConvertToInt()) throw new DataException(file, line.number(), "field 'sample' must be an integer");
        Finish finish;
        try {
            finish = Finish.fromJson(r.path("finish").asText("stop"));
        } catch (IllegalArgumentException e) {
            throw new DataException(file, line.number(), "field 'finish' must be stop, eos or length");
        }
        return SampleRecord.ofText(id, r.get("sample").asInt(), text, finish, Double.NaN);
    }

    private static SampleRecord fromPaperLog(JsonNode r, String idPrefix) {
        JsonNode gold = r.get("gold_solution");
        if (gold == null || !gold.isTextual()) return null;
        int first = 0;
        for (JsonNode flag : r.path("passed_lst")) {
            if (flag.asBoolean()) break;
            first++;
        }
        return SampleRecord.ofText(idPrefix + r.get("task_id").asInt(), first, gold.asText(), Finish.STOP, Double.NaN);
    }

    @Override
    public String describe() {
        return "replay:" + file;
    }

    /** How many prompts have recorded completions. */
    public int recordedPrompts() {
        return byId.size();
    }

    @Override
    public void complete(List<SamplePrompt> prompts, SamplingOptions spec, Consumer<SampleRecord> sink) {
        for (SamplePrompt p : prompts)
            for (SampleRecord c : byId.getOrDefault(p.id(), List.of()))
                if (c.sample() < spec.n()) sink.accept(c);
    }
}
