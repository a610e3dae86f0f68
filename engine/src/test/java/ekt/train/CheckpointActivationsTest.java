package ekt.train;

import ekt.records.Json;
import ekt.core.Model;
import ekt.testing.Reference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --checkpoint-activations} reaches the core (its options echo it) and trains like the
 * plain run: recomputing a block in backward runs the same kernels on the same inputs, so each
 * step's loss and gradient norm agree to 1e-5 relative (only the order of gradient additions may
 * differ; a lost parameter gradient or a wrong recompute moves them by far more). The core's own
 * test (train_test.cpp) compares the weights, also under bfloat16 mixed precision.
 */
class CheckpointActivationsTest {
    @Test
    void checkpointedRunMatchesThePlainRun(@TempDir Path dir) throws Exception {
        Path student = Reference.make(dir.resolve("student"), "gpt_neo", "--layers", "2", "--hidden", "16", "--heads", "2",
                "--vocab", String.valueOf(MixedPrecisionTest.VOCAB), "--positions", "32", "--window", "3", "--seed", "5");
        TrainConfig plain = TrainConfig.builder().maxLength(12).batchSize(5).accum(1).epochs(2).warmupSteps(0).lr(1e-2).build();
        List<StepMetrics> a = fit(student, plain, dir.resolve("plain"), false);
        List<StepMetrics> b = fit(student, plain.toBuilder().checkpointActivations(true).build(), dir.resolve("checkpointed"), true);
        assertEquals(a.size(), b.size());
        assertTrue(a.size() >= 2, "steps " + a.size());
        for (int i = 0; i < a.size(); i++) {
            assertEquals(a.get(i).loss(), b.get(i).loss(), 1e-5 * a.get(i).loss(), "loss of step " + i);
            assertEquals(a.get(i).gradNorm(), b.get(i).gradNorm(), 1e-5 * a.get(i).gradNorm(), "gradient norm of step " + i);
        }
    }

    private static List<StepMetrics> fit(Path student, TrainConfig config, Path out, boolean checkpointed) throws Exception {
        List<StepMetrics> steps = new ArrayList<>();
        try (Model m = Model.load(student); Trainer t = new Trainer(m, null, config, TrainReferenceTest.examples(new Random(7)))) {
            assertEquals(checkpointed, Json.MAPPER.readTree(t.info()).get("options").get("checkpoint_activations").asBoolean());
            t.fit(out, new TrainListener() {
                @Override
                public void onStep(StepMetrics metrics) {
                    steps.add(metrics);
                }
            });
        }
        return steps;
    }
}
