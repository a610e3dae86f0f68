package ekt.pipeline.teacher;

import ekt.records.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ekt.core.Finish;
import ekt.core.SamplingOptions;
import ekt.core.StopString;
import ekt.sample.Completer;
import ekt.sample.SamplePrompt;
import ekt.sample.SampleRecord;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

/**
 * A {@link Completer} behind any OpenAI-compatible {@code /v1/completions} endpoint (OpenAI, vLLM, TGI,
 * llama.cpp server, or {@code ekt serve}). One request per prompt, {@code n} choices each, up to
 * {@code concurrency} requests in flight, at most {@code requestsPerMinute}; 429, 5xx and I/O
 * failures are retried with exponential backoff (honouring Retry-After). The request seed is
 * derived from (seed, prompt id), so servers that honour {@code seed} replay the same samples.
 * It sends only fields every such server accepts and reads what they all return: each choice's
 * text (as in the OpenAI API, without the stop string that ended it), finish_reason, and the
 * token_logprobs of that text, summed into the record's logprob. Prompts must be text; stop rules
 * must be plain stop strings (the API has no token-id stops or start/end rules).
 */
public final class HttpCompleter implements Completer {
    /** Connection and pacing settings; {@code sendTopK} adds the non-standard top_k field (vLLM accepts it). */
    /**
     * @param model             the API's model name
     * @param apiKey            sent as a bearer token when not blank
     * @param concurrency       requests in flight at most
     * @param requestsPerMinute 0 = unlimited
     * @param maxRetries        retries of a 429, 5xx or I/O failure before giving up
     * @param timeout           per request
     * @param initialBackoff    the first retry's wait, doubled for each further one
     * @param sendTopK          whether top_k is sent
     */
    public record Options(String model, String apiKey, int concurrency, int requestsPerMinute, int maxRetries,
                          Duration timeout, Duration initialBackoff, boolean sendTopK) {
        /** 8 requests in flight, no rate limit, 6 retries from 1 s, 5-minute timeout, key from OPENAI_API_KEY. */
        public static Options defaults(String model) {
            return new Options(model, System.getenv("OPENAI_API_KEY"), 8, 0, 6, Duration.ofMinutes(5), Duration.ofSeconds(1), false);
        }
    }

    private final URI endpoint;
    private final Options options;
    private final HttpClient client;
    private final RateLimiter limiter;

    /** A completer for {@code baseUrl} (with or without its {@code /v1}). */
    public HttpCompleter(URI baseUrl, Options options) {
        String base = baseUrl.toString().replaceAll("/+$", "");
        this.endpoint = URI.create(base.endsWith("/v1") ? base + "/completions" : base + "/v1/completions");
        this.options = options;
        this.client = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(30)).build();
        this.limiter = new RateLimiter(options.requestsPerMinute());
    }

    @Override
    public String describe() {
        return "http:" + endpoint + " model=" + options.model();
    }

    @Override
    public void complete(List<SamplePrompt> prompts, SamplingOptions spec, Consumer<SampleRecord> sink) {
        List<String> stops = plainStops(spec);
        for (SamplePrompt p : prompts)
            if (p.text() == null) throw new IllegalArgumentException("prompt " + p.id() + " is token ids; " + describe() + " completes text prompts");
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, options.concurrency()));
        try {
            List<Future<?>> pending = new ArrayList<>();
            for (SamplePrompt p : prompts) pending.add(pool.submit(() -> complete(p, spec, stops, sink)));
            for (Future<?> f : pending) f.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while sampling from " + endpoint, e);
        } finally {
            pool.shutdownNow();
        }
    }

    /** The stop rules as the API's stop strings, or an error naming the rule it cannot express. */
    private List<String> plainStops(SamplingOptions spec) {
        if (!spec.stopTokens().isEmpty()) throw new IllegalArgumentException(describe() + " cannot stop on token ids");
        List<String> stops = new ArrayList<>();
        for (StopString s : spec.stopStrings()) {
            if (!s.end().isEmpty()) throw new IllegalArgumentException(describe() + " cannot stop on '" + s.end() + "' after '" + s.start() + "'");
            stops.add(s.start());
        }
        return stops;
    }

    private void complete(SamplePrompt p, SamplingOptions spec, List<String> stops, Consumer<SampleRecord> sink) {
        JsonNode response = post(body(p, spec, stops), p.id());
        JsonNode choices = response.path("choices");
        if (!choices.isArray() || choices.size() != spec.n())
            throw new IllegalStateException(endpoint + " returned " + choices.size() + " choices for prompt " + p.id() + ", expected " + spec.n());
        for (JsonNode c : choices) {
            double logprob = Double.NaN;
            JsonNode lps = c.path("logprobs").path("token_logprobs");
            if (lps.isArray()) {
                logprob = 0;
                for (JsonNode lp : lps) logprob += lp.asDouble();
            }
            Finish finish = "length".equals(c.path("finish_reason").asText()) ? Finish.LENGTH : Finish.STOP;
            synchronized (sink) {
                sink.accept(SampleRecord.ofText(p.id(), c.path("index").asInt(), c.path("text").asText(), finish, logprob));
            }
        }
    }

    String body(SamplePrompt p, SamplingOptions spec, List<String> stops) {
        ObjectNode b = Json.object();
        b.put("model", options.model());
        b.put("prompt", p.text());
        b.put("n", spec.n());
        b.put("temperature", spec.temperature());
        b.put("top_p", spec.topP());
        if (options.sendTopK() && spec.topK() > 0) b.put("top_k", spec.topK());
        b.put("max_tokens", spec.maxNewTokens());
        if (!stops.isEmpty()) stops.forEach(b.putArray("stop")::add);
        b.put("seed", seedFor(spec.seed(), p.id()));
        b.put("logprobs", 0);
        return Json.line(b);
    }

    /** A 31-bit seed mixed from the run seed and the prompt id (servers often reject 64-bit seeds). */
    static long seedFor(long seed, String id) {
        long h = seed * 0x9E3779B97F4A7C15L ^ id.hashCode();
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        return h & 0x7fffffffL;
    }

    private JsonNode post(String body, String id) {
        HttpRequest.Builder req = HttpRequest.newBuilder(endpoint).timeout(options.timeout())
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (options.apiKey() != null && !options.apiKey().isBlank()) req.header("Authorization", "Bearer " + options.apiKey());
        Duration backoff = options.initialBackoff();
        for (int attempt = 0; ; attempt++) {
            String failure;
            Duration wait = backoff;
            try {
                limiter.acquire();
                HttpResponse<String> r = client.send(req.build(), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() == 200) return Json.MAPPER.readTree(r.body());
                failure = "HTTP " + r.statusCode() + ": " + abbreviate(r.body());
                if (r.statusCode() != 429 && r.statusCode() < 500)
                    throw new IllegalStateException(endpoint + " rejected prompt " + id + ": " + failure);
                wait = r.headers().firstValue("Retry-After").map(HttpCompleter::retryAfter).orElse(backoff);
            } catch (IOException e) {
                failure = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
            if (attempt >= options.maxRetries())
                throw new IllegalStateException(endpoint + " failed for prompt " + id + " after " + (attempt + 1) + " attempts: " + failure);
            sleep(wait.plusMillis((long) (Math.random() * wait.toMillis() * 0.25)));
            backoff = backoff.multipliedBy(2);
        }
    }

    private static Duration retryAfter(String header) {
        try {
            return Duration.ofMillis((long) (Double.parseDouble(header.trim()) * 1000));
        } catch (NumberFormatException e) {
            return Duration.ofSeconds(1);
        }
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    private static String abbreviate(String s) {
        return s.length() <= 300 ? s : s.substring(0, 300) + "...";
    }

    /** Spaces requests evenly to stay under a per-minute budget (0 = unlimited). */
    static final class RateLimiter {
        private final long intervalNanos;
        private long next = System.nanoTime();

        RateLimiter(int perMinute) {
            this.intervalNanos = perMinute <= 0 ? 0 : 60_000_000_000L / perMinute;
        }

        void acquire() throws InterruptedException {
            if (intervalNanos == 0) return;
            long wait;
            synchronized (this) {
                long now = System.nanoTime();
                next = Math.max(next, now);
                wait = next - now;
                next += intervalNanos;
            }
            if (wait > 0) Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
        }
    }
}
