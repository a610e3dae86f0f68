package ekt.core;

import ekt.testing.Reference;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Logits of random-weight GPT-2 and GPT-Neo checkpoints against the independent numpy
 * reference (float64, written from Hugging Face's modeling code). Tolerance: 1e-4 relative to the
 * largest reference logit, in float32.
 */
class ModelReferenceTest {
    static final double TOLERANCE = 1e-4;

    static Stream<Arguments> shapes() {
        return Stream.of(
                Arguments.of("gpt2", new String[]{"--layers", "2", "--hidden", "32", "--heads", "4"}),
                Arguments.of("gpt2", new String[]{"--layers", "3", "--hidden", "48", "--heads", "6", "--inner", "80",
                        "--untied", "--activation", "relu", "--seed", "3"}),
                Arguments.of("gpt2", new String[]{"--layers", "1", "--hidden", "64", "--heads", "2", "--dtype", "BF16",
                        "--no-prefix", "--seed", "5"}),
                Arguments.of("gpt_neo", new String[]{"--layers", "4", "--hidden", "32", "--heads", "4", "--window", "5"}),
                Arguments.of("gpt_neo", new String[]{"--layers", "3", "--hidden", "40", "--heads", "5", "--window", "3",
                        "--dtype", "F16", "--shards", "3", "--untied", "--seed", "9"}));
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void logitsMatchReferenceAtEveryPosition(String type, String[] options, @TempDir Path dir) {
        Path ckpt = Reference.make(dir.resolve("m"), type, options);
        long[] ids = randomIds(new Random(options.length), 17, 97);  // longer than every local window
        double[][] expected = Reference.logits(ckpt, ids);
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
        Path ckpt = Reference.make(dir.resolve("m"), type, options);
        long[] a = randomIds(new Random(1), 12, 97), b = randomIds(new Random(2), 7, 97);
        double[][] refA = Reference.logits(ckpt, a), refB = Reference.logits(ckpt, b);
        int seq = 12;
        // Row 0: a (full). Row 1: b right-padded. Row 2: b left-padded.
        long[] ids = new long[3 * seq];
        byte[] mask = new byte[3 * seq];
        for (int t = 0; t < seq; t++) {
            ids[t] = a[t];
            mask[t] = 1;
        }
        for (int t = 0; t < b.length; t++) {
            ids[seq + t] = b[t];
            mask[seq + t] = 1;
            ids[2 * seq + seq - b.length + t] = b[t];
            mask[2 * seq + seq - b.length + t] = 1;
        }
        try (Model m = Model.load(ckpt)) {
            int vocab = m.info().vocabSize();
            float[] all = m.logits(ids, mask, 3, seq);
            for (int t = 0; t < seq; t++)
                assertTrue(Reference.relativeError(all, t * vocab, refA[t]) <= TOLERANCE, "row 0 position " + t);
            for (int t = 0; t < b.length; t++) {
                assertTrue(Reference.relativeError(all, (seq + t) * vocab, refB[t]) <= TOLERANCE, "right-padded position " + t);
                int left = 2 * seq + seq - b.length + t;
                assertTrue(Reference.relativeError(all, left * vocab, refB[t]) <= TOLERANCE, "left-padded position " + t);
            }
            float[] last = m.lastLogits(ids, mask, 3, seq);
            assertTrue(Reference.relativeError(last, 0, refA[seq - 1]) <= TOLERANCE);
            assertTrue(Reference.relativeError(last, vocab, refB[b.length - 1]) <= TOLERANCE);
            assertTrue(Reference.relativeError(last, 2 * vocab, refB[b.length - 1]) <= TOLERANCE);
        }
    }

    @ParameterizedTest
    @MethodSource("shapes")
    void savedCheckpointsLoadBackBitIdentically(String type, String[] options, @TempDir Path dir) {
        Path ckpt = Reference.make(dir.resolve("m"), type, options);
        Path saved = dir.resolve("saved");
        long[] ids = randomIds(new Random(7), 9, 97);
        try (Model m = Model.load(ckpt)) {
            m.save(saved);
            float[] before = m.logits(ids, null, 1, ids.length);
            try (Model back = Model.load(saved)) {
                org.junit.jupiter.api.Assertions.assertArrayEquals(before, back.logits(ids, null, 1, ids.length));
                assertEquals(m.info().parameters(), back.info().parameters());
            }
        }
        // The reference reader sees the same values (float32 originals are stored exactly;
        // half-precision ones widen exactly).
        assertEquals(0.0, Reference.maxTensorDiff(ckpt, saved));
    }

    static long[] randomIds(Random r, int n, int vocab) {
        long[] ids = new long[n];
        for (int i = 0; i < n; i++) ids[i] = r.nextInt(vocab);
        return ids;
    }
}
