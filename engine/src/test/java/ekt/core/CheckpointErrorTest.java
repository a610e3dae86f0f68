package ekt.core;

import ekt.testing.Reference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Bad checkpoints give an EktException naming the file and the problem; the JVM survives. */
class CheckpointErrorTest {
    @TempDir
    Path dir;

    Path good() {
        return Reference.make(dir.resolve("m"), "gpt2");
    }

    static void assertFails(Path model, String... fragments) {
        EktException e = assertThrows(EktException.class, () -> Model.load(model).close());
        for (String f : fragments) assertTrue(e.getMessage().contains(f), "message lacks '" + f + "': " + e.getMessage());
    }

    /** Replaces the first occurrence of {@code from} in the file's header with same-length {@code to}. */
    static void patchHeader(Path file, String from, String to) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        String text = new String(bytes, StandardCharsets.ISO_8859_1);
        int at = text.indexOf(from);
        assertTrue(at > 0 && from.length() == to.length());
        System.arraycopy(to.getBytes(StandardCharsets.ISO_8859_1), 0, bytes, at, to.length());
        Files.write(file, bytes);
    }

    @Test
    void missingDirectoryAndConfig() throws IOException {
        assertFails(dir.resolve("nope"), "model directory not found", "nope");
        Path m = good();
        Files.delete(m.resolve("config.json"));
        assertFails(m, "missing file", "config.json");
    }

    @Test
    void missingWeights() throws IOException {
        Path m = good();
        Files.delete(m.resolve("model.safetensors"));
        assertFails(m, "missing file", "model.safetensors");
    }

    @Test
    void unknownModelType() throws IOException {
        Path m = good();
        Files.writeString(m.resolve("config.json"), Files.readString(m.resolve("config.json")).replace("\"gpt2\"", "\"bert\""));
        assertFails(m, "unknown model_type 'bert'", "config.json");
    }

    @Test
    void shapeMismatchNamesTensorAndBothShapes() throws IOException {
        Path m = good();
        Files.writeString(m.resolve("config.json"), Files.readString(m.resolve("config.json")).replace("\"vocab_size\": 97", "\"vocab_size\": 98"));
        assertFails(m, "'transformer.wte.weight'", "[97, 32]", "expected [98, 32]", "model.safetensors");
    }

    @Test
    void missingTensor() throws IOException {
        Path m = good();
        patchHeader(m.resolve("model.safetensors"), "transformer.ln_f.weight", "transformer.ln_x.weight");
        assertFails(m, "no tensor 'transformer.ln_f.weight'");
    }

    @Test
    void unsupportedDtype() throws IOException {
        Path m = good();
        patchHeader(m.resolve("model.safetensors"), "\"dtype\": \"F32\"", "\"dtype\": \"I32\"");
        assertFails(m, "dtype I32", "F32, F16 or BF16");
    }

    @Test
    void truncatedFile() throws IOException {
        Path m = good();
        Path f = m.resolve("model.safetensors");
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(raf.length() - 100);
        }
        assertFails(m, "model.safetensors", "outside");
        try (RandomAccessFile raf = new RandomAccessFile(f.toFile(), "rw")) {
            raf.setLength(20);
        }
        assertFails(m, "truncated safetensors file");
    }

    @Test
    void corruptHeader() throws IOException {
        Path m = good();
        Path f = m.resolve("model.safetensors");
        byte[] bytes = Files.readAllBytes(f);
        for (int i = 20; i < 40; i++) bytes[i] = '#';
        Files.write(f, bytes);
        assertFails(m, "corrupt safetensors header", "invalid JSON");
    }

    @Test
    void modelStillWorksAfterFailures() throws IOException {
        Path m = good();
        Path broken = Files.createDirectories(dir.resolve("broken"));
        Files.writeString(broken.resolve("config.json"), "{not json");
        assertFails(broken, "invalid JSON");
        try (Model ok = Model.load(m)) {
            EktException e = assertThrows(EktException.class, () -> ok.lastLogits(new long[]{1, 500}, null, 1, 2));
            assertTrue(e.getMessage().contains("token id 500 is outside the vocabulary"), e.getMessage());
            assertTrue(ok.lastLogits(new long[]{1, 2}, null, 1, 2).length == 97);
        }
    }

    /** Sets one field of the checkpoint's config.json (a JSON literal) and returns the checkpoint. */
    static Path withField(Path model, String field, String json) throws IOException {
        var mapper = new com.fasterxml.jackson.databind.ObjectMapper();
        var config = (com.fasterxml.jackson.databind.node.ObjectNode) mapper.readTree(model.resolve("config.json").toFile());
        config.set(field, mapper.readTree(json));
        Files.writeString(model.resolve("config.json"), mapper.writeValueAsString(config));
        return model;
    }

    /** Every field out of range fails when the checkpoint is opened, naming file and field, not later in forward. */
    @Test
    void outOfRangeConfigFieldsAreNamed() throws IOException {
        String[][] gpt2Cases = {
                {"layer_norm_epsilon", "-1", "field 'layer_norm_epsilon' must be a positive number, got -1"},
                {"layer_norm_epsilon", "0", "field 'layer_norm_epsilon' must be a positive number, got 0"},
                {"n_embd", "-64", "field 'n_embd' must be a positive integer, got -64"},
                {"n_head", "0", "field 'n_head' must be a positive integer, got 0"},
                {"n_head", "5", "is not divisible by 5 heads"},
                {"n_inner", "-1", "field 'n_inner' must be a positive integer, got -1"},
                {"n_positions", "0", "field 'n_positions' must be a positive integer, got 0"},
                {"vocab_size", "-97", "field 'vocab_size' must be a positive integer, got -97"},
                {"n_layer", "1.5", "field 'n_layer' must be an integer, got 1.5"},
        };
        for (String[] c : gpt2Cases) {
            Path m = withField(Reference.make(dir.resolve("gpt2-" + c[0] + c[1]), "gpt2"), c[0], c[1]);
            assertFails(m, "config.json", c[2]);
        }
        String[][] neoCases = {
                {"window_size", "-5", "field 'window_size' must be a positive integer, got -5"},
                {"hidden_size", "-64", "field 'hidden_size' must be a positive integer, got -64"},
                {"num_heads", "-2", "field 'num_heads' must be a positive integer, got -2"},
        };
        for (String[] c : neoCases) {
            Path m = withField(Reference.make(dir.resolve("neo-" + c[0] + c[1]), "gpt_neo", "--window", "3"), c[0], c[1]);
            assertFails(m, "config.json", c[2]);
        }
    }

    @Test
    void outOfRangeRotaryConfigFieldsAreNamed() throws IOException {
        String[][] llamaCases = {
                {"rms_norm_eps", "-1e-6", "field 'rms_norm_eps' must be a positive number"},
                {"num_key_value_heads", "3", "4 heads not divisible by 3 key/value heads"},
                {"head_dim", "-8", "field 'head_dim' must be a positive integer, got -8"},
                {"intermediate_size", "0", "field 'intermediate_size' must be a positive integer, got 0"},
                {"sliding_window", "-4", "field 'sliding_window' must be positive"},
        };
        for (String[] c : llamaCases) {
            String type = c[0].equals("sliding_window") ? "mistral" : "llama";
            Path m = withField(ekt.testing.RopeReference.make(dir.resolve("l-" + c[0]), type), c[0], c[1]);
            assertFails(m, "config.json", c[2]);
        }
        Path j = withField(ekt.testing.RopeReference.make(dir.resolve("j"), "gptj", "--rotary-dim", "4"), "rotary_dim", "3");
        assertFails(j, "config.json", "rotary_dim 3 must be even");
    }
}
