package ekt.train;

import ekt.records.Json;
import com.fasterxml.jackson.databind.JsonNode;
import ekt.core.EktException;
import ekt.core.Model;
import ekt.core.Placement;
import ekt.testing.Reference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Mixed-precision training (bfloat16 matrix products; float32 master weights, AdamW state,
 * softmax, norms, attention scores and loss) against the float32 trainer, which
 * TrainReferenceTest checks against the float64 reference.
 *
 * <p>Tolerances: the loss within 1% and the whole gradient within 5% (relative L2 norm of the
 * difference). Each bfloat16 product rounds its inputs to 8 significand bits (2^-9 = 0.2%
 * relative each); the forward has ~6 products per layer and the backward twice as many, so the
 * gradient carries ~0.2% x sqrt(36) ~ 1.2% per entry of independent rounding noise, and small
 * gradient entries are relatively noisier; 5% of the norm bounds it with margin while a wrong
 * gradient (a missing term, a float32 softmax replaced by a bfloat16 one in GPT-Neo's
 * unscaled scores, a lost loss weight) is off by far more. The difference must also be
 * non-zero, on one worker and on two (autocast is per thread).
 */
class MixedPrecisionTest {
    static final int VOCAB = 23;

    @ParameterizedTest
    @CsvSource({"gpt_neo, 1", "gpt_neo, 2", "gpt2, 1"})
    void bfloat16GradientsStayWithinTheStatedToleranceOfFloat32(String type, int workers, @TempDir Path dir) throws Exception {
        Path student = Reference.make(dir.resolve("student"), type, "--layers", "2", "--hidden", "32", "--heads", "4",
                "--vocab", String.valueOf(VOCAB), "--positions", "32", "--window", "3", "--seed", "5");
        List<TrainingExample> data = TrainReferenceTest.examples(new Random(7));
        Result full = gradients(student, data, "float32", workers), mixed = gradients(student, data, "bfloat16", workers);
        assertEquals(full.loss, mixed.loss, 1e-2 * full.loss, "loss");
        double diff = 0, norm = 0;
        for (int i = 0; i < full.grad.length; i++) {
            diff += (full.grad[i] - mixed.grad[i]) * (full.grad[i] - mixed.grad[i]);
            norm += full.grad[i] * full.grad[i];
        }
        double relative = Math.sqrt(diff / norm);
        assertTrue(relative <= 5e-2, "relative gradient error " + relative);
        assertTrue(relative > 1e-6, "gradients identical to float32: the products did not run in bfloat16");
    }

    @Test
    void masterWeightsAndCheckpointsStayFloat32(@TempDir Path dir) throws Exception {
        Path student = Reference.make(dir.resolve("student"), "gpt_neo", "--layers", "1", "--hidden", "16", "--heads", "2",
                "--vocab", String.valueOf(VOCAB), "--positions", "32", "--seed", "5");
        TrainConfig config = TrainConfig.builder().maxLength(12).batchSize(5).accum(1).epochs(2).warmupSteps(0).lr(1e-2)
                .precision("bfloat16").build();
        try (Model m = Model.load(student); Trainer t = new Trainer(m, null, config, TrainReferenceTest.examples(new Random(7)))) {
            Path last = t.fit(dir.resolve("run"), new TrainListener() {
            });
            JsonNode saved = Json.MAPPER.readTree(Files.readString(last.resolve("config.json")));
            assertEquals("float32", saved.get("torch_dtype").asText());
            assertEquals("bfloat16", Json.MAPPER.readTree(t.info()).get("options").get("precision").asText());
        }
        // A student loaded in bfloat16 has no float32 master weights to train.
        try (Model m = Model.load(student, new Placement("cpu", "bfloat16"))) {
            EktException e = assertThrows(EktException.class, () -> new Trainer(m, null, config, TrainReferenceTest.examples(new Random(7))).close());
            assertTrue(e.getMessage().contains("float32 master weights"), e.getMessage());
        }
    }

    record Result(double loss, double[] grad) {
    }

    static Result gradients(Path student, List<TrainingExample> data, String precision, int workers) throws Exception {
        TrainConfig config = TrainConfig.builder().mask(TrainConfig.Mask.ALL).maxLength(12).batchSize(5).accum(1).epochs(1)
                .workers(workers).precision(precision).build();
        try (Model m = Model.load(student); Trainer t = new Trainer(m, null, config, data)) {
            StepMetrics metrics = t.gradients(t.data().batch(new int[]{0, 1, 2, 3, 4}));
            double[] all = new double[0];
            for (JsonNode p : Json.MAPPER.readTree(t.info()).get("parameters")) {
                int size = 1;
                for (JsonNode d : p.get("shape")) size *= d.asInt();
                float[] g = t.gradient(p.get("name").asText(), size);
                double[] grown = java.util.Arrays.copyOf(all, all.length + size);
                for (int i = 0; i < size; i++) grown[all.length + i] = g[i];
                all = grown;
            }
            return new Result(metrics.loss(), all);
        }
    }
}
