package ekt.pipeline;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A run without a single usable problem is an error, raised before anything is written. */
class ExperimentDataTest {
    @Test
    void zeroUsableProblemsIsAnError(@TempDir Path dir) throws IOException {
        Files.writeString(dir.resolve("train.jsonl"), "{oops\n[1, 2]\n{\"question\": \"no answer\"}\n");
        Files.writeString(dir.resolve("test.jsonl"), "{\"question\": \"What is 6 * 7?\", \"answer\": \"6 * 7 = 42\\n#### 42\"}\n");
        Files.writeString(dir.resolve("r.jsonl"), "");
        Files.createDirectories(dir.resolve("student"));
        Files.writeString(dir.resolve("student").resolve("config.json"), "{}");  // the config check only needs the directory
        Path config = dir.resolve("run.json");
        Files.writeString(config, "{\"data\": {\"train\": \"train.jsonl\", \"test\": \"test.jsonl\"}, "
                + "\"teacher\": {\"kind\": \"replay\", \"replay_file\": \"r.jsonl\"}, \"student\": {\"model\": \"student\"}, "
                + "\"methods\": [\"ekt\"]}");
        Path out = dir.resolve("run");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Experiment(RunConfig.load(config), dir, out));
        assertTrue(e.getMessage().contains(dir.resolve("train.jsonl") + ": no usable problems"), e.getMessage());
        assertFalse(Files.exists(out), "nothing is written");
    }
}
