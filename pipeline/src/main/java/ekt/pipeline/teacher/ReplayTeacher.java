package ekt.pipeline.teacher;

import com.fasterxml.jackson.databind.JsonNode;
import ekt.records.DataException;
import ekt.records.Jsonl;

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
public final class ReplayTeacher implements Teacher {
    private final Path file;
    private final Map<String, List<Completion>> byId = new HashMap<>();

    public ReplayTeacher(Path file, String idPrefix, Consumer<DataException> errors) {
        this.file = file;
        for (Jsonl.Line line : Jsonl.read(file, errors)) {
            JsonNode r = line.value();
            try {
                Completion c = r.has("task_id") ? fromPaperLog(r, idPrefix) : fromSample(r, line);
                if (c == null) continue;
                List<Completion> list = byId.computeIfAbsent(c.id(), k -> new ArrayList<>());
                if (r.has("task_id") && !list.isEmpty()) continue;  // duplicate task in the paper log
                list.add(c);
            } catch (DataException e) {
                errors.accept(e);
            } catch (RuntimeException e) {
                errors.accept(new DataException(file, line.number(), e.getMessage()));
            }
        }
    }

    private Completion fromSample(JsonNode r, Jsonl.Line line) {
        String id = Jsonl.text(file, line, "id");
        String text = Jsonl.text(file, line, "text");
        if (!r.path("sample").canConvertToInt()) throw new DataException(file, line.number(), "field 'sample' must be an integer");
        return new Completion(id, r.get("sample").asInt(), text, new int[0], r.path("finish").asText("stop"), Double.NaN);
    }

    private static Completion fromPaperLog(JsonNode r, String idPrefix) {
        JsonNode gold = r.get("gold_solution");
        if (gold == null || !gold.isTextual()) return null;
        int first = 0;
        for (JsonNode flag : r.path("passed_lst")) {
            if (flag.asBoolean()) break;
            first++;
        }
        return new Completion(idPrefix + r.get("task_id").asInt(), first, gold.asText(), new int[0], "stop", Double.NaN);
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
    public void sample(List<PromptRequest> prompts, SamplingSpec spec, Consumer<Completion> sink) {
        for (PromptRequest p : prompts)
            for (Completion c : byId.getOrDefault(p.id(), List.of()))
                if (c.sample() < spec.n()) sink.accept(c);
    }
}
