package ekt.core;

import ekt.testing.Reference;
import ekt.testing.RopeReference;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Logits of random-weight GPT-J, Llama, Qwen2 and Mistral checkpoints against the independent
 * numpy reference {@code hf_reference_rope.py} (float64, from Hugging Face's modeling code): every
 * position of one sequence, left- and right-padded rows of a batch, and save/load round trips.
 * Tolerance: 1e-4 relative to the largest reference logit, in float32.
 */
class RopeModelReferenceTest {
    static final double TOLERANCE = 1e-4;
    static final String LLAMA3 = "{\"rope_type\": \"llama3\", \"factor\": 8.0, \"low_freq_factor\": 1.0, "
            + "\"high_freq_factor\": 4.0, \"original_max_position_embeddings\": 64}";
    static final String YARN = "{\"rope_type\": \"yarn\", \"factor\": 4.0, \"original_max_position_embeddings\": 16}";

    static Stream<Arguments> shapes() {
        return Stream.of(
                // GPT-J: partial rotary (4 of 8 dims per head); then whole-head rotary, tied, erf GELU, bf16, sharded.
                Arguments.of("gptj", new String[]{"--layers", "2", "--hidden", "32", "--heads", "4", "--rotary-dim", "4",
                        "--seed", "1"}),
                Arguments.of("gptj", new String[]{"--layers", "3", "--hidden", "48", "--heads", "4", "--rotary-dim", "12",
                        "--inner", "80", "--tied", "--activation", "gelu", "--dtype", "BF16", "--shards", "2", "--seed", "2"}),
                // Llama: grouped-query attention, untied.
                Arguments.of("llama", new String[]{"--layers", "2", "--hidden", "32", "--heads", "4", "--kv-heads", "2",
                        "--seed", "3"}),
                // Llama: one kv head, head_dim override, attention and MLP biases, tied, linear rope scaling, fp16.
                Arguments.of("llama", new String[]{"--layers", "2", "--hidden", "32", "--heads", "4", "--kv-heads", "1",
                        "--head-dim", "12", "--attention-bias", "--mlp-bias", "--tied", "--dtype", "F16",
                        "--rope-scaling", "{\"type\": \"linear\", \"factor\": 2.0}", "--seed", "4"}),
                // Llama 3.1 rope scaling: all three frequency bands occur with head_dim 8.
                Arguments.of("llama", new String[]{"--layers", "2", "--hidden", "32", "--heads", "4", "--kv-heads", "2",
                        "--positions", "128", "--rope-scaling", LLAMA3, "--seed", "5"}),
                // Dynamic NTK: the 17-token sequence runs past max_position_embeddings 8.
                Arguments.of("llama", new String[]{"--layers", "2", "--hidden", "32", "--heads", "4", "--positions", "8",
                        "--rope-scaling", "{\"type\": \"dynamic\", \"factor\": 4.0}", "--seed", "6"}),
                // Qwen2: q/k/v biases, GQA, a 4-token sliding window on layers >= 1.
                Arguments.of("qwen2", new String[]{"--layers", "3", "--hidden", "32", "--heads", "4", "--kv-heads", "2",
                        "--window", "4", "--max-window-layers", "1", "--seed", "7"}),
                // Mistral: sliding window 5, GQA, head_dim override, rope_theta 1e6, YaRN scaling.
                Arguments.of("mistral", new String[]{"--layers", "2", "--hidden", "32", "--heads", "4", "--kv-heads", "2",
                        "--head-dim", "12", "--window", "5", "--theta", "1000000", "--rope-scaling", YARN, "--seed", "8"}));
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void logitsMatchReferenceAtEveryPosition(String type, String[] options, @TempDir Path dir) {
        Path ckpt = RopeReference.make(dir.resolve("m"), type, options);
        long[] ids = ModelReferenceTest.randomIds(new Random(options.length), 17, 97);  // longer than every window
        double[][] expected = RopeReference.logits(ckpt, ids);
        try (Model m = Model.load(ckpt)) {
            int vocab = m.info().vocabSize();
            float[] actual = m.logits(ids, null, 1, ids.length);
            for (int t = 0; t < ids.length; t++) {
                double err = Reference.relativeError(actual, t * vocab, expected[t]);
                assertTrue(err <= TOLERANCE, type + " position " + t + ": relative error " + err);
            }
        }
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void paddedRowsInABatchMatchTheUnpaddedReference(String type, String[] options, @TempDir Path dir) {
        Path ckpt = RopeReference.make(dir.resolve("m"), type, options);
        long[] a = ModelReferenceTest.randomIds(new Random(1), 12, 97), b = ModelReferenceTest.randomIds(new Random(2), 7, 97);
        double[][] refA = RopeReference.logits(ckpt, a), refB = RopeReference.logits(ckpt, b);
        int seq = a.length;
        // Row 0: a. Row 1: b right-padded. Row 2: b left-padded.
        long[] ids = new long[3 * seq];
        byte[] mask = new byte[3 * seq];
        place(a, 0, ids, mask);
        place(b, seq, ids, mask);
        place(b, 3 * seq - b.length, ids, mask);
        try (Model m = Model.load(ckpt)) {
            int vocab = m.info().vocabSize();
            float[] all = m.logits(ids, mask, 3, seq);
            for (int t = 0; t < seq; t++)
                assertTrue(Reference.relativeError(all, t * vocab, refA[t]) <= TOLERANCE, "row 0 position " + t);
            for (int t = 0; t < b.length; t++) {
                assertTrue(Reference.relativeError(all, (seq + t) * vocab, refB[t]) <= TOLERANCE, "right-padded position " + t);
                int left = 3 * seq - b.length + t;
                assertTrue(Reference.relativeError(all, left * vocab, refB[t]) <= TOLERANCE, "left-padded position " + t);
            }
            float[] last = m.lastLogits(ids, mask, 3, seq);
            assertTrue(Reference.relativeError(last, 0, refA[seq - 1]) <= TOLERANCE, "last of row 0");
            assertTrue(Reference.relativeError(last, vocab, refB[b.length - 1]) <= TOLERANCE, "last of row 1");
            assertTrue(Reference.relativeError(last, 2 * vocab, refB[b.length - 1]) <= TOLERANCE, "last of row 2");
        }
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void savedCheckpointsLoadBackBitIdentically(String type, String[] options, @TempDir Path dir) {
        Path ckpt = RopeReference.make(dir.resolve("m"), type, options);
        Path saved = dir.resolve("saved");
        long[] ids = ModelReferenceTest.randomIds(new Random(7), 9, 97);
        try (Model m = Model.load(ckpt)) {
            m.save(saved);
            float[] before = m.logits(ids, null, 1, ids.length);
            try (Model back = Model.load(saved)) {
                assertArrayEquals(before, back.logits(ids, null, 1, ids.length));
                assertEquals(m.info().json(), back.info().json().replace("\"checkpoint_dtype\":\"float32\"",
                        "\"checkpoint_dtype\":\"" + m.info().checkpointDtype() + "\""));
            }
        }
        // The reference reader sees the same values (half-precision originals widen exactly).
        assertEquals(0.0, RopeReference.maxTensorDiff(ckpt, saved));
    }

    /** Copies {@code row} into {@code ids} at {@code offset} and marks it real in {@code mask}. */
    static void place(long[] row, int offset, long[] ids, byte[] mask) {
        for (int t = 0; t < row.length; t++) {
            ids[offset + t] = row[t];
            mask[offset + t] = 1;
        }
    }
}
