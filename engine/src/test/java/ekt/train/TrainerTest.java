package ekt.train;

import ekt.records.Json;
import com.fasterxml.jackson.databind.JsonNode;
import ekt.core.EktException;
import ekt.core.Model;
import ekt.sample.TextCodec;
import ekt.testing.Reference;
import ekt.tokenizer.ByteLevelBpe;
import ekt.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Training behaviour: accumulation, masking, resume, overfitting, failure handling. */
class TrainerTest {
    static final int VOCAB = 31;

    static Path tinyModel(Path dir, String type) {
        return Reference.make(dir.resolve(type), type, "--layers", "2", "--hidden", "16", "--heads", "2", "--vocab",
                String.valueOf(VOCAB), "--positions", "32", "--window", "3", "--scale", "0.1", "--seed", "3");
    }

    static List<TrainingExample> examples(int count, long seed) {
        Random r = new Random(seed);
        List<TrainingExample> out = new ArrayList<>();
        for (int i = 0; i < count; i++)
            out.add(new TrainingExample("ex" + i, r.ints(1 + r.nextInt(4), 0, VOCAB - 1).toArray(),
                    r.ints(2 + r.nextInt(8), 0, VOCAB - 1).toArray()));
        return out;
    }

    static TrainConfig.Builder small() {
        return TrainConfig.builder().maxLength(16).batchSize(2).accum(2).epochs(4).warmupSteps(2).lr(1e-2).logEvery(0).seed(7);
    }

    /** Every parameter's gradient after trainer.gradients(batch), by name. */
    static List<float[]> allGradients(Trainer trainer, TrainBatch batch) throws IOException {
        trainer.gradients(batch);
        List<float[]> out = new ArrayList<>();
        for (JsonNode p : Json.MAPPER.readTree(trainer.info()).get("parameters")) {
            int size = 1;
            for (JsonNode d : p.get("shape")) size *= d.asInt();
            out.add(trainer.gradient(p.get("name").asText(), size));
        }
        return out;
    }

    @Test
    void microBatchesGiveTheGradientOfOneBigBatch(@TempDir Path dir) throws IOException {
        // No-padding masking gives rows different token counts, so a per-micro-batch mean would differ.
        // Second run: 2 micro-batches of 4 rows, each split across 2 data-parallel workers.
        Path ckpt = tinyModel(dir, "gpt_neo");
        List<TrainingExample> data = examples(8, 1);
        int[] all = {0, 1, 2, 3, 4, 5, 6, 7};
        List<float[]> big, accumulated;
        double bigLoss, accLoss;
        try (Model m = Model.load(ckpt); Trainer t = new Trainer(m, null, small().mask(TrainConfig.Mask.NO_PADDING).batchSize(8).accum(1).build(), data)) {
            TrainBatch b = t.data().batch(all);
            bigLoss = t.evaluate(b).loss();
            big = allGradients(t, b);
        }
        try (Model m = Model.load(ckpt); Trainer t = new Trainer(m, null, small().mask(TrainConfig.Mask.NO_PADDING).batchSize(4).accum(2).workers(2).build(), data)) {
            TrainBatch b = t.data().batch(all);
            accLoss = t.evaluate(b).loss();
            accumulated = allGradients(t, b);
        }
        assertEquals(bigLoss, accLoss, 1e-6 * bigLoss);
        for (int i = 0; i < big.size(); i++) {
            double scale = 0, diff = 0;
            for (int k = 0; k < big.get(i).length; k++) {
                scale = Math.max(scale, Math.abs(big.get(i)[k]));
                diff = Math.max(diff, Math.abs(big.get(i)[k] - accumulated.get(i)[k]));
            }
            assertTrue(diff <= 1e-5 * scale + 1e-9, "parameter " + i + ": max diff " + diff + " of scale " + scale);
        }
    }

    @Test
    void maskedPositionsContributeNoGradient(@TempDir Path dir) throws IOException {
        Path ckpt = tinyModel(dir, "gpt2");
        try (Model m = Model.load(ckpt);
             Trainer t = new Trainer(m, null, small().mask(TrainConfig.Mask.COMPLETION_ONLY).build(), examples(4, 2))) {
            TrainBatch b = t.data().batch(new int[]{0, 1, 2, 3});
            List<float[]> before = allGradients(t, b);
            // Rewrite every target the loss ignores and every token that is neither real nor a
            // loss-bearing query: the gradient must not move by a single bit.
            Random r = new Random(3);
            long[] ids = b.ids().clone(), targets = b.targets().clone();
            int changed = 0;
            for (int i = 0; i < ids.length; i++) {
                if (b.weights()[i] == 0) {
                    targets[i] = r.nextInt(VOCAB);
                    changed++;
                }
                if (b.weights()[i] == 0 && b.valid()[i] == 0) ids[i] = r.nextInt(VOCAB);
            }
            assertTrue(changed > 4, "the batch should have masked positions");
            List<float[]> after = allGradients(t, new TrainBatch(ids, targets, b.valid(), b.weights(), b.rows(), b.seq()));
            for (int i = 0; i < before.size(); i++) assertArrayEquals(before.get(i), after.get(i), 0.0f, "parameter " + i);
        }
    }

    @Test
    void resumedRunContinuesBitExactly(@TempDir Path dir) throws IOException {
        Path ckpt = tinyModel(dir, "gpt_neo");
        List<TrainingExample> data = examples(10, 4);  // 2 steps per epoch x 4 epochs; 2 examples sit out each epoch
        TrainConfig config = small().workers(2).build();  // the parallel reduction must be deterministic too
        List<Double> straight = new ArrayList<>(), resumed = new ArrayList<>();
        TrainListener straightLog = new TrainListener() {
            @Override
            public void onStep(StepMetrics m) {
                straight.add(m.loss());
            }
        };
        TrainListener resumedLog = new TrainListener() {
            @Override
            public void onStep(StepMetrics m) {
                resumed.add(m.loss());
            }
        };
        Path a, b;
        try (Model m = Model.load(ckpt); Trainer t = new Trainer(m, null, config, data)) {
            assertEquals(8, t.totalSteps());
            a = t.fit(dir.resolve("a"), straightLog);
        }
        // Interrupted after step 3 (mid-epoch); nothing but the checkpoint survives.
        try (Model m = Model.load(ckpt); Trainer t = new Trainer(m, null, config.toBuilder().stopAfter(3).build(), data)) {
            assertEquals(dir.resolve("b/step-3"), t.fit(dir.resolve("b"), resumedLog));
        }
        Path latest = Trainer.latestCheckpoint(dir.resolve("b")).orElseThrow();
        for (String f : List.of("config.json", "model.safetensors", "optimizer.safetensors", "trainer_state.json"))
            assertTrue(Files.isRegularFile(latest.resolve(f)), f);
        try (Model m = Model.load(latest); Trainer t = new Trainer(m, null, config, data)) {
            t.restore(latest);
            assertEquals(3, t.steps());
            b = t.fit(dir.resolve("b"), resumedLog);
        }
        assertEquals(straight, resumed);  // exact doubles, every step
        assertEquals(8, straight.size());
        assertEquals(0.0, Reference.maxTensorDiff(a, b));
        assertEquals(dir.resolve("b/step-8"), b);
    }

    @Test
    void checkpointsCarryTheBaseCheckpointsTokenizer(@TempDir Path dir) {
        Path ckpt = tinyModel(dir, "gpt2");
        ByteLevelBpe tokenizer = ByteLevelBpe.smallVocabulary();
        tokenizer.save(ckpt);
        Path saved;
        try (Model m = Model.load(ckpt); Trainer t = new Trainer(m, null, small().epochs(1).build(), examples(4, 3))) {
            saved = t.fit(dir.resolve("run"), new TrainListener() { });
        }
        String text = "Mia has 3 apples.\nanswer = 3\n";
        assertArrayEquals(tokenizer.encode(text), Tokenizer.load(saved).encode(text), "the checkpoint's own tokenizer is the base's");
        assertTrue(TextCodec.forModel(saved).isPresent(), "ekt sample and ekt serve take it as it is");

        Path bare = tinyModel(dir.resolve("bare"), "gpt2");
        try (Model m = Model.load(bare); Trainer t = new Trainer(m, null, small().epochs(1).build(), examples(4, 3))) {
            saved = t.fit(dir.resolve("bare-run"), new TrainListener() { });
        }
        assertFalse(Tokenizer.isPresent(saved), "no tokenizer is made up where the base has none");
    }

    @Test
    void restoreRefusesACheckpointOfADifferentRun(@TempDir Path dir) {
        Path ckpt = tinyModel(dir, "gpt2");
        List<TrainingExample> data = examples(6, 5);
        Path saved;
        try (Model m = Model.load(ckpt); Trainer t = new Trainer(m, null, small().stopAfter(1).build(), data)) {
            saved = t.fit(dir.resolve("run"), new TrainListener() { });
        }
        try (Model m = Model.load(ckpt); Trainer t = new Trainer(m, null, small().lr(2e-2).build(), data)) {
            var e = assertThrows(EktException.class, () -> t.restore(saved));
            assertTrue(e.getMessage().contains("different run") && e.getMessage().contains("lr 0.01 (now 0.02)"), e.getMessage());
        }
        try (Model m = Model.load(ckpt); Trainer t = new Trainer(m, null, small().build(), examples(6, 6))) {
            var e = assertThrows(EktException.class, () -> t.restore(saved));
            assertTrue(e.getMessage().contains("fingerprint"), e.getMessage());
        }
    }

    @Test
    void tinyModelOverfitsAHandfulOfExamples() {
        String config = "{\"model_type\": \"gpt2\", \"vocab_size\": 40, \"n_positions\": 32, \"n_embd\": 32, \"n_layer\": 2,"
                + " \"n_head\": 4, \"eos_token_id\": 39}";
        List<TrainingExample> data = examples(4, 8);
        TrainConfig cfg = TrainConfig.builder().maxLength(16).batchSize(4).accum(1).epochs(150).warmupSteps(10)
                .schedule(TrainConfig.Schedule.CONSTANT).lr(1e-2).weightDecay(0).mask(TrainConfig.Mask.NO_PADDING).logEvery(0).build();
        try (Model m = Model.init(config, 1, "cpu"); Trainer t = new Trainer(m, null, cfg, data)) {
            TrainBatch all = t.data().batch(new int[]{0, 1, 2, 3});
            double initial = t.evaluate(all).loss();
            assertTrue(Math.abs(initial - Math.log(40)) < 0.5, "untrained loss " + initial + " should be near ln(40)");
            while (!t.finished()) t.step();
            double fin = t.evaluate(all).loss();
            assertTrue(fin < 0.05, "loss after 150 steps: " + fin);
        }
    }

    @Test
    void nonFiniteLossStopsWithTheLastGoodCheckpoint(@TempDir Path dir) {
        Path ckpt = tinyModel(dir, "gpt_neo");
        TrainConfig cfg = small().lr(1e30).warmupSteps(0).schedule(TrainConfig.Schedule.CONSTANT).saveEvery(1).build();
        try (Model m = Model.load(ckpt); Trainer t = new Trainer(m, null, cfg, examples(8, 9))) {
            var e = assertThrows(EktException.class, () -> t.fit(dir.resolve("run"), new TrainListener() { }));
            assertTrue(e.getMessage().contains("training stopped at step 2") && e.getMessage().contains("non-finite")
                    && e.getMessage().contains("last good checkpoint: " + dir.resolve("run/step-1")), e.getMessage());
        }
        assertTrue(Files.isRegularFile(dir.resolve("run/step-1/trainer_state.json")));
        assertFalse(Files.exists(dir.resolve("run/step-2")));
    }

    @Test
    void keepsOnlyTheNewestCheckpoints(@TempDir Path dir) throws IOException {
        Path ckpt = tinyModel(dir, "gpt2");
        try (Model m = Model.load(ckpt); Trainer t = new Trainer(m, null, small().epochs(2).saveEvery(1).keepCheckpoints(2).build(), examples(8, 11))) {
            assertEquals(dir.resolve("run/step-4"), t.fit(dir.resolve("run"), new TrainListener() { }));
        }
        try (var s = Files.list(dir.resolve("run"))) {
            assertEquals(List.of("step-3", "step-4"), s.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void trainedWeightsAreWhatTheModelHandleServesAndSaves(@TempDir Path dir) {
        Path ckpt = tinyModel(dir, "gpt2");
        long[] ids = {1, 2, 3, 4};
        try (Model m = Model.load(ckpt)) {
            float[] before = m.logits(ids, null, 1, 4);
            try (Trainer t = new Trainer(m, null, small().stopAfter(2).build(), examples(6, 10))) {
                t.fit(dir.resolve("run"), new TrainListener() { });
            }
            float[] after = m.logits(ids, null, 1, 4);
            assertFalse(java.util.Arrays.equals(before, after), "training must change the handle's weights");
            m.save(dir.resolve("saved"));
            double[][] ref = Reference.logits(dir.resolve("saved"), ids);
            for (int p = 0; p < 4; p++) assertTrue(Reference.relativeError(after, p * VOCAB, ref[p]) <= 1e-4, "position " + p);
        }
    }
}
