package ekt.train;

import ekt.core.Model;
import ekt.testing.Reference;
import ekt.testing.RopeReference;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A fine-tune smoke per architecture through the real trainer: a random checkpoint from the
 * independent references learns a handful of fixed sequences (loss falls well below its start),
 * and the tuned model saves and reloads with its new weights.
 */
class ArchitectureFineTuneTest {
    @ParameterizedTest
    @ValueSource(strings = {"gpt2", "gpt_neo", "gptj", "llama", "qwen2", "mistral"})
    void trainsSavesAndReloads(String type, @TempDir Path dir) {
        Path ckpt = dir.resolve("m");
        if (type.equals("gpt2") || type.equals("gpt_neo")) Reference.make(ckpt, type, "--seed", "2");
        else RopeReference.make(ckpt, type, "--seed", "2", "--kv-heads", "2", "--window", "6");
        List<TrainingExample> data = new ArrayList<>();
        for (int i = 0; i < 4; i++) data.add(new TrainingExample("e" + i, new int[]{1 + i, 2 + i}, new int[]{10 + i, 20 + i, 30 + i, 40 + i, 50 + i}));
        TrainConfig cfg = TrainConfig.builder().epochs(30).batchSize(4).accum(1).lr(3e-3).warmupSteps(0).weightDecay(0.0)
                .maxLength(8).mask(TrainConfig.Mask.NO_PADDING).logEvery(0).saveEvery(0).build();
        List<Double> losses = new ArrayList<>();
        Path last;
        try (Model m = Model.load(ckpt); Trainer t = new Trainer(m, null, cfg, data)) {
            last = t.fit(dir.resolve("run"), new TrainListener() {
                @Override
                public void onStep(StepMetrics s) {
                    losses.add(s.loss());
                }
            });
            assertEquals(30, losses.size());
            assertTrue(losses.get(29) < 0.3 * losses.get(0), type + ": loss " + losses.get(0) + " -> " + losses.get(29));
            float[] tuned = m.lastLogits(new long[]{1, 2, 10}, null, 1, 3);
            try (Model back = Model.load(last)) {
                org.junit.jupiter.api.Assertions.assertArrayEquals(tuned, back.lastLogits(new long[]{1, 2, 10}, null, 1, 3));
            }
        }
        assertTrue(Files.isRegularFile(last.resolve("model.safetensors")));
    }
}
