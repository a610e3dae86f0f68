package ekt.sample;

import ekt.records.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ekt.core.Finish;

/**
 * One sample as written to JSONL: {@code {"id", "sample", "text", "tokens", "finish", "logprob",
 * "logprobs"}}. {@code text} is null without a tokenizer; {@code logprob} is the sum of
 * {@code logprobs}, the raw model's log-softmax (temperature 1, unfiltered) of each token;
 * {@code logprobs} may be null when not requested.
 */
public record SampleRecord(String id, int sample, String text, int[] tokens, Finish finish, double logprob,
                           float[] logprobs) {

    public String toJson() {
        ObjectNode o = Json.MAPPER.createObjectNode();
        o.put("id", id).put("sample", sample);
        if (text == null) o.putNull("text"); else o.put("text", text);
        ArrayNode t = o.putArray("tokens");
        for (int x : tokens) t.add(x);
        o.put("finish", finish.json()).put("logprob", logprob);
        if (logprobs != null) {
            ArrayNode l = o.putArray("logprobs");
            for (float x : logprobs) l.add(x);
        }
        return o.toString();
    }

    public static SampleRecord fromJson(String line) {
        try {
            JsonNode n = Json.MAPPER.readTree(line);
            int[] tokens = Json.MAPPER.convertValue(n.get("tokens"), int[].class);
            float[] logprobs = n.hasNonNull("logprobs") ? Json.MAPPER.convertValue(n.get("logprobs"), float[].class) : null;
            return new SampleRecord(n.get("id").asText(), n.get("sample").asInt(),
                    n.hasNonNull("text") ? n.get("text").asText() : null, tokens, Finish.fromJson(n.get("finish").asText()),
                    n.get("logprob").asDouble(), logprobs);
        } catch (java.io.IOException | RuntimeException e) {
            throw new IllegalArgumentException("malformed sample record: " + line, e);
        }
    }
}
