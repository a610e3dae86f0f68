package ekt.pipeline.teacher;

import ekt.records.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One sampled completion, the project's sample record:
 * {@code {"id", "sample", "text", "tokens", "finish": "stop"|"eos"|"length", "logprob"}}.
 * {@code tokens} may be empty (HTTP and replay teachers do not always know them).
 */
public record Completion(String id, int sample, String text, int[] tokens, String finish, double logprob) {
    public ObjectNode toJson() {
        ObjectNode o = Json.object();
        o.put("id", id);
        o.put("sample", sample);
        o.put("text", text);
        var arr = o.putArray("tokens");
        for (int t : tokens) arr.add(t);
        o.put("finish", finish);
        if (Double.isFinite(logprob)) o.put("logprob", logprob);
        else o.putNull("logprob");
        return o;
    }

    public static Completion fromJson(JsonNode o) {
        JsonNode t = o.path("tokens");
        int[] tokens = new int[t.size()];
        for (int i = 0; i < tokens.length; i++) tokens[i] = t.get(i).asInt();
        JsonNode lp = o.get("logprob");
        return new Completion(o.get("id").asText(), o.get("sample").asInt(), o.get("text").asText(), tokens,
                o.path("finish").asText("stop"), lp == null || lp.isNull() ? Double.NaN : lp.asDouble());
    }
}
