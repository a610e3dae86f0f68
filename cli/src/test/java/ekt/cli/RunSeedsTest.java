package ekt.cli;

import ekt.testing.Reference;
import ekt.tokenizer.BpeTrainer;
import ekt.tokenizer.ByteLevelBpe;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ekt run --seeds 1,2}: a tiny experiment (a random model as teacher and student, prompted
 * methods only) run under two seeds into seed-N/, with each seed's report and a summary across
 * seeds; stdout names the summary.
 */
class RunSeedsTest {
    @Test
    void runsOncePerSeedAndSummarises(@TempDir Path dir) throws Exception {
        List<String> questions = new ArrayList<>();
        for (int i = 0; i < 6; i++) questions.add("Tom has " + (i + 2) + " apples and buys " + (i + 1) + " more. How many?");
        ByteLevelBpe bpe = BpeTrainer.train(questions, 30);
        Path model = Reference.make(dir.resolve("m"), "gpt_neo", "--vocab", Integer.toString(bpe.vocabSize()), "--positions", "128");
        bpe.save(model);
        List<String> train = new ArrayList<>(), test = new ArrayList<>();
        for (int i = 0; i < 6; i++)
            (i < 3 ? train : test).add("{\"question\": \"" + questions.get(i) + "\", \"answer\": \"#### " + (2 * i + 3) + "\"}");
        Files.write(dir.resolve("train.jsonl"), train);
        Files.write(dir.resolve("test.jsonl"), test);
        Path config = Files.writeString(dir.resolve("config.json"), "{\"name\": \"seeds\", \"data\": {\"train\": \"train.jsonl\", "
                + "\"test\": \"test.jsonl\"}, \"teacher\": {\"kind\": \"engine\", \"model\": \"m\", \"n\": 2, \"max_new_tokens\": 6}, "
                + "\"student\": {\"model\": \"m\"}, \"evaluation\": {\"n\": 2, \"max_new_tokens\": 6, \"k\": [1, 2]}, "
                + "\"methods\": [\"fewshot_teacher\", \"zeroshot_student\"]}");
        Path out = dir.resolve("run");
        TrainCliTest.Result r = TrainCliTest.run("run", "--config", config.toString(), "--out", out.toString(), "--seeds", "1,2");
        assertEquals(0, r.code(), r.err());
        assertEquals(out.resolve("report.md") + "\n" + out.resolve("report.html") + "\n", r.out(), "stdout: the summary's paths");
        for (String seed : List.of("1", "2")) {
            String md = Files.readString(out.resolve("seed-" + seed).resolve("report.md"));
            assertTrue(md.contains("| method | greedy pass@1 | pass@1 | pass@2 | training examples | teacher coverage |"), md);
            assertTrue(Files.readString(out.resolve("seed-" + seed).resolve("manifest.json")).contains("\"seed\" : " + seed), "seed " + seed);
        }
        String summary = Files.readString(out.resolve("report.md"));
        assertTrue(summary.startsWith("# seeds (2 seeds)"), summary);
        assertTrue(summary.contains("| student (zero-shot) |"), summary);
        assertTrue(summary.contains("greedy pass@1, seed 1 | greedy pass@1, seed 2"), summary);
        assertTrue(Files.isRegularFile(out.resolve("report.html")));
    }
}
