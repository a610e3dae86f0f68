package ekt.serve;

import ekt.sample.ServingEngine;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/** Counters behind {@code GET /metrics}, in Prometheus' text format. */
final class Metrics {
    private final Map<String, AtomicLong> requests = new ConcurrentHashMap<>();  // "endpoint,status" -> count
    private final AtomicLong promptTokens = new AtomicLong(), completionTokens = new AtomicLong();
    private final long started = System.nanoTime();
    private long lastTokens, lastNanos = System.nanoTime();
    private double tokensPerSecond;

    void request(String endpoint, int status) {
        requests.computeIfAbsent(endpoint + "," + status, k -> new AtomicLong()).incrementAndGet();
    }

    void usage(long prompt, long completion) {
        promptTokens.addAndGet(prompt);
        completionTokens.addAndGet(completion);
    }

    /** The text of /metrics; tokens/s is measured over the time since the previous scrape. */
    synchronized String render(ServingEngine engine) {
        long now = System.nanoTime(), tokens = engine.tokensGenerated();
        if (now - lastNanos > 100_000_000L) {
            tokensPerSecond = (tokens - lastTokens) / ((now - lastNanos) / 1e9);
            lastTokens = tokens;
            lastNanos = now;
        }
        StringBuilder m = new StringBuilder();
        m.append("# HELP ekt_requests_total HTTP requests by endpoint and status.\n# TYPE ekt_requests_total counter\n");
        new TreeMap<>(Map.copyOf(requests)).forEach((k, v) -> {
            String[] p = k.split(",");
            m.append("ekt_requests_total{endpoint=\"").append(p[0]).append("\",status=\"").append(p[1]).append("\"} ").append(v.get()).append('\n');
        });
        metric(m, "ekt_requests_in_engine", "gauge", "Requests queued or decoding in the engine.", engine.inEngine());
        metric(m, "ekt_queue_depth", "gauge", "Prompts waiting for rows of the running batch.", engine.queueDepth());
        metric(m, "ekt_batch_rows", "gauge", "Rows (samples) in the running batch.", engine.liveRows());
        metric(m, "ekt_batch_occupancy", "gauge", "Rows in the running batch over the rows it may hold.",
                (double) engine.liveRows() / engine.settings().maxBatch());
        metric(m, "ekt_generated_tokens_total", "counter", "Tokens drawn by the engine.", engine.tokensGenerated());
        metric(m, "ekt_decode_steps_total", "counter", "Decode steps of the engine.", engine.decodeSteps());
        metric(m, "ekt_tokens_per_second", "gauge", "Tokens drawn per second since the previous scrape.", tokensPerSecond);
        metric(m, "ekt_cancelled_requests_total", "counter", "Requests dropped because their client disconnected.", engine.cancelledRequests());
        metric(m, "ekt_cancel_lag_steps_max", "gauge", "Most decode steps a cancelled request kept decoding after its cancel.",
                engine.maxCancelLagSteps());
        metric(m, "ekt_prompt_tokens_total", "counter", "Prompt tokens of answered requests.", promptTokens.get());
        metric(m, "ekt_completion_tokens_total", "counter", "Completion tokens of answered requests.", completionTokens.get());
        metric(m, "ekt_uptime_seconds", "gauge", "Seconds since the server started.", (now - started) / 1e9);
        return m.toString();
    }

    private static void metric(StringBuilder m, String name, String type, String help, double value) {
        m.append("# HELP ").append(name).append(' ').append(help).append("\n# TYPE ").append(name).append(' ').append(type).append('\n')
                .append(name).append(' ').append(value == Math.rint(value) && Math.abs(value) < 1e15 ? Long.toString((long) value) : Double.toString(value))
                .append('\n');
    }
}
