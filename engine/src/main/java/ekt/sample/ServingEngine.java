package ekt.sample;

import ekt.core.EktException;
import ekt.core.Model;
import ekt.core.Sampler;
import ekt.core.SamplingOptions;
import ekt.core.TokenEvent;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * Continuous batching on the native engine: requests submitted from any thread join the running
 * batch between decode steps (their prompts are prefilled and their rows admitted while other
 * requests keep decoding), each request with its own sampling settings, and every drawn token
 * goes to the request's listener as it is drawn. One engine thread owns the sampler and crosses
 * JNI a few times per decode step for all requests together (add, cancel, run one step, take
 * events), never per token.
 *
 * <p>At most {@code maxRequests} requests are in the engine (queued or decoding); beyond that
 * {@link #submit} throws {@link Busy}, so a server can answer 429 instead of queuing without bound.
 */
public final class ServingEngine implements AutoCloseable {
    /**
     * @param maxBatch       rows decoded together (the memory budget may lower it)
     * @param maxNewTokens   the largest max_tokens a request may ask for (the cache is planned for it)
     * @param maxRequests    requests in the engine at once, queued or decoding
     * @param memoryBudgetMb for caches and activations (0: the engine's default)
     */
    public record Settings(int maxBatch, int maxNewTokens, int maxRequests, long memoryBudgetMb) {
    }

    /** Receives a request's tokens on the engine thread; must return quickly. */
    public interface Listener {
        /** One drawn token of one of the request's samples; the event with a non-null finish is its sample's last. */
        void token(TokenEvent event);

        /** The request failed in the engine (its remaining samples are dropped). */
        void failed(RuntimeException error);
    }

    /** The engine holds as many requests as it may; try again later. */
    public static final class Busy extends RuntimeException {
        Busy(int limit) {
            super("the server is busy: " + limit + " requests are queued or running; retry later");
        }
    }

    /** A submitted request; {@link #cancel} drops its remaining samples before the next decode step. */
    public final class Ticket {
        private final int[] tokens;
        private final long key;
        private final String optionsJson;
        private final int samples;
        private final int topLogprobs;
        private final Listener listener;
        private int prompt = -1;
        private int unfinished;
        private volatile boolean cancelled;
        private volatile long cancelledAtStep;

        private Ticket(int[] tokens, long key, String optionsJson, int samples, int topLogprobs, Listener listener) {
            this.tokens = tokens;
            this.key = key;
            this.optionsJson = optionsJson;
            this.samples = samples;
            this.topLogprobs = topLogprobs;
            this.listener = listener;
            this.unfinished = samples;
        }

        /**
         * Cancels the request from any thread; calling it again does nothing. The listener may still
         * get the tokens of a decode step already under way, then nothing more ({@code failed} is not called).
         */
        public void cancel() {
            if (cancelled) return;
            cancelledAtStep = steps.get();
            cancelled = true;
            cancels.add(this);  // a ticket not admitted yet is dropped at admission instead
        }
    }

    private final Model model;
    private final Settings settings;
    private final Supplier<byte[][]> vocab;
    private final LinkedBlockingQueue<Ticket> incoming = new LinkedBlockingQueue<>();
    private final Queue<Ticket> cancels = new ConcurrentLinkedQueue<>();
    private final Map<Integer, Ticket> running = new HashMap<>();
    private final AtomicInteger inEngine = new AtomicInteger();
    private final Thread thread;
    private volatile boolean closing;
    private Sampler sampler;

    // Counters for /metrics.
    private final AtomicLong tokens = new AtomicLong(), steps = new AtomicLong(), cancelled = new AtomicLong(), cancelLag = new AtomicLong();
    private volatile long liveRows, waitingPrompts;

    /**
     * @param vocab every token's bytes (for stop strings), asked for once; null: no stop strings
     */
    public ServingEngine(Model model, Settings settings, Supplier<byte[][]> vocab) {
        this.model = model;
        this.settings = settings;
        this.vocab = vocab;
        this.sampler = openSampler();
        this.thread = new Thread(this::loop, "ekt-engine");
        thread.setDaemon(true);
        thread.start();
    }

    /** The settings the engine was created with. */
    public Settings settings() {
        return settings;
    }

    private Sampler openSampler() {
        Sampler s = Sampler.open(model, SamplingOptions.builder().maxBatch(settings.maxBatch()).maxNewTokens(settings.maxNewTokens())
                .memoryBudgetMb(settings.memoryBudgetMb()).tokenEvents(true).build());
        if (vocab != null) s.setVocab(vocab.get());
        return s;
    }

    /**
     * Queues a prompt with its own settings (the JSON of {@link Sampler#addPrompt}, which must
     * name {@code n} = {@code samples} and {@code top_logprobs} = {@code topLogprobs}).
     *
     * @throws Busy when the engine already holds {@code maxRequests} requests
     */
    public Ticket submit(int[] prompt, long key, String optionsJson, int samples, int topLogprobs, Listener listener) {
        if (closing) throw new IllegalStateException("the engine is shutting down");
        if (inEngine.incrementAndGet() > settings.maxRequests()) {
            inEngine.decrementAndGet();
            throw new Busy(settings.maxRequests());
        }
        Ticket t = new Ticket(prompt, key, optionsJson, samples, topLogprobs, listener);
        incoming.add(t);
        return t;
    }

    /** Requests queued or decoding. */
    public int inEngine() {
        return inEngine.get();
    }

    /** Prompts waiting for rows inside the engine plus requests not handed to it yet. */
    public long queueDepth() {
        return waitingPrompts + incoming.size();
    }

    /** Rows (samples) in the decoding batch after the last decode step. */
    public long liveRows() {
        return liveRows;
    }

    /** Tokens drawn since the engine started, over all requests (cancelled ones included). */
    public long tokensGenerated() {
        return tokens.get();
    }

    /** Decode steps run since the engine started (one step draws a token for every live row). */
    public long decodeSteps() {
        return steps.get();
    }

    /** Requests cancelled while in the batch (not those cancelled before admission or after they finished). */
    public long cancelledRequests() {
        return cancelled.get();
    }

    /** The most decode steps run between a cancel and its request leaving the batch (0: before the next step). */
    public long maxCancelLagSteps() {
        return cancelLag.get();
    }

    private void loop() {
        while (true) {
            try {
                if (running.isEmpty()) {
                    if (closing && incoming.isEmpty()) break;
                    Ticket first = incoming.poll(200, TimeUnit.MILLISECONDS);
                    if (first != null) admit(first);
                }
                for (Ticket t; (t = incoming.poll()) != null; ) admit(t);
                for (Ticket t; (t = cancels.poll()) != null; ) drop(t);
                if (running.isEmpty()) continue;
                step();
            } catch (InterruptedException e) {
                break;
            } catch (RuntimeException e) {
                failAll(e);
            }
        }
        sampler.close();
    }

    private void admit(Ticket t) {
        if (t.cancelled) {
            finished(t);
            return;
        }
        try {
            t.prompt = sampler.addPrompt(t.tokens, t.key, t.optionsJson);
            running.put(t.prompt, t);
        } catch (EktException e) {
            finished(t);
            t.listener.failed(new IllegalArgumentException(e.getMessage(), e));
        }
    }

    private void drop(Ticket t) {
        if (t.prompt < 0 || running.remove(t.prompt) == null) return;
        sampler.cancel(t.prompt);
        refreshStats();
        cancelled.incrementAndGet();
        cancelLag.accumulateAndGet(steps.get() - t.cancelledAtStep, Math::max);
        finished(t);
    }

    private void step() {
        sampler.run(1);  // one run of steps between the engine's stop checks (several on a GPU)
        int topCap = 0;
        for (Ticket t : running.values()) topCap = Math.max(topCap, t.topLogprobs);
        List<TokenEvent> events = sampler.takeEvents(topCap);
        tokens.addAndGet(events.size());
        for (TokenEvent e : events) {
            Ticket t = running.get(e.prompt());
            if (t == null) continue;  // cancelled meanwhile
            t.listener.token(e);
            if (e.finish() != null && --t.unfinished == 0) {
                running.remove(t.prompt);
                finished(t);
            }
        }
        refreshStats();
    }

    private void refreshStats() {
        var stats = sampler.stats();
        steps.set(stats.path("decode_steps").asLong());
        liveRows = stats.path("live_rows").asLong();
        waitingPrompts = stats.path("waiting_prompts").asLong();
    }

    private void finished(Ticket t) {
        inEngine.decrementAndGet();
    }

    /** A failed decode step leaves the sampler unusable: its requests fail, a fresh sampler serves the rest. */
    private void failAll(RuntimeException e) {
        List<Ticket> lost = List.copyOf(running.values());
        running.clear();
        for (Ticket t : lost) {
            finished(t);
            t.listener.failed(e);
        }
        try {
            sampler.close();
        } finally {
            sampler = openSampler();
        }
    }

    /** Stops taking requests, finishes the ones in the engine, then stops. */
    @Override
    public void close() {
        closing = true;
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
