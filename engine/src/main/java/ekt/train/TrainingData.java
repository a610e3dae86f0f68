package ekt.train;

import com.fasterxml.jackson.databind.JsonNode;
import ekt.records.Jsonl;
import ekt.sample.TextCodec;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads training pairs from JSONL, one object per line:
 * <pre>
 *   {"id": str, "prompt": str, "completion": str}                     (needs a {@link TextCodec})
 *   {"id": str, "prompt_tokens": [int], "completion_tokens": [int]}
 * </pre>
 * Text records are encoded as one string (prompt + completion), so tokens that span the
 * boundary come out as a tokenizer would produce them for the whole text; the prompt is the
 * longest prefix of that encoding that agrees with the encoding of the prompt alone.
 * Malformed lines fail with the file name and line number.
 */
public final class TrainingData {

    private TrainingData() {
    }

    /** @param codec null if the file holds only token records */
    public static List<TrainingExample> read(Path file, TextCodec codec) {
        List<TrainingExample> out = new ArrayList<>();
        for (Jsonl.Line line : Jsonl.readStrict(file)) out.add(parse(line.value(), codec, file + ":" + line.number()));
        if (out.isEmpty()) throw new IllegalArgumentException(file + ": no training examples");
        return out;
    }

    static TrainingExample parse(JsonNode n, TextCodec codec, String where) {
        JsonNode id = n.get("id");
        if (id == null || !(id.isTextual() || id.isIntegralNumber())) throw new IllegalArgumentException(where + ": missing string 'id'");
        if (n.has("prompt_tokens") || n.has("completion_tokens"))
            return new TrainingExample(id.asText(), tokens(n, "prompt_tokens", where), tokens(n, "completion_tokens", where));
        JsonNode prompt = n.get("prompt"), completion = n.get("completion");
        if (prompt == null || completion == null || !prompt.isTextual() || !completion.isTextual())
            throw new IllegalArgumentException(where + ": needs string fields 'prompt' and 'completion' (or 'prompt_tokens' and 'completion_tokens')");
        if (codec == null)
            throw new IllegalArgumentException(where + ": text record but no tokenizer is configured; give token records "
                    + "(prompt_tokens, completion_tokens) or a text codec");
        return encode(id.asText(), prompt.asText(), completion.asText(), codec);
    }

    static TrainingExample encode(String id, String prompt, String completion, TextCodec codec) {
        int[] whole = codec.encode(prompt + completion), alone = codec.encode(prompt);
        int p = 0;
        while (p < alone.length && p < whole.length && alone[p] == whole[p]) p++;
        return new TrainingExample(id, java.util.Arrays.copyOf(whole, p), java.util.Arrays.copyOfRange(whole, p, whole.length));
    }

    private static int[] tokens(JsonNode n, String field, String where) {
        JsonNode a = n.get(field);
        if (a == null || !a.isArray()) throw new IllegalArgumentException(where + ": '" + field + "' must be an array of token ids");
        int[] out = new int[a.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode t = a.get(i);
            if (!t.isIntegralNumber() || !t.canConvertToInt() || t.asInt() < 0)
                throw new IllegalArgumentException(where + ": '" + field + "'[" + i + "] is not a token id: " + t);
            out[i] = t.asInt();
        }
        return out;
    }
}
