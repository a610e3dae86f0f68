package ekt.cli;

import ekt.records.Json;
import ekt.core.Native;
import ekt.testing.Reference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Asking for CUDA on a machine without it fails at once with a clear message, before any work
 * (no run directory, no sampling): through --device on each command that loads a model, and
 * through a run config's devices.
 */
class DeviceCliTest {
    @BeforeAll
    static void noCuda() throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse(Json.MAPPER.readTree(Native.runtimeInfo()).get("cuda_available").asBoolean(),
                "this machine has CUDA");
    }

    /** Exit code and stderr of the CLI. */
    static String failing(String... args) {
        PrintStream old = System.err;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setErr(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            assertEquals(1, Main.run(args), "exit code of ekt " + String.join(" ", args));
        } finally {
            System.setErr(old);
        }
        String err = buf.toString(StandardCharsets.UTF_8);
        assertTrue(err.contains("CUDA is not available"), err);
        return err;
    }

    static Path config(Path dir, String devices) throws Exception {
        Path model = Reference.make(dir.resolve("student"), "gpt2", "--layers", "1", "--hidden", "16", "--heads", "2");
        Files.writeString(dir.resolve("train.jsonl"), "{\"question\": \"1 + 1?\", \"answer\": \"#### 2\"}\n");
        Path file = dir.resolve("run.yaml");
        Files.writeString(file, "data: {train: train.jsonl, test: train.jsonl}\n"
                + "teacher: {kind: engine, model: " + model + "}\n"
                + "student: {model: " + model + "}\n" + devices);
        return file;
    }

    @Test
    void runWithACudaDeviceFailsBeforeCreatingTheRunDirectory(@TempDir Path dir) throws Exception {
        Path out = dir.resolve("out");
        failing("run", "--config", config(dir, "").toString(), "--out", out.toString(), "--device", "cuda");
        assertFalse(Files.exists(out), "run directory created");
        String err = failing("run", "--config", config(dir, "devices: {teacher: {device: 'cuda:0', dtype: bfloat16}}\n").toString(),
                "--out", out.toString());
        assertTrue(err.contains("devices.teacher"), err);
        assertFalse(Files.exists(out), "run directory created");
    }

    @Test
    void everyModelLoadingCommandChecksItsDevice(@TempDir Path dir) throws Exception {
        Path model = Reference.make(dir.resolve("m"), "gpt2", "--layers", "1", "--hidden", "16", "--heads", "2");
        Path data = Files.writeString(dir.resolve("d.jsonl"), "{\"id\": \"a\", \"prompt_tokens\": [1, 2], \"completion_tokens\": [3]}\n");
        failing("model", "info", "--model", model.toString(), "--device", "cuda");
        failing("sample", "--model", model.toString(), "--prompts", data.toString(), "--out", dir.resolve("s.jsonl").toString(), "--device", "cuda");
        failing("train", "--model", model.toString(), "--data", data.toString(), "--out", dir.resolve("t").toString(), "--device", "cuda",
                "--dtype", "bfloat16");
        failing("serve", "--model", model.toString(), "--port", "0", "--device", "cuda");
        failing("demo", "--out", dir.resolve("demo").toString(), "--device", "cuda");
        assertFalse(Files.exists(dir.resolve("demo")), "demo directory created");
        assertFalse(Files.exists(dir.resolve("t")), "training directory created");
    }
}
