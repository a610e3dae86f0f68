package ekt.serve;

import ekt.records.Json;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * 64 concurrent streaming clients on loopback against a tiny model (bounded: 64 requests of at most
 * 24 tokens, 2 minutes at most): every stream completes with [DONE] and carries exactly the tokens
 * of the same request answered whole; with a queue bound of 16, clients past the bound get 429
 * with Retry-After and every accepted one completes.
 */
class ServeLoadTest {
    static final int CLIENTS = 64;
    final HttpClient client = HttpClient.newHttpClient();

    String body(int i, boolean stream) {
        return "{\"prompt\": \"Mia has " + i + " apples.\", \"max_tokens\": " + (8 + i % 17) + ", \"seed\": " + i + ", \"n\": " + (1 + i % 3)
                + ", \"logprobs\": 1" + (stream ? ", \"stream\": true" : "") + "}";
    }

    HttpRequest request(TinyServer tiny, String body) {
        return HttpRequest.newBuilder(URI.create(tiny.baseUrl() + "/completions")).header("Authorization", "Bearer " + TinyServer.KEY)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build();
    }

    /** A stream's events: per choice index, the concatenated text and tokens; fails without a final [DONE]. */
    static List<StringBuilder[]> read(InputStream in, int choices) throws IOException {
        StringBuilder[] text = new StringBuilder[choices], tokens = new StringBuilder[choices];
        for (int c = 0; c < choices; c++) {
            text[c] = new StringBuilder();
            tokens[c] = new StringBuilder();
        }
        boolean done = false;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (!line.startsWith("data: ")) continue;
                String data = line.substring(6);
                if (data.equals("[DONE]")) {
                    done = true;
                    continue;
                }
                assertTrue(!done, "an event after [DONE]");
                for (JsonNode c : Json.MAPPER.readTree(data).get("choices")) {
                    int i = c.get("index").asInt();
                    text[i].append(c.get("text").asText());
                    for (JsonNode t : c.get("logprobs").get("tokens")) tokens[i].append(t.asText()).append('\u0001');
                }
            }
        }
        assertTrue(done, "the stream ended without [DONE]");
        return List.of(text, tokens);
    }

    @Test
    void concurrentStreamsAllCompleteWithNothingLostOrDuplicated(@TempDir Path dir) throws Exception {
        try (TinyServer tiny = new TinyServer(dir.resolve("m"), null, TinyServer.settings())) {
            List<CompletableFuture<HttpResponse<InputStream>>> streams = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) streams.add(client.sendAsync(request(tiny, body(i, true)), HttpResponse.BodyHandlers.ofInputStream()));
            for (int i = 0; i < CLIENTS; i++) {
                HttpResponse<InputStream> r = streams.get(i).get(120, TimeUnit.SECONDS);
                assertEquals(200, r.statusCode());
                List<StringBuilder[]> got = read(r.body(), 1 + i % 3);
                JsonNode whole = Json.MAPPER.readTree(client.send(request(tiny, body(i, false)), HttpResponse.BodyHandlers.ofString()).body());
                for (JsonNode c : whole.get("choices")) {
                    int k = c.get("index").asInt();
                    assertEquals(c.get("text").asText(), got.get(0)[k].toString(), "client " + i + " choice " + k);
                    StringBuilder tokens = new StringBuilder();
                    for (JsonNode t : c.get("logprobs").get("tokens")) tokens.append(t.asText()).append('\u0001');
                    assertEquals(tokens.toString(), got.get(1)[k].toString(), "client " + i + " choice " + k + " tokens");
                }
            }
        }
    }

    @Test
    void pastTheQueueBoundClientsGet429(@TempDir Path dir) throws Exception {
        try (TinyServer tiny = new TinyServer(dir.resolve("m"), null, TinyServer.settings().withMaxRequests(16))) {
            List<CompletableFuture<HttpResponse<InputStream>>> streams = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) streams.add(client.sendAsync(request(tiny, body(i, true)), HttpResponse.BodyHandlers.ofInputStream()));
            int accepted = 0, refused = 0;
            for (int i = 0; i < CLIENTS; i++) {
                HttpResponse<InputStream> r = streams.get(i).get(120, TimeUnit.SECONDS);
                if (r.statusCode() == 429) {
                    refused++;
                    assertTrue(r.headers().firstValue("Retry-After").isPresent());
                    assertEquals("rate_limit_error", Json.MAPPER.readTree(r.body().readAllBytes()).get("error").get("type").asText());
                } else {
                    assertEquals(200, r.statusCode());
                    read(r.body(), 1 + i % 3);
                    accepted++;
                }
            }
            assertEquals(CLIENTS, accepted + refused);
            assertTrue(accepted >= 16, accepted + " accepted: the bound is 16, so at least 16 are served");
        }
    }
}
