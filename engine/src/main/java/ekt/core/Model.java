package ekt.core;

import ekt.records.Json;
import com.fasterxml.jackson.databind.JsonNode;

import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A causal language model held by the native core. Thread-safe for concurrent forwards; close
 * it to free native memory.
 */
public final class Model implements AutoCloseable {

    private ModelNative.ekt_model handle;
    private final ModelInfo info;
    private final Path source;

    private Model(ModelNative.ekt_model handle, Path source) {
        this.handle = handle;
        this.info = ModelInfo.parse(Native.string(ModelNative.ekt_model_info(handle)));
        this.source = source;
    }

    /** Loads a Hugging Face checkpoint directory onto the CPU, in float32. */
    public static Model load(Path dir) {
        return load(dir, Placement.CPU);
    }

    /**
     * Loads a Hugging Face checkpoint directory onto {@code placement}'s device, its weights
     * converted to (and every forward computed in) its dtype.
     */
    public static Model load(Path dir, Placement placement) {
        if (!Files.isDirectory(dir)) throw new EktException("model directory not found: " + dir);
        Native.ensureThreads();
        ModelNative.ekt_model h = ModelNative.ekt_model_load(dir.toString(), placement.device(), placement.dtype());
        if (h == null || h.isNull()) throw Native.error("loading model " + dir);
        return new Model(h, dir);
    }

    /**
     * A model with Hugging Face-style random weights (matrices normal(0, 0.02), biases 0,
     * normalisation weights 1) from the text of a config.json; the same seed gives the same weights.
     */
    public static Model init(String configJson, long seed, String device) {
        Native.ensureThreads();
        ModelNative.ekt_model h = InitNative.ekt_model_init(configJson, seed, device);
        if (h == null || h.isNull()) throw Native.error("initialising model");
        return new Model(h, null);
    }

    /** The checkpoint directory the model was loaded from; empty for a model made by {@link #init}. */
    public java.util.Optional<Path> source() {
        return java.util.Optional.ofNullable(source);
    }

    /** @return what the core reports about this model (read once at load) */
    public ModelInfo info() {
        return info;
    }

    /** Raw JSON description from the core. */
    public JsonNode infoJson() {
        try {
            return Json.MAPPER.readTree(info.json());
        } catch (java.io.IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Logits of every position: {@code [batch][seq][vocab]} flattened row-major.
     *
     * @param ids  batch x seq token ids, row-major
     * @param mask batch x seq, non-zero for real tokens (null: every token is real)
     */
    public float[] logits(long[] ids, byte[] mask, int batch, int seq) {
        return forward(ids, mask, batch, seq, false);
    }

    /** Logits of each row's last real token: {@code [batch][vocab]} flattened. */
    public float[] lastLogits(long[] ids, byte[] mask, int batch, int seq) {
        return forward(ids, mask, batch, seq, true);
    }

    private float[] forward(long[] ids, byte[] mask, int batch, int seq, boolean lastOnly) {
        if (ids.length != (long) batch * seq)
            throw new IllegalArgumentException("ids has " + ids.length + " entries, expected " + batch + "x" + seq);
        if (mask == null) {
            mask = new byte[ids.length];
            java.util.Arrays.fill(mask, (byte) 1);
        } else if (mask.length != ids.length) {
            throw new IllegalArgumentException("mask has " + mask.length + " entries, expected " + ids.length);
        }
        long n = (long) batch * (lastOnly ? 1 : seq) * info.vocabSize();
        if (n > Integer.MAX_VALUE - 8) throw new IllegalArgumentException("logits too large for one array: " + n);
        float[] out = new float[(int) n];
        Native.check(ModelNative.ekt_model_forward(live(), ids, mask, batch, seq, lastOnly ? 1 : 0, out, n), "forward");
        return out;
    }

    /** Log-probabilities of every token of {@code ids} given the ones before it, with the {@code topN} likeliest at each position. */
    public PromptScores score(int[] ids, int topN) {
        long[] t = new long[ids.length];
        for (int i = 0; i < t.length; i++) t[i] = ids[i];
        float[] logprobs = new float[ids.length], topLogprobs = new float[ids.length * topN];
        long[] topIds = new long[ids.length * topN];
        Native.check(SampleStreamNative.ekt_model_score(live(), t, t.length, topN, logprobs, topIds, topLogprobs), "scoring a prompt");
        int[][] ids2 = new int[ids.length][];
        float[][] lps = new float[ids.length][];
        for (int p = 0; p < ids.length; p++) {
            int k = 0;
            while (k < topN && topIds[p * topN + k] >= 0) k++;
            ids2[p] = new int[k];
            for (int j = 0; j < k; j++) ids2[p][j] = (int) topIds[p * topN + j];
            lps[p] = java.util.Arrays.copyOfRange(topLogprobs, p * topN, p * topN + k);
        }
        return new PromptScores(logprobs, ids2, lps);
    }

    /** Writes config.json + model.safetensors into {@code dir}, in the model's dtype. */
    public void save(Path dir) {
        Native.check(ModelNative.ekt_model_save(live(), dir.toString(), null), "saving model to " + dir);
    }

    /** Writes config.json + model.safetensors into {@code dir}, the tensors converted to {@code dtype}. */
    public void save(Path dir, String dtype) {
        Native.check(ModelNative.ekt_model_save(live(), dir.toString(), Placement.dtypeName(dtype)), "saving model to " + dir);
    }

    /**
     * Rewrites a checkpoint directory's weights (model.safetensors or pytorch_model.bin, single or
     * sharded) as {@code dst/model.safetensors}, every tensor in its stored dtype, and copies the
     * directory's other files (config, tokenizer, generation config) beside it.
     */
    public static void convert(Path src, Path dst) {
        if (src.toAbsolutePath().normalize().equals(dst.toAbsolutePath().normalize()))
            throw new IllegalArgumentException("convert: the output directory must differ from the model directory " + src);
        Native.check(ModelNative.ekt_checkpoint_convert(src.toString(), dst.toString()), "converting " + src + " to " + dst);
        try (var files = Files.list(src)) {
            for (Path f : files.toList()) {
                String name = f.getFileName().toString();
                boolean weights = name.matches("(pytorch_model|model).*\\.(bin|safetensors)") || name.matches("(pytorch_model\\.bin|model\\.safetensors)\\.index\\.json");
                if (Files.isRegularFile(f) && !weights) Files.copy(f, dst.resolve(name), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (java.io.IOException e) {
            throw new UncheckedIOException("convert: cannot copy the files of " + src + " to " + dst, e);
        }
    }

    /** The native handle, for the other bindings of the core (sampler, trainer). */
    ModelNative.ekt_model live() {
        if (handle == null) throw new IllegalStateException("model is closed");
        return handle;
    }

    @Override
    public synchronized void close() {
        if (handle != null) {
            ModelNative.ekt_model_free(handle);
            handle = null;
        }
    }
}
