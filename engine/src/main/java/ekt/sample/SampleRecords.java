package ekt.sample;

import ekt.records.DataException;
import ekt.records.Json;
import ekt.records.Jsonl;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** JSONL files of prompts and samples. */
public final class SampleRecords {

    private SampleRecords() {
    }

    /** Reads prompt records; blank lines are skipped; errors name the file and line. */
    public static List<SamplePrompt> readPrompts(Path file) {
        List<SamplePrompt> out = new ArrayList<>();
        for (Jsonl.Line line : Jsonl.readStrict(file)) {
            JsonNode n = line.value();
            try {
                if (!n.hasNonNull("id")) throw new IllegalArgumentException("needs an \"id\"");
                String id = n.get("id").asText();
                if (n.hasNonNull("tokens")) {
                    if (n.has("prompt")) throw new IllegalArgumentException("has both \"prompt\" and \"tokens\"");
                    out.add(SamplePrompt.ofTokens(id, tokenIds(n.get("tokens"))));
                } else if (n.hasNonNull("prompt")) {
                    out.add(SamplePrompt.ofText(id, n.get("prompt").asText()));
                } else {
                    throw new IllegalArgumentException("needs \"prompt\" (text) or \"tokens\" (ids)");
                }
            } catch (IllegalArgumentException e) {
                throw new DataException(file, line.number(), "bad prompt record: " + e.getMessage());
            }
        }
        return out;
    }

    /** Token ids as written: a list of integers >= 0 (1.5 or "7" are errors, not rounded or parsed). */
    private static int[] tokenIds(JsonNode list) {
        if (!list.isArray()) throw new IllegalArgumentException("\"tokens\" must be a list of token ids, got " + list);
        int[] ids = new int[list.size()];
        for (int i = 0; i < ids.length; i++) {
            JsonNode v = list.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < 0)
                throw new IllegalArgumentException("\"tokens\"[" + i + "] must be a token id (an integer >= 0), got " + v);
            ids[i] = v.asInt();
        }
        return ids;
    }

    /**
     * For resuming: keeps only the prompts of an existing sample file that have all {@code n}
     * samples (an interrupted run may leave a partial prompt or a torn last line), rewriting the
     * file atomically; returns their ids.
     */
    public static Set<String> keepComplete(Path file, int n) {
        if (!Files.exists(file)) return Set.of();
        Map<String, List<String>> lines = new LinkedHashMap<>();
        try (BufferedReader r = Files.newBufferedReader(file)) {
            String line;
            while ((line = r.readLine()) != null) {
                if (line.isBlank()) continue;
                String id;
                try {
                    id = Json.MAPPER.readTree(line).get("id").asText();
                } catch (IOException | RuntimeException e) {
                    break;  // torn last line
                }
                lines.computeIfAbsent(id, k -> new ArrayList<>()).add(line);
            }
            lines.values().removeIf(l -> l.size() != n);
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            try (BufferedWriter w = Files.newBufferedWriter(tmp)) {
                for (List<String> l : lines.values()) for (String x : l) w.write(x + "\n");
            }
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot resume from " + file, e);
        }
        return lines.keySet();
    }
}
