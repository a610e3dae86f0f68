package ekt.pipeline.teacher;

import ekt.records.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import ekt.core.Finish;
import ekt.core.SamplingOptions;
import ekt.core.StopString;
import ekt.sample.SamplePrompt;
import ekt.sample.SampleRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The HTTP teacher against a real local HTTP server speaking the OpenAI completions protocol. */
class HttpCompleterTest {
    HttpServer server;
    final List<JsonNode> bodies = Collections.synchronizedList(new ArrayList<>());
    final Map<String, AtomicInteger> attempts = new ConcurrentHashMap<>();

    URI start(int failuresPerPrompt, int status) throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/completions", ex -> {
            JsonNode body = Json.MAPPER.readTree(ex.getRequestBody().readAllBytes());
            bodies.add(body);
            String prompt = body.get("prompt").asText();
            int attempt = attempts.computeIfAbsent(prompt, k -> new AtomicInteger()).incrementAndGet();
            byte[] out;
            if (attempt <= failuresPerPrompt) {
                ex.getResponseHeaders().add("Retry-After", "0.01");
                out = "{\"error\":\"slow down\"}".getBytes(StandardCharsets.UTF_8);
                ex.sendResponseHeaders(status, out.length);
            } else {
                ObjectNode r = Json.object();
                var choices = r.putArray("choices");
                for (int j = 0; j < body.get("n").asInt(); j++) {
                    ObjectNode c = choices.addObject();
                    c.put("index", j);
                    c.put("text", "\nanswer = " + prompt.length() + "." + j + "\n");
                    c.put("finish_reason", j % 2 == 0 ? "stop" : "length");
                    c.putObject("logprobs").putArray("token_logprobs").add(-0.5).add(-0.25);
                }
                out = Json.line(r).getBytes(StandardCharsets.UTF_8);
                ex.sendResponseHeaders(200, out.length);
            }
            try (OutputStream os = ex.getResponseBody()) {
                os.write(out);
            }
        });
        server.start();
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    @AfterEach
    void stop() {
        if (server != null) server.stop(0);
    }

    static final SamplingOptions PAPER = SamplingOptions.builder().n(2).temperature(0.6).topK(50).maxNewTokens(150).seed(1).build();

    HttpCompleter teacher(URI url, int retries) {
        return new HttpCompleter(url, new HttpCompleter.Options("tiny", "secret", 3, 0, retries, Duration.ofSeconds(20), Duration.ofMillis(10), true));
    }

    @Test
    void retriesRateLimitsAndCollectsEveryChoice() throws IOException {
        URI url = start(2, 429);
        List<SamplePrompt> prompts = List.of(SamplePrompt.ofText("a", "# one"), SamplePrompt.ofText("b", "# three"), SamplePrompt.ofText("c", "# x"));
        List<SampleRecord> got = Collections.synchronizedList(new ArrayList<>());
        SamplingOptions options = SamplingOptions.builder().n(4).temperature(0.6).topK(50).topP(0.95).maxNewTokens(150)
                .stopStrings(List.of(StopString.of("\n\n"))).seed(7).build();
        teacher(url, 3).complete(prompts, options, got::add);
        assertEquals(12, got.size());
        for (SamplePrompt p : prompts) {
            assertEquals(3, attempts.get(p.text()).get(), "two 429s then success for " + p.id());
            List<SampleRecord> mine = got.stream().filter(c -> c.id().equals(p.id())).sorted(java.util.Comparator.comparingInt(SampleRecord::sample)).toList();
            assertEquals(List.of(0, 1, 2, 3), mine.stream().map(SampleRecord::sample).toList());
            assertEquals("\nanswer = " + p.text().length() + ".1\n", mine.get(1).text());
            assertEquals(Finish.LENGTH, mine.get(1).finish());
            assertEquals(-0.75, mine.get(0).logprob(), 1e-12);
        }
        JsonNode b = bodies.get(bodies.size() - 1);
        assertEquals("tiny", b.get("model").asText());
        assertEquals(0.6, b.get("temperature").asDouble());
        assertEquals(0.95, b.get("top_p").asDouble());
        assertEquals(50, b.get("top_k").asInt());
        assertEquals(150, b.get("max_tokens").asInt());
        assertEquals("\n\n", b.get("stop").get(0).asText());
        // the same prompt id always gets the same seed; different ids differ
        long seedA = bodies.stream().filter(x -> x.get("prompt").asText().equals("# one")).map(x -> x.get("seed").asLong()).distinct().count();
        assertEquals(1, seedA);
        assertTrue(HttpCompleter.seedFor(7, "a") != HttpCompleter.seedFor(7, "b"));
    }

    @Test
    void givesUpAfterTheRetryBudgetWithTheServersMessage() throws IOException {
        URI url = start(100, 503);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> teacher(url, 2).complete(List.of(SamplePrompt.ofText("a", "# q")), PAPER, c -> { }));
        assertTrue(e.getMessage().contains("after 3 attempts") && e.getMessage().contains("HTTP 503"), e.getMessage());
    }

    @Test
    void clientErrorsAreNotRetried() throws IOException {
        URI url = start(100, 400);
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> teacher(url, 5).complete(List.of(SamplePrompt.ofText("a", "# q")), PAPER, c -> { }));
        assertTrue(e.getMessage().contains("rejected prompt a") && e.getMessage().contains("slow down"), e.getMessage());
        assertEquals(1, attempts.get("# q").get());
    }

    @Test
    void stopRulesTheApiCannotExpressAreRefused() {
        HttpCompleter completer = teacher(URI.create("http://127.0.0.1:9"), 0);
        List<SamplePrompt> prompt = List.of(SamplePrompt.ofText("a", "# q"));
        IllegalArgumentException lines = assertThrows(IllegalArgumentException.class, () -> completer.complete(prompt,
                PAPER.toBuilder().stopStrings(List.of(StopString.line("answer"))).build(), c -> { }));
        assertTrue(lines.getMessage().contains("cannot stop on"), lines.getMessage());
        IllegalArgumentException ids = assertThrows(IllegalArgumentException.class, () -> completer.complete(prompt,
                PAPER.toBuilder().stopTokens(List.of(new int[]{50256})).build(), c -> { }));
        assertTrue(ids.getMessage().contains("token ids"), ids.getMessage());
        IllegalArgumentException tokens = assertThrows(IllegalArgumentException.class, () -> completer.complete(
                List.of(SamplePrompt.ofTokens("a", new int[]{1})), PAPER, c -> { }));
        assertTrue(tokens.getMessage().contains("completes text prompts"), tokens.getMessage());
    }
}
