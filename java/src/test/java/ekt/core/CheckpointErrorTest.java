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
}
