package ekt.core;

import ekt.testing.Python;
import ekt.testing.Reference;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * pytorch_model.bin checkpoints written by Debian's PyTorch ({@code torch.save} of a state dict,
 * as transformers' save_pretrained writes them) load through libtorch's unpickler and give exactly
 * the logits of their safetensors twin; {@code Model.convert} turns them into safetensors; hostile
 * and unsupported files fail with the file named, running nothing.
 */
class TorchBinCheckpointTest {
    static final long[] IDS = {5, 17, 3, 80, 41, 9};

    @BeforeAll
    static void needsTorch() {
        boolean present;
        try {
            present = Python.run("torch_save_reference.py", "probe").trim().equals("ok");
        } catch (IllegalStateException e) {
            present = false;
        }
        Assumptions.assumeTrue(present, "Debian's python3-torch is not installed (./ekt test installs it): the .bin tests are skipped");
    }

    static float[] logits(Path model) {
        try (Model m = Model.load(model)) {
            return m.lastLogits(IDS, null, 1, IDS.length);
        }
    }

    @Test
    void binCheckpointsGiveTheLogitsOfTheirSafetensorsTwin(@TempDir Path dir) throws Exception {
        Path twin = Reference.make(dir.resolve("st"), "gpt_neo", "--window", "3", "--seed", "5");
        float[] expected = logits(twin);
        Path single = dir.resolve("bin"), sharded = dir.resolve("sharded"), bf16 = dir.resolve("bf16");
        Python.run("torch_save_reference.py", "single", twin.toString(), single.toString());
        Python.run("torch_save_reference.py", "sharded", twin.toString(), sharded.toString());
        Python.run("torch_save_reference.py", "single", twin.toString(), bf16.toString(), "--bf16");
        assertFalse(Files.exists(single.resolve("model.safetensors")));
        assertArrayEquals(expected, logits(single), "single pytorch_model.bin");
        assertArrayEquals(expected, logits(sharded), "sharded .bin with pytorch_model.bin.index.json");
        try (Model m = Model.load(bf16)) {
            assertEquals("bfloat16", m.info().checkpointDtype());
            double rel = Reference.relativeError(m.lastLogits(IDS, null, 1, IDS.length), 0, toDouble(expected));
            assertTrue(rel < 5e-2, "bf16 weights stay close: " + rel);
        }

        Path converted = dir.resolve("converted");
        Model.convert(single, converted);
        assertTrue(Files.isRegularFile(converted.resolve("model.safetensors")));
        assertTrue(Files.isRegularFile(converted.resolve("config.json")), "other files are copied");
        assertFalse(Files.exists(converted.resolve("pytorch_model.bin")), "weights are not copied");
        assertEquals(0.0, Reference.maxTensorDiff(twin, converted), "the numpy reader sees the same tensors");
        assertArrayEquals(expected, logits(converted));
    }

    @Test
    void hostileAndUnsupportedFilesFailNamingTheFile(@TempDir Path dir) throws Exception {
        Path twin = Reference.make(dir.resolve("st"), "gpt_neo");
        Path hostile = dir.resolve("hostile"), legacy = dir.resolve("legacy");
        Python.run("torch_save_reference.py", "hostile", hostile.toString());
        Files.copy(twin.resolve("config.json"), hostile.resolve("config.json"));
        EktException e = assertThrows(EktException.class, () -> Model.load(hostile).close());
        assertTrue(e.getMessage().contains(hostile.resolve("pytorch_model.bin").toString()), e.getMessage());
        assertFalse(Files.exists(hostile.resolve("pwned")), "the pickle's os.system was never called");

        Python.run("torch_save_reference.py", "legacy", twin.toString(), legacy.toString());
        EktException old = assertThrows(EktException.class, () -> Model.load(legacy).close());
        assertTrue(old.getMessage().contains("not a zip-format torch.save file"), old.getMessage());

        Path truncated = dir.resolve("truncated");
        Python.run("torch_save_reference.py", "single", twin.toString(), truncated.toString());
        byte[] bytes = Files.readAllBytes(truncated.resolve("pytorch_model.bin"));
        Files.write(truncated.resolve("pytorch_model.bin"), java.util.Arrays.copyOf(bytes, bytes.length / 2));
        EktException cut = assertThrows(EktException.class, () -> Model.load(truncated).close());
        assertTrue(cut.getMessage().contains(truncated.resolve("pytorch_model.bin").toString()), cut.getMessage());
    }

    private static double[] toDouble(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }
}
