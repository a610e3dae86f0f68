package ekt.core;

import ekt.records.Json;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A sampling session on the native engine (ekt/sample_api.h): queue prompts as token ids, run
 * decode steps in chunks, take finished samples. Each call crosses JNI once, whatever the batch.
 * Not thread-safe; close it to free the engine's caches. The model must stay open meanwhile.
 *
 * <p>Sample j of a prompt draws its k-th token from the uniform Philox(seed, key, j, k), so it
 * is the same whatever the batch size, the order or the sharding of prompts (see
 * {@link #keyOf(String)} for keys derived from record ids).
 */
public final class Sampler implements AutoCloseable {

    private final Model model;
    private SampleNative.ekt_sampler handle;
    private int prompts;

    private Sampler(Model model, SampleNative.ekt_sampler handle) {
        this.model = model;
        this.handle = handle;
    }

    /**
     * Creates a sampling session on an open model; nothing is queued yet.
     *
     * @throws EktException if the native engine rejects the options (the message says which)
     */
    public static Sampler open(Model model, SamplingOptions options) {
        SampleNative.ekt_sampler h = SampleNative.ekt_sampler_create(model.live(), options.toJson());
        if (h == null || h.isNull()) throw Native.error("creating sampler");
        return new Sampler(model, h);
    }

    /**
     * The random-stream key of a prompt id: FNV-1a (64-bit) of its UTF-8 bytes. Same id, same
     * samples, in any run that uses the same seed and options.
     */
    public static long keyOf(String id) {
        long h = 0xcbf29ce484222325L;
        for (byte b : id.getBytes(StandardCharsets.UTF_8)) {
            h ^= (b & 0xff);
            h *= 0x100000001b3L;
        }
        return h;
    }

    /**
     * The bytes of every token id (index = id), for stop strings and text lengths. Call before
     * the first {@link #run}.
     */
    public void setVocab(byte[][] tokenBytes) {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        long[] offsets = new long[tokenBytes.length + 1];
        for (int t = 0; t < tokenBytes.length; t++) {
            all.writeBytes(tokenBytes[t]);
            offsets[t + 1] = all.size();
        }
        Native.check(SampleNative.ekt_sampler_set_vocab(live(), all.toByteArray(), offsets, tokenBytes.length),
                "setting the sampler's token table");
    }

    /** Queues one prompt; returns its index (the {@code prompt} of its samples). */
    public int add(long key, int[] tokens) {
        return add(List.of(tokens), new long[]{key});
    }

    /** Queues prompts; returns the index of the first. */
    public int add(List<int[]> tokens, long[] keys) {
        if (tokens.size() != keys.length)
            throw new IllegalArgumentException(tokens.size() + " prompts but " + keys.length + " keys");
        long[] lengths = new long[keys.length];
        int total = 0;
        for (int i = 0; i < keys.length; i++) total += (lengths[i] = tokens.get(i).length);
        long[] ids = new long[total];
        int at = 0;
        for (int[] p : tokens) for (int t : p) ids[at++] = t;
        Native.check(SampleNative.ekt_sampler_add(live(), ids, lengths, keys, keys.length), "queuing prompts");
        int first = prompts;
        prompts += keys.length;
        return first;
    }

    /**
     * Queues one prompt with its own settings (ekt/sample_stream_api.h: n, temperature, top_k,
     * top_p, max_new_tokens, seed, eos_token_id, stop_strings, top_logprobs; the sampler's
     * options fill the rest). It joins the running batch at the next {@link #run}.
     */
    public int addPrompt(int[] tokens, long key, String optionsJson) {
        long[] ids = new long[tokens.length];
        for (int i = 0; i < ids.length; i++) ids[i] = tokens[i];
        long[] index = new long[1];
        Native.check(SampleStreamNative.ekt_sampler_add_prompt(live(), ids, ids.length, key, optionsJson, index), "queuing a prompt");
        prompts++;
        return Math.toIntExact(index[0]);
    }

    /** Drops a prompt's samples: they leave the batch before the next decode step. */
    public void cancel(int prompt) {
        Native.check(SampleStreamNative.ekt_sampler_cancel(live(), prompt), "cancelling prompt " + prompt);
    }

    /** Token events since the last call (token-event mode), each with up to {@code topCap} alternatives. */
    public List<TokenEvent> takeEvents(int topCap) {
        long[] count = new long[1];
        Native.check(SampleStreamNative.ekt_sampler_events_ready(live(), count), "reading token events");
        int n = Math.toIntExact(count[0]);
        if (n == 0) return List.of();
        long[] prompt = new long[n], sample = new long[n], token = new long[n], topIds = new long[n * topCap];
        float[] logprob = new float[n], topLogprobs = new float[n * topCap];
        int[] finish = new int[n];
        Native.check(SampleStreamNative.ekt_sampler_take_events(live(), n, prompt, sample, token, logprob, finish, topCap, topIds,
                topLogprobs), "reading token events");
        List<TokenEvent> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int k = 0;
            while (k < topCap && topIds[i * topCap + k] >= 0) k++;
            int[] ids = new int[k];
            for (int j = 0; j < k; j++) ids[j] = (int) topIds[i * topCap + j];
            out.add(new TokenEvent((int) prompt[i], (int) sample[i], (int) token[i], logprob[i],
                    finish[i] < 0 ? null : Finish.fromCode(finish[i]), ids,
                    java.util.Arrays.copyOfRange(topLogprobs, i * topCap, i * topCap + k)));
        }
        return out;
    }

    /**
     * Runs decode steps until at least {@code maxSteps} have run or nothing is left, in whole runs
     * of up to {@link SamplingOptions#stepsPerSync()} steps; false once every queued sample is finished.
     */
    public boolean run(int maxSteps) {
        int status = SampleNative.ekt_sampler_run(live(), maxSteps);
        if (status < 0) throw Native.error("sampling");
        return status == 1;
    }

    /** Samples finished since the last call, in the order they finished. */
    public List<GeneratedSample> take() {
        long[] samples = new long[1], tokens = new long[1];
        Native.check(SampleNative.ekt_sampler_ready(live(), samples, tokens), "reading sampler results");
        int n = Math.toIntExact(samples[0]);
        if (n == 0) return List.of();
        long[] prompt = new long[n], sample = new long[n], length = new long[n], textBytes = new long[n];
        int[] finish = new int[n];
        double[] seconds = new double[n];
        long[] ids = new long[Math.toIntExact(tokens[0])];
        float[] logprobs = new float[ids.length];
        Native.check(SampleNative.ekt_sampler_take(live(), n, prompt, sample, finish, length, textBytes, seconds, ids,
                logprobs, ids.length), "reading sampler results");
        List<GeneratedSample> out = new ArrayList<>(n);
        int at = 0;
        for (int i = 0; i < n; i++) {
            int len = (int) length[i];
            int[] t = new int[len];
            for (int j = 0; j < len; j++) t[j] = (int) ids[at + j];
            float[] l = java.util.Arrays.copyOfRange(logprobs, at, at + len);
            at += len;
            out.add(new GeneratedSample((int) prompt[i], (int) sample[i], t, l, Finish.fromCode(finish[i]),
                    (int) textBytes[i], seconds[i]));
        }
        return out;
    }

    /** Runs to completion and returns every sample, sorted by prompt then sample. */
    public List<GeneratedSample> runToEnd() {
        List<GeneratedSample> all = new ArrayList<>();
        while (run(64)) all.addAll(take());
        all.addAll(take());
        all.sort(java.util.Comparator.comparingInt(GeneratedSample::prompt).thenComparingInt(GeneratedSample::sample));
        return all;
    }

    /** Engine counters: decode_steps, decode_tokens, prefill_tokens, *_seconds, ms_per_step, rows, groups, memory plan. */
    public JsonNode stats() {
        try {
            return Json.MAPPER.readTree(Native.string(SampleNative.ekt_sampler_stats(live())));
        } catch (java.io.IOException e) {
            throw new EktException("core returned malformed sampler stats", e);
        }
    }

    private SampleNative.ekt_sampler live() {
        if (handle == null) throw new IllegalStateException("sampler is closed");
        model.live();  // fails if the model was closed under us
        return handle;
    }

    @Override
    public void close() {
        if (handle != null) {
            SampleNative.ekt_sampler_free(handle);
            handle = null;
        }
    }
}
