package ekt.serve;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import ekt.data.Jsonl;
import ekt.pipeline.teacher.Completion;
import ekt.pipeline.teacher.PromptRequest;
import ekt.pipeline.teacher.SamplingSpec;
import ekt.pipeline.teacher.Teacher;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A minimal OpenAI-compatible {@code POST /v1/completions} server in front of any {@link Teacher}
 * (typically the native engine on a local checkpoint), so tools that speak that protocol can use
 * ekt models, and the HTTP teacher can be tested against a real model. Supports prompt strings
 * or arrays, n, temperature, top_p, top_k, max_tokens, stop and seed; choice i*n+j is sample j of
 * prompt i, as in the OpenAI API.
 */
public final class CompletionServer implements AutoCloseable {
    private final HttpServer server;
    private final ExecutorService workers;
    private final Teacher backend;
    private final String modelName;
    private final AtomicLong requests = new AtomicLong();

    public CompletionServer(Teacher backend, String modelName, String host, int port, int threads) throws IOException {
        this.backend = backend;
        this.modelName = modelName;
        this.server = HttpServer.create(new InetSocketAddress(host, port), 64);
        this.workers = Executors.newFixedThreadPool(threads);
        server.setExecutor(workers);
        server.createContext("/v1/completions", this::handle);
        server.createContext("/v1/models", ex -> {
            ObjectNode r = Jsonl.object();
            r.put("object", "list");
            r.putArray("data").addObject().put("id", modelName).put("object", "model").put("owned_by", "ekt");
            send(ex, 200, r);
        });
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private void handle(HttpExchange ex) throws IOException {
        if (!"POST".equals(ex.getRequestMethod())) {
            send(ex, 405, error("use POST"));
            return;
        }
        try {
            JsonNode body = Jsonl.JSON.readTree(ex.getRequestBody().readAllBytes());
            if (body == null || !body.isObject()) throw new IllegalArgumentException("body must be a JSON object");
            List<String> prompts = prompts(body.get("prompt"));
            List<String> stop = new ArrayList<>();
            JsonNode s = body.get("stop");
            if (s != null && s.isTextual()) stop.add(s.asText());
            else if (s != null && s.isArray()) s.forEach(x -> stop.add(x.asText()));
            SamplingSpec spec = new SamplingSpec(body.path("n").asInt(1), body.path("temperature").asDouble(1.0),
                    body.path("top_k").asInt(0), body.path("top_p").asDouble(1.0), body.path("max_tokens").asInt(16), stop,
                    body.path("seed").asLong(0));
            List<PromptRequest> requests = new ArrayList<>();
            for (int i = 0; i < prompts.size(); i++) requests.add(new PromptRequest(Integer.toString(i), prompts.get(i)));
            Completion[] byIndex = new Completion[prompts.size() * spec.n()];
            backend.sample(requests, spec, c -> byIndex[Integer.parseInt(c.id()) * spec.n() + c.sample()] = c);
            send(ex, 200, response(byIndex, body.path("logprobs").isNumber()));
        } catch (IllegalArgumentException | com.fasterxml.jackson.core.JsonProcessingException e) {
            send(ex, 400, error(e.getMessage()));
        } catch (RuntimeException e) {
            send(ex, 500, error(e.getMessage()));
        }
    }

    private static List<String> prompts(JsonNode p) {
        List<String> out = new ArrayList<>();
        if (p != null && p.isTextual()) out.add(p.asText());
        else if (p != null && p.isArray() && !p.isEmpty() && p.get(0).isTextual()) p.forEach(x -> out.add(x.asText()));
        else throw new IllegalArgumentException("'prompt' must be a string or an array of strings");
        return out;
    }

    private ObjectNode response(Completion[] choices, boolean logprobs) {
        ObjectNode r = Jsonl.object();
        r.put("id", "cmpl-ekt-" + requests.incrementAndGet());
        r.put("object", "text_completion");
        r.put("created", System.currentTimeMillis() / 1000);
        r.put("model", modelName);
        ArrayNode arr = r.putArray("choices");
        long tokens = 0;
        for (int i = 0; i < choices.length; i++) {
            Completion c = choices[i];
            if (c == null) throw new IllegalStateException("backend returned no completion for choice " + i);
            ObjectNode o = arr.addObject();
            o.put("index", i);
            o.put("text", c.text());
            o.put("finish_reason", "length".equals(c.finish()) ? "length" : "stop");
            if (logprobs && !Double.isNaN(c.logprob())) o.putObject("logprobs").putArray("token_logprobs").add(c.logprob());
            else o.putNull("logprobs");
            tokens += c.tokens().length;
        }
        r.putObject("usage").put("completion_tokens", tokens);
        return r;
    }

    private static ObjectNode error(String message) {
        ObjectNode r = Jsonl.object();
        r.putObject("error").put("message", message == null ? "internal error" : message).put("type", "invalid_request_error");
        return r;
    }

    private static void send(HttpExchange ex, int status, JsonNode body) throws IOException {
        byte[] out = Jsonl.toLine(body).getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().add("Content-Type", "application/json");
        ex.sendResponseHeaders(status, out.length);
        try (OutputStream os = ex.getResponseBody()) {
            os.write(out);
        }
    }

    @Override
    public void close() {
        server.stop(0);
        workers.shutdownNow();
    }
}
