package ekt.cli;

import ekt.records.Json;
import com.fasterxml.jackson.databind.JsonNode;
import ekt.testing.Reference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each data-producing command in a child JVM whose stdout and stderr are files (not terminals):
 * stdout parses as the command's documented format, progress is on stderr, and stderr holds no
 * carriage return and no escape byte.
 */
class CliStreamsTest {

    record Run(String out, String err) {
    }

    static Run ekt(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "ekt.cli.Main"));
        cmd.addAll(List.of(args));
        Path out = Files.createTempFile(dir, "stdout", ".txt"), err = Files.createTempFile(dir, "stderr", ".txt");
        Process p = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        assertTrue(p.waitFor(5, TimeUnit.MINUTES), "finished: " + args[0]);
        Run r = new Run(Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
        assertEquals(0, p.exitValue(), String.join(" ", args) + "\n" + r.err());
        assertFalse(r.err().contains("\r"), args[0] + ": no carriage return on a redirected stderr: " + r.err());
        assertFalse(r.err().contains("\u001b"), args[0] + ": no escape byte on a redirected stderr: " + r.err());
        return r;
    }

    @Test
    void stdoutIsDataAndStderrIsPlainProgress(@TempDir Path dir) throws Exception {
        Path model = Reference.make(dir.resolve("m"), "gpt_neo", "--positions", "32");
        JsonNode info = Json.MAPPER.readTree(ekt(dir, "model", "info", "--json", "--model", model.toString()).out());
        assertEquals("gpt_neo", info.get("model_type").asText());
        JsonNode logits = Json.MAPPER.readTree(ekt(dir, "model", "logits", "--model", model.toString(), "--ids", "1,2,3").out());
        assertTrue(logits.isArray() && logits.size() == info.get("vocab_size").asInt(), "a JSON array of vocab floats");

        Path prompts = Files.writeString(dir.resolve("prompts.jsonl"), "{\"id\": \"a\", \"tokens\": [3, 1, 4]}\n{\"id\": \"b\", \"tokens\": [5]}\n");
        Path samples = dir.resolve("samples.jsonl");
        Run sample = ekt(dir, "sample", "--model", model.toString(), "--prompts", prompts.toString(), "--out", samples.toString(),
                "--n", "3", "--max-new-tokens", "5");
        assertTrue(sample.out().isEmpty(), "records go to --out");
        assertTrue(sample.err().matches("(?s).*\\d\\d:\\d\\d:\\d\\d \\[sample] 6/6 samples \\(100%\\) \\| .* samples/s \\| .* tokens/s \\| took \\d\\d:\\d\\d.*"),
                sample.err());
        for (String line : Files.readAllLines(samples)) assertTrue(Json.MAPPER.readTree(line).has("tokens"), line);

        Path data = TrainCliTest.data(dir, 6);
        Run train = ekt(dir, "train", "--model", model.toString(), "--data", data.toString(), "--out", dir.resolve("run").toString(),
                "--epochs", "2", "--micro-batch", "2", "--accum", "1", "--max-length", "16", "--warmup", "1", "--log-every", "1");
        assertTrue(Files.isDirectory(Path.of(train.out().trim())), "stdout: the final checkpoint: " + train.out());
        assertTrue(train.err().matches("(?s).*\\[train] 6/6 steps \\(100%\\) \\| .* steps/s \\| .* tokens/s \\| took \\d\\d:\\d\\d \\| epoch 2  loss .*"),
                train.err());
        assertTrue(train.err().contains("ETA"), "intermediate lines carry the ETA: " + train.err());

        Path programs = Files.writeString(dir.resolve("programs.jsonl"), "{\"id\": \"p\", \"program\": \"answer = 2.0\", \"answer\": 2}\n");
        Path results = dir.resolve("results.jsonl");
        Run exec = ekt(dir, "exec", "--in", programs.toString(), "--out", results.toString(), "--workers", "1");
        assertTrue(exec.err().contains("[exec] 1/1 programs (100%)"), exec.err());
        assertTrue(Json.MAPPER.readTree(Files.readAllLines(results).get(0)).get("correct").asBoolean());

        Path converted = dir.resolve("converted");
        assertEquals(converted.toString(), ekt(dir, "convert", "--model", model.toString(), "--out", converted.toString()).out().trim());
        assertTrue(ekt(dir, "completion").out().contains("complete -F"));
    }
}
