package ekt.serve;

import ekt.records.Json;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ekt.core.Model;
import ekt.sample.ServingEngine;
import ekt.sample.TextCodec;
import ekt.serve.http.Exchange;
import ekt.serve.http.HttpServer;
import ekt.tokenizer.Tokenizer;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * An OpenAI-compatible server on a local checkpoint, in the shape of vLLM's: POST
 * /v1/completions, POST /v1/chat/completions (when the checkpoint has a chat template), GET
 * /v1/models and /v1/models/{id}, /health, /metrics. Requests decode together in one
 * continuously batched engine ({@link ServingEngine}); every bad request is a 400 (404 for an
 * unknown model or path, 401 without the API key, 413 for an oversize body, 429 when the engine
 * is full) with OpenAI's error object; 500 only for faults, logged with the request id.
 */
public final class OpenAiServer implements AutoCloseable {
    final Model model;
    final Tokenizer tokenizer;
    /** Each of the model's token ids' bytes; ids past the tokenizer's vocabulary have none (TextCodec#tokenTable). */
    final byte[][] tokenTable;
    final ServeSettings settings;
    final ServingEngine engine;
    final Metrics metrics = new Metrics();
    private final Completions completions;
    private final Optional<ChatCompletions> chat;
    private final HttpServer http;
    private final SecureRandom random = new SecureRandom();
    private final long created = System.currentTimeMillis() / 1000;

    /**
     * @param modelDir  the checkpoint directory (its tokenizer_config.json may hold a chat template)
     * @param accessLog receives one line per request
     */
    public OpenAiServer(Model model, Tokenizer tokenizer, java.nio.file.Path modelDir, ServeSettings settings, String host, int port,
                        Consumer<String> accessLog) throws IOException {
        this.model = model;
        this.tokenizer = tokenizer;
        this.tokenTable = TextCodec.of(tokenizer).tokenTable(model.info().vocabSize());
        this.settings = settings;
        HeapReturn.enable();
        int maxTokens = Math.min(settings.maxTokens(), model.info().contextLength());
        this.engine = new ServingEngine(model, new ServingEngine.Settings(settings.maxBatch(), maxTokens, settings.maxRequests(),
                settings.memoryBudgetMb()), () -> tokenTable);
        this.completions = new Completions(this);
        this.chat = ChatTemplate.of(modelDir).map(t -> new ChatCompletions(this, t));
        this.http = new HttpServer(host, port, settings.http(), this::handle, accessLog);
    }

    /** @return the TCP port the server listens on (the chosen one when constructed with port 0) */
    public int port() {
        return http.port();
    }

    private void handle(Exchange ex) throws IOException {
        String path = ex.request().path();
        String endpoint = path.startsWith("/v1/models/") ? "/v1/models/{id}" : path;
        boolean fault = true;
        try {
            route(ex, path);
            fault = false;
        } catch (ApiError e) {
            fault = false;
            if (e.status == 429) ex.response().header("Retry-After", "1");
            if (ex.response().committed()) throw new IOException("request failed after its response started: " + e.getMessage());
            sendJson(ex, e.status, e.body());
        } catch (IllegalArgumentException e) {  // the engine refused the request's prompt or settings
            if (ex.response().committed()) throw e;
            fault = false;
            sendJson(ex, 400, ApiError.invalid(null, e.getMessage()).body());
        } finally {
            // Nothing sent: the client left first (499, as nginx logs it), or a fault the HTTP layer answers with 500.
            int status = ex.response().committed() ? ex.response().status() : fault ? 500 : 499;
            metrics.request(known(endpoint) ? endpoint : "other", status);
        }
    }

    private static boolean known(String endpoint) {
        return switch (endpoint) {
            case "/v1/completions", "/v1/chat/completions", "/v1/models", "/v1/models/{id}", "/health", "/metrics" -> true;
            default -> false;
        };
    }

    private void route(Exchange ex, String path) throws IOException {
        String method = ex.request().method();
        switch (path) {
            case "/health" -> {
                allow(method, "GET");
                sendJson(ex, 200, Json.object().put("status", "ok"));
                return;
            }
            case "/metrics" -> {
                allow(method, "GET");
                ex.response().send(200, "text/plain; version=0.0.4; charset=utf-8", metrics.render(engine).getBytes(StandardCharsets.UTF_8));
                return;
            }
            default -> {
            }
        }
        if (!path.startsWith("/v1/")) throw ApiError.notFound("no such endpoint: " + path, null, "not_found");
        authorize(ex);
        if (path.equals("/v1/models")) {
            allow(method, "GET");
            ObjectNode r = Json.object().put("object", "list");
            r.putArray("data").add(modelCard());
            sendJson(ex, 200, r);
        } else if (path.startsWith("/v1/models/")) {
            allow(method, "GET");
            checkModel(path.substring("/v1/models/".length()), null);
            sendJson(ex, 200, modelCard());
        } else if (path.equals("/v1/completions")) {
            allow(method, "POST");
            completions.handle(ex, body(ex));
        } else if (path.equals("/v1/chat/completions")) {
            allow(method, "POST");
            JsonNode body = body(ex);
            if (chat.isEmpty())
                throw ApiError.invalid("messages", "this model has no chat template (tokenizer_config.json has no 'chat_template'); use /v1/completions");
            chat.get().handle(ex, body);
        } else {
            throw ApiError.notFound("no such endpoint: " + path, null, "not_found");
        }
    }

    private void authorize(Exchange ex) {
        if (settings.apiKey() == null) return;
        String auth = ex.request().header("authorization");
        if (auth == null || !auth.equals("Bearer " + settings.apiKey()))
            throw new ApiError(401, "invalid_request_error", "missing or incorrect API key (send 'Authorization: Bearer KEY')", null, "invalid_api_key");
    }

    private static void allow(String method, String allowed) {
        if (!method.equals(allowed) && !(allowed.equals("GET") && method.equals("HEAD")))
            throw new ApiError(405, "invalid_request_error", "method " + method + " is not allowed here; use " + allowed, null, null);
    }

    private static JsonNode body(Exchange ex) {
        try {
            return Json.MAPPER.readTree(ex.request().body());
        } catch (JsonProcessingException e) {
            throw ApiError.invalid(null, "the request body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiError.invalid(null, "the request body is not readable: " + e.getMessage());
        }
    }

    private ObjectNode modelCard() {
        ObjectNode m = Json.object().put("id", settings.modelName()).put("object", "model").put("created", created).put("owned_by", "ekt");
        m.put("max_model_len", model.info().contextLength());
        return m;
    }

    /** 404 unless {@code name} is the served model (an absent name means the served one). */
    void checkModel(String name, String param) {
        if (name != null && !name.equals(settings.modelName()))
            throw ApiError.notFound("the model '" + name + "' does not exist; this server serves '" + settings.modelName() + "'", param,
                    "model_not_found");
    }

    /** The request's seed, or a fresh random one (no seed: every request samples anew). */
    long seed(Long requested) {
        return requested != null ? requested : random.nextLong();
    }

    /** 400 when a prompt plus the completion cannot fit the model's context. */
    void checkLength(int promptTokens, int maxTokens) {
        int context = model.info().contextLength();
        if (promptTokens == 0) throw ApiError.invalid("prompt", "the prompt is empty");
        if (promptTokens + Math.max(1, maxTokens) > context)
            throw ApiError.invalid(promptTokens >= context ? "prompt" : "max_tokens", "this model's maximum context length is " + context
                    + " tokens; the request asks for " + (promptTokens + maxTokens) + " (" + promptTokens + " in the prompt, " + maxTokens
                    + " in the completion)");
    }

    long created() {
        return System.currentTimeMillis() / 1000;
    }

    static void sendJson(Exchange ex, int status, JsonNode body) throws IOException {
        ex.response().send(status, "application/json", Json.line(body).getBytes(StandardCharsets.UTF_8));
    }

    /** Stops taking connections, lets requests in progress finish, then stops the engine. */
    public void close(Duration grace) {
        http.close(grace);
        engine.close();
    }

    @Override
    public void close() {
        close(Duration.ofSeconds(30));
    }
}
