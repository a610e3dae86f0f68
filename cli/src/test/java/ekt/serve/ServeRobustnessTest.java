package ekt.serve;

import ekt.records.Json;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
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

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Hostile and careless clients against `ekt serve` (header and body deadlines of 4 s, 1 MiB body
 * limit): slow clients do not hold up others, a client that leaves stops its generation within a
 * decode step, oversize bodies get 413, wrong types get 400 naming the field, and memory goes
 * back to its idle level after a burst.
 */
class ServeRobustnessTest {
    @TempDir
    static Path dir;
    static TinyServer tiny;
    static final HttpClient CLIENT = HttpClient.newHttpClient();

    @BeforeAll
    static void start() throws IOException {
        tiny = new TinyServer(dir.resolve("model"), null, TinyServer.settings());
    }

    @AfterAll
    static void stop() {
        if (tiny != null) tiny.close();
    }

    static HttpResponse<String> post(String path, String body) throws IOException, InterruptedException {
        return CLIENT.send(HttpRequest.newBuilder(URI.create(tiny.baseUrl() + path)).header("Authorization", "Bearer " + TinyServer.KEY)
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
    }

    static Socket connect() throws IOException {
        Socket s = new Socket("127.0.0.1", tiny.server.port());
        s.setSoTimeout(30_000);
        return s;
    }

    /** Reads a whole response off a raw socket (until the server closes it). */
    static String readAll(Socket s) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        InputStream in = s.getInputStream();
        byte[] b = new byte[4096];
        for (int n; (n = in.read(b)) > 0; ) out.write(b, 0, n);
        return out.toString(StandardCharsets.UTF_8);
    }

    static long metric(String name) throws IOException, InterruptedException {
        String text = CLIENT.send(HttpRequest.newBuilder(URI.create(tiny.baseUrl().replace("/v1", "/metrics"))).build(),
                HttpResponse.BodyHandlers.ofString()).body();
        for (String line : text.split("\n")) if (line.startsWith(name + " ")) return (long) Double.parseDouble(line.substring(name.length() + 1));
        throw new AssertionError(name + " missing from /metrics:\n" + text);
    }

    @Test
    void slowHeaderAndSlowBodyClientsDoNotDelayOthers() throws Exception {
        assertEquals(200, post("/completions", "{\"prompt\": \"x = 1\", \"max_tokens\": 4}").statusCode());  // warm
        try (Socket slowHeader = connect(); Socket slowBody = connect()) {
            slowHeader.getOutputStream().write("POST /v1/completions HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
            slowBody.getOutputStream().write(("POST /v1/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TinyServer.KEY
                    + "\r\nContent-Length: 1000\r\n\r\n{\"prompt\": ").getBytes(StandardCharsets.US_ASCII));
            CompletableFuture<String> header = CompletableFuture.supplyAsync(() -> read(slowHeader));
            CompletableFuture<String> body = CompletableFuture.supplyAsync(() -> read(slowBody));
            // Others are served meanwhile, and before the slow clients' deadlines end their connections.
            for (int i = 0; i < 3; i++) {
                HttpResponse<String> r = post("/completions", "{\"prompt\": \"x = 1\", \"max_tokens\": 4}");
                assertEquals(200, r.statusCode(), r.body());
            }
            assertFalse(header.isDone() || body.isDone(), "the slow clients were cut off before the others were served");
            assertTrue(header.get().startsWith("HTTP/1.1 408"), header.get());
            assertTrue(body.get().startsWith("HTTP/1.1 408"), body.get());
        }
    }

    @Test
    void tricklingHeadersAreCutAtTheDeadline() throws Exception {
        try (Socket s = connect()) {
            OutputStream out = s.getOutputStream();
            out.write("POST /v1/completions HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
            long start = System.nanoTime();
            CompletableFuture<Long> answered = CompletableFuture.supplyAsync(() -> {
                String line = firstLine(s);
                assertTrue(line.startsWith("HTTP/1.1 408"), line);
                return System.nanoTime();
            });
            try {
                for (int i = 0; i < 100 && !answered.isDone(); i++) {  // a byte every 100 ms keeps a per-read timeout alive forever
                    out.write('X');
                    out.flush();
                    Thread.sleep(100);
                }
            } catch (IOException closed) {
                // the server closed the connection: expected
            }
            assertTrue(answered.get() - start < 7_500_000_000L, "answered at the 4 s header deadline, not when the client stopped");
        }
    }

    static String firstLine(Socket s) {
        try {
            InputStream in = s.getInputStream();
            StringBuilder line = new StringBuilder();
            for (int c; (c = in.read()) >= 0 && c != '\n'; ) line.append((char) c);
            return line.toString();
        } catch (IOException e) {
            return e.toString();
        }
    }

    @Test
    void oversizeBodiesGet413BeforeBeingRead() throws Exception {
        try (Socket s = connect()) {
            s.getOutputStream().write(("POST /v1/completions HTTP/1.1\r\nHost: x\r\nContent-Length: " + (512L << 20) + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            String answer = readAll(s);
            assertTrue(answer.startsWith("HTTP/1.1 413"), answer);
            assertTrue(answer.contains("\"error\""), answer);
        }
        HttpResponse<String> r = post("/completions", "{\"prompt\": \"" + "x".repeat(2 << 20) + "\"}");
        assertEquals(413, r.statusCode());
    }

    @Test
    void wrongTypesAndOutOfRangeValuesName400sField() throws Exception {
        for (String[] c : new String[][]{{"\"n\": \"many\"", "n"}, {"\"temperature\": \"hot\"", "temperature"}, {"\"top_k\": -3", "top_k"},
                {"\"n\": 2147483647", "n"}, {"\"max_tokens\": \"ten\"", "max_tokens"}, {"\"max_tokens\": 10.5", "max_tokens"},
                {"\"stream\": \"yes\"", "stream"}, {"\"echo\": 1", "echo"}, {"\"seed\": 1e30", "seed"}}) {
            HttpResponse<String> r = post("/completions", "{\"prompt\": \"x\", " + c[0] + "}");
            assertEquals(400, r.statusCode(), c[0] + ": " + r.body());
            JsonNode error = Json.MAPPER.readTree(r.body()).get("error");
            assertEquals(c[1], error.get("param").asText(), r.body());
            assertTrue(error.has("message") && error.has("type") && error.has("code"), r.body());
        }
    }

    @Test
    void aClientThatLeavesStopsItsGenerationWithinADecodeStep() throws Exception {
        long cancelledBefore = metric("ekt_cancelled_requests_total");
        try (Socket s = connect()) {
            String body = "{\"prompt\": \"x\", \"n\": 10, \"max_tokens\": 100, \"seed\": 1}";
            s.getOutputStream().write(("POST /v1/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + TinyServer.KEY
                    + "\r\nContent-Length: " + body.length() + "\r\n\r\n" + body).getBytes(StandardCharsets.US_ASCII));
            await(() -> metric("ekt_batch_rows") > 0, "the request never started decoding");
        }
        await(() -> metric("ekt_cancelled_requests_total") > cancelledBefore, "the request was not cancelled after its client left");
        assertTrue(metric("ekt_cancel_lag_steps_max") <= 1, "decoded " + metric("ekt_cancel_lag_steps_max") + " steps after the client left");
        long tokens = metric("ekt_generated_tokens_total");
        Thread.sleep(300);
        assertEquals(tokens, metric("ekt_generated_tokens_total"), "nothing decodes once the client has gone");
        assertEquals(0, metric("ekt_batch_rows"));
    }

    @Test
    void memoryReturnsToIdleAfterABurst() throws Exception {
        String prompt = "Mia has 3 apples. ".repeat(2);  // 36 tokens + 60 fit the context of 128
        String big = "{\"prompt\": \"" + prompt + "\", \"n\": 8, \"max_tokens\": 60, \"logprobs\": 5, \"stop\": [\"" + "z".repeat(100) + "\"], \"user\": \""
                + "u".repeat(900_000) + "\"}";
        for (int i = 0; i < 4; i++) assertEquals(200, post("/completions", big).statusCode());  // warm: classes, JIT, pools: a server that has served
        Thread.sleep(5000);  // idle: the periodic collection has run
        long idle = rss();
        List<CompletableFuture<HttpResponse<String>>> burst = new ArrayList<>();
        for (int i = 0; i < 64; i++) {
            burst.add(CLIENT.sendAsync(HttpRequest.newBuilder(URI.create(tiny.baseUrl() + "/completions"))
                    .header("Authorization", "Bearer " + TinyServer.KEY).POST(HttpRequest.BodyPublishers.ofString(big)).build(),
                    HttpResponse.BodyHandlers.ofString()));
        }
        long peak = 0;
        for (CompletableFuture<HttpResponse<String>> f : burst) {
            assertEquals(200, f.get().statusCode(), f.get().body());
            peak = Math.max(peak, rss());
        }
        burst.clear();
        await(() -> metric("ekt_requests_in_engine") == 0, "requests stayed in the engine");
        // The server gives memory back by itself: the engine frees its caches when idle, G1's periodic collection the heap.
        long deadline = System.nanoTime() + 60_000_000_000L, after;
        while ((after = rss()) > idle * 1.2 && System.nanoTime() < deadline) Thread.sleep(500);
        System.out.printf("RSS idle %d MiB, burst peak >= %d MiB, after %d MiB%n", idle >> 20, peak >> 20, after >> 20);
        assertTrue(after <= idle * 1.2, "RSS " + (after >> 20) + " MiB a minute after the burst, idle " + (idle >> 20) + " MiB");
    }

    interface Condition {
        boolean holds() throws Exception;
    }

    static void await(Condition c, String failure) throws Exception {
        long deadline = System.nanoTime() + 60_000_000_000L;
        while (!c.holds()) {
            assertTrue(System.nanoTime() < deadline, failure);
            Thread.sleep(2);
        }
    }

    /** This process's resident set. */
    static long rss() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status")))
            if (line.startsWith("VmRSS:")) return Long.parseLong(line.replaceAll("[^0-9]", "")) << 10;
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }

    private static String read(Socket s) {
        try {
            return readAll(s);
        } catch (IOException e) {
            return e.toString();
        }
    }
}
