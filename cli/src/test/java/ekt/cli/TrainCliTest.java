package ekt.cli;

import ekt.testing.Reference;
import ekt.tokenizer.BpeTrainer;
import ekt.tokenizer.Tokenizer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `ekt train`: a short run, an interrupted run resumed, and the errors bad input gets. */
class TrainCliTest {
    record Result(int code, String out, String err) {
    }

    static Result run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
        System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
        try {
            int code = Main.run(args);
            return new Result(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    static Path data(Path dir, int count) throws Exception {
        Random r = new Random(1);
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < count; i++)
            lines.add("{\"id\": \"p" + i + "\", \"prompt_tokens\": " + r.ints(3, 0, 90).boxed().toList()
                    + ", \"completion_tokens\": " + r.ints(4 + 3 * i, 0, 90).boxed().toList() + "}");
        return Files.write(dir.resolve("train.jsonl"), lines);
    }

    @Test
    void trainsChecksPointsAndResumes(@TempDir Path dir) throws Exception {
        Path model = Reference.make(dir.resolve("m"), "gpt_neo", "--positions", "32");
        Path data = data(dir, 9);
        String[] common = {"train", "--model", model.toString(), "--data", data.toString(), "--out", dir.resolve("run").toString(),
                "--epochs", "3", "--micro-batch", "2", "--accum", "2", "--max-length", "16", "--warmup", "1", "--lr", "1e-3", "--log-every", "2", "--mask", "completion-only"};
        List<String> first = new ArrayList<>(List.of(common));
        first.addAll(List.of("--stop-after", "4"));
        Result a = run(first.toArray(String[]::new));
        assertEquals(0, a.code(), a.err());
        assertTrue(a.err().contains("2 steps/epoch x 3 epochs = 6 steps"), a.err());
        assertTrue(a.err().contains("warning: 5 of 9 examples are longer than 16 tokens and were truncated"), a.err());
        assertTrue(a.err().matches("(?s).*\\[train] 2/6 steps \\(33%\\) \\| .* steps/s \\| .* tokens/s \\| ETA \\d\\d:\\d\\d \\| "
                + "epoch 1  loss \\d+\\.\\d{4}  lr .* GFLOP/s  MFU .*%.*"), a.err());
        assertTrue(a.out().trim().endsWith(dir.resolve("run/step-4").toString()), "stdout: only the checkpoint: " + a.out());
        assertTrue(Files.isRegularFile(dir.resolve("run/step-4/optimizer.safetensors")));
        var generation = new com.fasterxml.jackson.databind.ObjectMapper().readTree(dir.resolve("run/step-4/generation_config.json").toFile());
        var config = new com.fasterxml.jackson.databind.ObjectMapper().readTree(dir.resolve("run/step-4/config.json").toFile());
        assertEquals(config.get("eos_token_id"), generation.get("eos_token_id"));
        assertEquals(config.get("eos_token_id"), generation.get("pad_token_id"), "padding declared: end-of-text, as in training");

        // A save killed mid-write leaves only step-N.tmp/ behind: --resume must not pick it up.
        Files.createDirectories(dir.resolve("run/step-5.tmp"));
        Files.writeString(dir.resolve("run/step-5.tmp/trainer_state.json"), "{\"trunc");
        List<String> second = new ArrayList<>(List.of(common));
        second.add("--resume");
        Result b = run(second.toArray(String[]::new));
        assertEquals(0, b.code(), b.err());
        assertTrue(b.err().contains("resuming at step 4"), b.err());
        assertTrue(b.out().trim().endsWith(dir.resolve("run/step-6").toString()), b.out());

        List<String> refused = new ArrayList<>(List.of(common));
        refused.addAll(List.of("--on-overflow", "refuse"));
        Result c = run(refused.toArray(String[]::new));
        assertEquals(1, c.code());
        assertTrue(c.err().contains("more than the max length 16"), c.err());
    }

    @Test
    void checkpointsCarryTheTokenizerSoSampleTakesThemAsTheyAre(@TempDir Path dir) throws Exception {
        List<String> texts = List.of("# add two numbers", "answer = 2 + 3", "# times", "answer = 4 * 5");
        Tokenizer tokenizer = BpeTrainer.train(texts, 20);
        Path model = Reference.make(dir.resolve("m"), "gpt_neo", "--vocab", Integer.toString(tokenizer.vocabSize()), "--positions", "32");
        tokenizer.save(model);
        Path data = Files.write(dir.resolve("train.jsonl"), List.of(
                "{\"id\": \"a\", \"prompt\": \"# add two numbers\\n\", \"completion\": \"answer = 2 + 3\"}",
                "{\"id\": \"b\", \"prompt\": \"# times\\n\", \"completion\": \"answer = 4 * 5\"}"));
        Result t = run("train", "--model", model.toString(), "--data", data.toString(), "--out", dir.resolve("run").toString(),
                "--epochs", "1", "--micro-batch", "2", "--accum", "1", "--max-length", "24", "--warmup", "0");
        assertEquals(0, t.code(), t.err());
        Path checkpoint = Path.of(t.out().trim());
        assertTrue(Files.isRegularFile(checkpoint.resolve(Tokenizer.TOKENIZER_JSON)), "tokenizer saved with the weights");

        Path prompts = Files.writeString(dir.resolve("prompts.jsonl"), "{\"id\": \"q\", \"prompt\": \"# add two numbers\\n\"}\n");
        Path samples = dir.resolve("samples.jsonl");
        Result s = run("sample", "--model", checkpoint.toString(), "--prompts", prompts.toString(), "--n", "2",
                "--max-new-tokens", "3", "--out", samples.toString());
        assertEquals(0, s.code(), s.err());
        List<String> lines = Files.readAllLines(samples);
        assertEquals(2, lines.size());
        for (String l : lines) {
            var r = new com.fasterxml.jackson.databind.ObjectMapper().readTree(l);
            assertEquals(tokenizer.decode(new com.fasterxml.jackson.databind.ObjectMapper().convertValue(r.get("tokens"), int[].class)),
                    r.get("text").asText(), "text decoded with the saved tokenizer: " + l);
        }
    }

    @Test
    void badInputFailsWithAClearMessage(@TempDir Path dir) throws Exception {
        Path model = Reference.make(dir.resolve("m"), "gpt2");
        Path data = Files.write(dir.resolve("bad.jsonl"), List.of("{\"id\": \"a\", \"prompt_tokens\": [1], \"completion_tokens\": [2]}", "{oops"));
        Result r = run("train", "--model", model.toString(), "--data", data.toString(), "--out", dir.resolve("o").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains(data + ":2: invalid JSON"), r.err());
        Path good = Files.write(dir.resolve("good.jsonl"), List.of("{\"id\": \"a\", \"prompt_tokens\": [1], \"completion_tokens\": [2]}"));
        Result mask = run("train", "--model", model.toString(), "--data", good.toString(), "--out", dir.resolve("m").toString(), "--mask", "prompt");
        assertEquals(1, mask.code());
        assertTrue(mask.err().contains("--mask: unknown value 'prompt' (one of all, no-padding, completion-only)"), mask.err());
        Result resume = run("train", "--model", model.toString(), "--data", good.toString(), "--out", dir.resolve("empty").toString(), "--resume");
        assertEquals(1, resume.code());
        assertTrue(resume.err().contains("--resume: no checkpoint"), resume.err());
    }

    @Test
    void neverOverwritesAnotherRunsCheckpoints(@TempDir Path dir) throws Exception {
        Path model = Reference.make(dir.resolve("m"), "gpt2");
        Path data = data(dir, 4);
        Path run = dir.resolve("run");
        String[] first = {"train", "--model", model.toString(), "--data", data.toString(), "--out", run.toString(),
                "--epochs", "1", "--batch", "2", "--accum", "1", "--max-length", "16", "--warmup", "1"};
        assertEquals(0, run(first).code());
        Path weights = run.resolve("step-2/model.safetensors");
        byte[] before = Files.readAllBytes(weights);
        Path other = Files.write(dir.resolve("other.jsonl"), List.of("{\"id\": \"x\", \"prompt_tokens\": [5], \"completion_tokens\": [6, 7]}"));
        String[] again = {"train", "--model", model.toString(), "--data", other.toString(), "--out", run.toString(),
                "--epochs", "1", "--batch", "2", "--accum", "1", "--max-length", "16", "--warmup", "1"};
        Result fresh = run(again);
        assertEquals(1, fresh.code());
        assertTrue(fresh.err().contains("--out " + run + " is not empty: pass --resume"), fresh.err());
        List<String> resumed = new ArrayList<>(List.of(again));
        resumed.add("--resume");
        Result differentData = run(resumed.toArray(String[]::new));
        assertEquals(1, differentData.code());
        assertTrue(differentData.err().contains("belongs to a different run"), differentData.err());
        assertArrayEquals(before, Files.readAllBytes(weights));
        try (var entries = Files.list(run)) {
            assertEquals(List.of("step-2"), entries.map(p -> p.getFileName().toString()).toList());
        }
    }
}
