package ekt.bench;

import ekt.records.Json;
import com.fasterxml.jackson.databind.JsonNode;
import ekt.core.Model;
import ekt.serve.OpenAiServer;
import ekt.serve.ServeSettings;
import ekt.tokenizer.ByteLevelBpe;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * {@code ekt serve} under load, on loopback: 64 streaming clients, each asking for 64 tokens of a
 * random-weight GPT-2 (6 layers, d=512, 8 heads, ekt's 258-token vocabulary). {@code continuous}:
 * all 64 at once, joining the engine's running batch; {@code sequential}: the same requests one at
 * a time. One operation serves all 64; the benchmark prints the aggregate tokens/s of each.
 */
@BenchmarkMode(Mode.SingleShotTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 1)
@Measurement(iterations = 3)
@Fork(1)
public class ServeBenchmark {
    static final int CLIENTS = 64, TOKENS = 64;

    @State(Scope.Benchmark)
    public static class Server {
        @Param({"continuous", "sequential"})
        String mode;
        Path dir;
        Model model;
        OpenAiServer server;
        final HttpClient client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        final java.util.concurrent.ExecutorService clients = java.util.concurrent.Executors.newFixedThreadPool(CLIENTS);

        @Setup(Level.Trial)
        public void setup() throws IOException {
            dir = Files.createTempDirectory("ekt-bench-serve");
            ByteLevelBpe tokenizer = ByteLevelBpe.smallVocabulary();
            RandomCheckpoint.gpt2(dir, 6, 512, 8, tokenizer.vocabSize(), 1024, 1);
            tokenizer.save(dir);
            model = Model.load(dir);
            server = new OpenAiServer(model, tokenizer, dir, ServeSettings.defaults("bench"), "127.0.0.1", 0, line -> { });
        }

        @TearDown(Level.Trial)
        public void close() throws IOException {
            clients.shutdownNow();
            server.close();
            model.close();
            try (var files = Files.walk(dir)) {
                for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
            }
        }

        /** Streams one request to its end; returns its completion tokens (from the usage chunk). */
        long stream(int i) throws IOException, InterruptedException {
            String body = "{\"prompt\": \"Mia has " + i + " apples and buys some more.\", \"max_tokens\": " + TOKENS + ", \"seed\": " + i
                    + ", \"temperature\": 0.6, \"stream\": true, \"stream_options\": {\"include_usage\": true}}";
            HttpResponse<InputStream> r = client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + "/v1/completions"))
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofInputStream());
            if (r.statusCode() != 200) throw new IllegalStateException("HTTP " + r.statusCode());
            long tokens = 0;
            try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                for (String line; (line = in.readLine()) != null; ) {
                    if (!line.startsWith("data: {")) continue;
                    JsonNode usage = Json.MAPPER.readTree(line.substring(6)).get("usage");
                    if (usage != null) tokens = usage.get("completion_tokens").asLong();
                }
            }
            return tokens;
        }
    }

    @Benchmark
    public long serve(Server s) throws Exception {
        long start = System.nanoTime(), tokens = 0;
        if (s.mode.equals("sequential")) {
            for (int i = 0; i < CLIENTS; i++) tokens += s.stream(i);
        } else {
            List<CompletableFuture<Long>> all = new ArrayList<>();
            for (int i = 0; i < CLIENTS; i++) {
                final int c = i;
                all.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        return s.stream(c);
                    } catch (Exception e) {
                        throw new IllegalStateException(e);
                    }
                }, s.clients));
            }
            for (CompletableFuture<Long> f : all) tokens += f.get();
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("[serve] mode=%s clients=%d tokens=%d seconds=%.2f tokens/s=%.0f%n", s.mode, CLIENTS, tokens, seconds, tokens / seconds);
        return tokens;
    }
}
