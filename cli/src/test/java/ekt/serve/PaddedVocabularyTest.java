package ekt.serve;

import com.fasterxml.jackson.databind.JsonNode;
import ekt.records.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A model with more embedding rows than its tokenizer has tokens (GPT-J's 50400 over GPT-2's 50257,
 * Qwen2's padding) may sample the others: the server answers with them as tokens that add no text,
 * as Hugging Face's decode drops them, instead of failing the request.
 */
class PaddedVocabularyTest {
    @Test
    void sampledIdsPastTheTokenizerAddNoText(@TempDir Path dir) throws Exception {
        try (TinyServer tiny = new TinyServer(dir, null, TinyServer.settings(), 200)) {
            int known = tiny.tokenizer.vocabSize();
            String body = Json.line(Json.object().put("model", TinyServer.NAME).put("prompt", "a").put("max_tokens", 24)
                    .put("temperature", 2.0).put("n", 16).put("seed", 1).put("logprobs", 2).put("return_tokens_as_token_ids", true));
            HttpResponse<String> r = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(tiny.baseUrl() + "/completions"))
                    .header("Authorization", "Bearer " + TinyServer.KEY).POST(HttpRequest.BodyPublishers.ofString(body)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, r.statusCode(), r.body());
            int past = 0;
            for (JsonNode choice : Json.MAPPER.readTree(r.body()).get("choices")) {
                List<Integer> knownIds = new ArrayList<>();
                for (JsonNode token : choice.get("logprobs").get("tokens")) {
                    int id = Integer.parseInt(token.asText().substring("token_id:".length()));
                    if (id < known) knownIds.add(id);
                    else past++;
                }
                String expected = tiny.tokenizer.decode(knownIds.stream().mapToInt(Integer::intValue).toArray());
                assertEquals(expected, choice.get("text").asText(), r.body());
            }
            assertTrue(past > 0, "the test needs sampled ids past the tokenizer's vocabulary");
        }
    }
}
