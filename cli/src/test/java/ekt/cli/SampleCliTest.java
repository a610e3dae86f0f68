package ekt.cli;

import ekt.records.Json;
import com.fasterxml.jackson.databind.JsonNode;
import ekt.testing.Reference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `ekt sample`: record format, batch-size independence of the output file, resume, errors. */
class SampleCliTest {

    static int sample(Path model, Path prompts, Path out, String... extra) {
        List<String> args = new ArrayList<>(List.of("sample", "--model", model.toString(), "--prompts", prompts.toString(),
                "--out", out.toString(), "--n", "4", "--temperature", "0.8", "--top-k", "30", "--max-new-tokens", "10",
                "--quiet"));
        args.addAll(List.of(extra));
        if (!args.contains("--seed")) args.addAll(List.of("--seed", "7"));
        return Main.run(args.toArray(String[]::new));
    }

    @Test
    void writesOneRecordPerSampleIndependentlyOfTheBatchSize(@TempDir Path dir) throws Exception {
        Path m = Reference.make(dir.resolve("m"), "gpt_neo", "--window", "3", "--seed", "8");
        Path prompts = dir.resolve("prompts.jsonl");
        Files.writeString(prompts, "{\"id\": \"q1\", \"tokens\": [3, 1, 4]}\n\n{\"id\": \"q2\", \"tokens\": [15, 9, 2, 6, 5, 3]}\n"
                + "{\"id\": \"q3\", \"tokens\": [58]}\n");
        Path one = dir.resolve("one.jsonl"), many = dir.resolve("many.jsonl");
        assertEquals(0, sample(m, prompts, one, "--max-batch", "1"));
        assertEquals(0, sample(m, prompts, many, "--batch", "16"));
        List<String> lines = Files.readAllLines(one), batched = Files.readAllLines(many);
        assertEquals(12, lines.size());
        assertEquals(12, batched.size());
        for (int i = 0; i < lines.size(); i++) {
            JsonNode r = Json.MAPPER.readTree(lines.get(i)), b = Json.MAPPER.readTree(batched.get(i));
            // Same records in the same order whatever the batch; log-probabilities up to float rounding.
            for (String field : new String[]{"id", "sample", "tokens", "finish"}) assertEquals(r.get(field), b.get(field), field);
            assertEquals(r.get("logprob").asDouble(), b.get("logprob").asDouble(), 1e-4);
            assertEquals("q" + (i / 4 + 1), r.get("id").asText());
            assertEquals(i % 4, r.get("sample").asInt());
            assertTrue(r.get("text").isNull(), "no tokenizer: no text");
            int n = r.get("tokens").size();
            assertTrue(n >= 1 && n <= 10);
            assertEquals(n, r.get("logprobs").size());
            String finish = r.get("finish").asText();
            assertTrue(finish.equals("length") ? n == 10 : finish.equals("eos") && r.get("tokens").get(n - 1).asInt() == 96, finish);
            double sum = 0;
            for (JsonNode l : r.get("logprobs")) sum += l.asDouble();
            assertEquals(sum, r.get("logprob").asDouble(), 1e-3);
        }
        // Another seed gives other samples.
        Path other = dir.resolve("other.jsonl");
        assertEquals(0, sample(m, prompts, other, "--seed", "8"));
        assertNotEquals(lines, Files.readAllLines(other));
    }

    @Test
    void resumeKeepsCompletePromptsAndRedoesTheRest(@TempDir Path dir) throws Exception {
        Path m = Reference.make(dir.resolve("m"), "gpt2", "--seed", "9");
        Path prompts = dir.resolve("prompts.jsonl");
        Files.writeString(prompts, "{\"id\": \"a\", \"tokens\": [1, 2]}\n{\"id\": \"b\", \"tokens\": [3]}\n");
        Path full = dir.resolve("full.jsonl"), partial = dir.resolve("partial.jsonl");
        assertEquals(0, sample(m, prompts, full, "--stop-tokens", "5,6"));
        List<String> expected = Files.readAllLines(full);
        // An interrupted run: prompt a complete, b with one sample and a torn line.
        Files.writeString(partial, String.join("\n", expected.subList(0, 5)) + "\n" + expected.get(5).substring(0, 9));
        assertEquals(0, sample(m, prompts, partial, "--stop-tokens", "5,6", "--resume"));
        assertEquals(expected, Files.readAllLines(partial));
    }

    @Test
    void textPromptsWithoutATokenizerAndBadOptionsFailWithMessages(@TempDir Path dir) throws Exception {
        Path m = Reference.make(dir.resolve("m"), "gpt2");
        Path prompts = dir.resolve("prompts.jsonl");
        Files.writeString(prompts, "{\"id\": \"a\", \"prompt\": \"hello\"}\n");
        assertEquals(1, sample(m, prompts, dir.resolve("o.jsonl")));
        Files.writeString(prompts, "{\"id\": \"a\", \"tokens\": [1]}\n{\"tokens\": [1]}\n");
        assertEquals(1, sample(m, prompts, dir.resolve("o.jsonl")));
        Files.writeString(prompts, "{\"id\": \"a\", \"tokens\": [1]}\n");
        assertEquals(1, sample(m, prompts, dir.resolve("o.jsonl"), "--top-p", "1.5"));
        assertEquals(1, sample(m, prompts, dir.resolve("o.jsonl"), "--stop-line", "answer"));
    }

    @Test
    void neverDestroysItsPromptsOrEarlierSamples(@TempDir Path dir) throws Exception {
        Path m = Reference.make(dir.resolve("m"), "gpt2", "--seed", "8");
        Path prompts = dir.resolve("prompts.jsonl");
        String text = "{\"id\": \"q1\", \"tokens\": [3, 1, 4]}\n";
        Files.writeString(prompts, text);
        Path link = dir.resolve("link.jsonl");
        Files.createLink(link, prompts);
        for (Path out : List.of(prompts, link)) {
            assertEquals(1, sample(m, prompts, out));
            assertEquals(1, sample(m, prompts, out, "--overwrite"));
            assertEquals(1, sample(m, prompts, out, "--resume"));
            assertEquals(text, Files.readString(prompts));
        }
        Path out = dir.resolve("samples.jsonl");
        Files.writeString(out, "earlier samples\n");
        assertEquals(1, sample(m, prompts, out));
        assertEquals("earlier samples\n", Files.readString(out));
        assertEquals(0, sample(m, prompts, out, "--overwrite"));
        assertEquals(4, Files.readAllLines(out).size());
    }

    @Test
    void sizesBeyondTheModelOrTheMachineAreRefusedBeforeAnythingIsWritten(@TempDir Path dir) throws Exception {
        Path m = Reference.make(dir.resolve("m"), "gpt2", "--positions", "64", "--vocab", "100");
        Path prompts = Files.writeString(dir.resolve("prompts.jsonl"), "{\"id\": \"q1\", \"tokens\": [3, 1, 4]}\n");
        Path badIds = Files.writeString(dir.resolve("bad.jsonl"), "{\"id\": \"q1\", \"tokens\": [3]}\n{\"id\": \"q2\", \"tokens\": [1, 100]}\n");
        Path out = dir.resolve("o.jsonl");
        String[][] cases = {
                {prompts.toString(), "--max-new-tokens", "1000000000", "--max-new-tokens 1000000000 leaves no room for a prompt in " + m + "'s context of 64 tokens; give at most 63"},
                {prompts.toString(), "--max-new-tokens", "64", "give at most 63"},
                {prompts.toString(), "--memory-mb", "1000000000", "--memory-mb 1000000000 is more than this machine's"},
                {prompts.toString(), "--n", "2000000000", "lower --n or --max-new-tokens"},
                {badIds.toString(), "--seed", "7", badIds + ": prompt 'q2': \"tokens\"[1] = 100 is not in " + m + "'s vocabulary [0, 100)"},
        };
        for (String[] c : cases) {
            List<String> args = new ArrayList<>(List.of("sample", "--model", m.toString(), "--prompts", c[0], "--out", out.toString(),
                    c[1], c[2], "--quiet"));
            if (!c[1].equals("--max-new-tokens")) args.addAll(List.of("--max-new-tokens", "10"));
            TrainCliTest.Result r = TrainCliTest.run(args.toArray(String[]::new));
            assertEquals(1, r.code(), String.join(" ", c));
            assertTrue(r.err().contains(c[3]), r.err());
            assertFalse(Files.exists(out), "nothing written for " + String.join(" ", c));
        }
        assertEquals(0, TrainCliTest.run("sample", "--model", m.toString(), "--prompts", prompts.toString(), "--out", out.toString(),
                "--max-new-tokens", "63", "--n", "2", "--quiet").code(), "the largest size the context allows is sampled");
        assertEquals(2, Files.readAllLines(out).size());
    }
}
