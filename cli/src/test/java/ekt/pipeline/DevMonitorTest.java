package ekt.pipeline;

import ekt.records.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ekt.core.Model;
import ekt.records.Jsonl;
import ekt.demo.WordProblems;
import ekt.sample.TextCodec;
import ekt.testing.Python;
import ekt.testing.Ranks;
import ekt.tokenizer.BpeTrainer;
import ekt.tokenizer.Tokenizer;
import ekt.core.SamplingOptions;
import ekt.exec.ExecRecord;
import ekt.exec.ExecRecords;
import ekt.sample.EngineCompleter;
import ekt.sample.SamplePrompt;
import ekt.sample.SampleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Dev monitoring (paper.md §4) through a real experiment: a tiny student fine-tuned on replayed
 * programs records one dev point every eval_every_epochs, and the checkpoint the config chooses
 * (best_dev or final) is the one whose greedy programs the test scores are made of.
 */
class DevMonitorTest {
    /** Same tolerance as DistributedTrainCliTest's: only the order of float additions differs. */
    private static final double WEIGHT_TOLERANCE = 1e-5;
    private static final int TRAIN = 24, DEV = 6, TEST = 6, EPOCHS = 4, EVERY = 2, BATCH = 4;

    @Test
    void onePointPerEvalIntervalAndTheChosenCheckpointIsScored(@TempDir Path dir) throws IOException {
        Path student = writeInputs(dir, DEV);
        for (String choice : List.of("best_dev", "final")) {
            Path config = dir.resolve(choice + ".json"), runDir = dir.resolve("run-" + choice);
            Files.writeString(config, config(choice).toPrettyString());
            String report = new Experiment(RunConfig.load(config), dir, runDir).run();

            Path stage = runDir.resolve("ekt-train");
            List<DevEvaluation> points = DevMonitor.read(stage);
            int stepsPerEpoch = TRAIN / BATCH;
            assertEquals(EPOCHS / EVERY, points.size(), "one point per " + EVERY + " epochs");
            for (int i = 0; i < points.size(); i++) {
                DevEvaluation p = points.get(i);
                int epoch = (i + 1) * EVERY;
                assertEquals(epoch, p.epoch());
                assertEquals(epoch * stepsPerEpoch, p.step());
                assertEquals("step-" + epoch * stepsPerEpoch, p.checkpoint());
                assertEquals(DEV, p.problems());
                assertEquals(p.solved() / (double) DEV, p.greedyPass1(), 1e-12);
            }
            DevEvaluation best = DevMonitor.best(stage).orElseThrow();
            Path scored = choice.equals("final") ? stage.resolve("step-" + EPOCHS * stepsPerEpoch) : stage.resolve(DevMonitor.BEST);
            String expectedLine = "EKT scored with checkpoint " + choice + " ("
                    + (choice.equals("final") ? "step-" + EPOCHS * stepsPerEpoch : best.checkpoint()) + ")";
            assertTrue(report.contains(expectedLine), expectedLine + " in:\n" + report);
            if (choice.equals("best_dev"))
                assertEquals(best.checkpoint() + "\n", Files.readString(scored.resolve("dev_checkpoint.txt")));
            assertEquals(greedyOf(scored, student, dir.resolve("test.jsonl")), recordedGreedy(runDir.resolve("ekt-greedy")),
                    "the test's greedy programs come from the " + choice + " checkpoint");
        }
    }

    /**
     * {@code ekt run} as two ranks (separate JVMs, Gloo on 127.0.0.1) with 20 dev problems, two
     * parts of 16 and 4: each rank decodes and executes one, rank 0 records. The records, the
     * programs and the best weights are those of one process (two core threads, so its trainer
     * splits each batch as the two single-threaded ranks do; the weights then differ only in the
     * last bits, from reductions such as the gradient norm run on two threads instead of one).
     */
    @Test
    void twoRanksRecordTheOneProcessEvaluations(@TempDir Path dir) throws Exception {
        int dev = Experiment.CHUNK + 4;
        writeInputs(dir, dev);
        Path config = dir.resolve("best_dev.json"), logs = dir.resolve("logs"), one = dir.resolve("one"), two = dir.resolve("two");
        Files.writeString(config, config("best_dev").toPrettyString());
        Ranks.start(1, logs, "one", Map.of("EKT_THREADS", "2"), "run", "--config", config.toString(), "--out", one.toString()).succeed(600);
        Ranks.Job job = Ranks.start(2, logs, "two", Map.of(), "run", "--config", config.toString(), "--out", two.toString());
        job.succeed(600);

        Path stageOne = one.resolve("ekt-train"), stageTwo = two.resolve("ekt-train");
        assertEquals(EPOCHS / EVERY, DevMonitor.read(stageOne).size());
        assertEquals(Files.readString(stageOne.resolve(DevMonitor.FILE)), Files.readString(stageTwo.resolve(DevMonitor.FILE)));
        for (int evaluation = 1; evaluation <= EPOCHS / EVERY; evaluation++) {
            String step = "step-" + evaluation * EVERY * (TRAIN / BATCH);
            Parts<ExecRecord> partsOne = new Parts<>(stageOne.resolve(DevMonitor.DIR).resolve(step), ExecRecords.CODEC),
                    partsTwo = new Parts<>(stageTwo.resolve(DevMonitor.DIR).resolve(step), ExecRecords.CODEC);
            assertEquals(2, partsTwo.files().size(), step);
            assertEquals(dev, partsTwo.readAll().size(), step);
            for (int part = 0; part < 2; part++)
                assertEquals(Files.readString(partsOne.path(part)), Files.readString(partsTwo.path(part)), step + " part " + part);
        }
        Path bestOne = stageOne.resolve(DevMonitor.BEST), bestTwo = stageTwo.resolve(DevMonitor.BEST);
        assertEquals(Files.readString(bestOne.resolve("dev_checkpoint.txt")), Files.readString(bestTwo.resolve("dev_checkpoint.txt")));
        double diff = Json.MAPPER.readTree(Python.run("hf_reference.py", "compare", "--a", bestOne.toString(), "--b", bestTwo.toString()))
                .get("max_abs_diff").asDouble();
        assertTrue(diff <= WEIGHT_TOLERANCE, "best-dev weights of 2 ranks vs 1 process differ by " + diff);
        assertTrue(job.log(0).contains("dev greedy pass@1 at step"), job.log(0));
        assertFalse(job.log(1).contains("dev greedy pass@1 at step"), "rank 0 alone records:\n" + job.log(1));
    }

    /** Problems (TRAIN of them for training, {@code dev} for the dev split, TEST), the replayed teacher and the tiny student. */
    private static Path writeInputs(Path dir, int dev) throws IOException {
        List<WordProblems.Generated> all = WordProblems.generate(11, TRAIN + dev + TEST, Set.of());
        writeProblems(dir.resolve("train.jsonl"), all.subList(0, TRAIN + dev));
        writeProblems(dir.resolve("test.jsonl"), all.subList(TRAIN + dev, all.size()));
        var devIndices = Json.MAPPER.createArrayNode();
        for (int i = TRAIN; i < TRAIN + dev; i++) devIndices.add(i);
        Files.writeString(dir.resolve("dev.json"), Json.line(devIndices));
        List<String> replay = new ArrayList<>();
        for (int i = 0; i < TRAIN + dev; i++)
            replay.add(Json.line(Json.object().put("id", "train-" + i).put("sample", 0).put("text", "\n" + all.get(i).program())));
        Files.write(dir.resolve("replay.jsonl"), replay);
        return tinyStudent(dir.resolve("student"), all);
    }

    private static ObjectNode config(String checkpoint) {
        ObjectNode c = Json.object().put("name", "dev monitoring");
        c.putObject("data").put("train", "train.jsonl").put("test", "test.jsonl").put("dev_indices", "dev.json");
        c.putObject("teacher").put("kind", "replay").put("replay_file", "replay.jsonl").put("n", 1);
        c.putObject("student").put("model", "student").put("epochs", EPOCHS).put("lr", 3e-3).put("warmup_steps", 2).put("batch", BATCH)
                .put("accum", 1).put("max_length", 128).put("mask", "no-padding").put("checkpoint_every", 0)
                .put("eval_every_epochs", EVERY).put("checkpoint", checkpoint);
        c.putObject("execution").put("workers", 1);
        c.putObject("evaluation").put("n", 1).put("max_new_tokens", 40).putArray("k").add(1);
        c.putArray("methods").add("ekt");
        return c;
    }

    /** A randomly initialised one-layer GPT-Neo with a BPE vocabulary learned on the problems' texts. */
    static Path tinyStudent(Path dir, List<WordProblems.Generated> problems) {
        List<String> texts = problems.stream().map(g -> Prompts.trainingText(g.question(), "\n" + g.program())).toList();
        Tokenizer tokenizer = BpeTrainer.train(texts, 150);
        ObjectNode c = Json.object().put("model_type", "gpt_neo").put("vocab_size", tokenizer.vocabSize()).put("bos_token_id", tokenizer.eosId())
                .put("eos_token_id", tokenizer.eosId()).put("max_position_embeddings", 192).put("hidden_size", 32).put("num_layers", 1)
                .put("num_heads", 4).put("window_size", 96).put("activation_function", "gelu_new").put("layer_norm_epsilon", 1e-5)
                .put("tie_word_embeddings", true);
        c.putArray("attention_types").addArray().add(Json.MAPPER.createArrayNode().add("global")).add(1);
        try (Model m = Model.init(Json.line(c), 3, "cpu")) {
            m.save(dir);
        }
        tokenizer.save(dir);
        return dir;
    }

    private static Map<String, String> greedyOf(Path model, Path tokenizerDir, Path testFile) {
        Map<String, String> out = new HashMap<>();
        List<SamplePrompt> prompts = new ArrayList<>();
        int i = 0;
        for (Jsonl.Line l : Jsonl.readStrict(testFile)) prompts.add(SamplePrompt.ofText("test-" + i++, Prompts.question(l.value().get("question").asText())));
        try (Model m = Model.load(model)) {
            new EngineCompleter(m, TextCodec.of(Tokenizer.load(tokenizerDir)), "check")
                    .complete(prompts, SamplingOptions.greedy(40), c -> out.put(c.id(), c.text()));
        }
        return out;
    }

    private static Map<String, String> recordedGreedy(Path stage) {
        Map<String, String> out = new HashMap<>();
        for (SampleRecord r : new Parts<>(stage, SampleRecord.CODEC).readAll()) out.put(r.id(), r.text());
        return out;
    }

    static void writeProblems(Path file, List<WordProblems.Generated> problems) throws IOException {
        List<String> lines = new ArrayList<>();
        for (WordProblems.Generated g : problems) lines.add(Json.line(Json.object().put("question", g.question()).put("answer", g.answer())));
        Files.write(file, lines);
    }
}
