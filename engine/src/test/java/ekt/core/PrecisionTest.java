package ekt.core;

import ekt.records.Json;
import com.fasterxml.jackson.databind.JsonNode;
import ekt.testing.Reference;
import ekt.testing.RopeReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * bfloat16 inference (weights kept and computed in bfloat16) against the float64 numpy references.
 *
 * <p>Tolerance, 1e-1 of the largest reference logit: bfloat16 keeps 8 significand bits, so one
 * rounding is off by at most 2^-9 (0.2%) relative. A forward rounds every weight once and the
 * output of every projection, norm and residual sum (about 8 per layer); each rounding error of a
 * dot product over C = 32 random-sign terms is amplified by their cancellation, about sqrt(C) =
 * 5.7 times relative to the result, and the errors add like a random walk over the 2-4 layers:
 * 0.2% x 5.7 x sqrt(8 L + 4) is 5-7% for these models (measured: 1.5-4.6%). Attention scores and
 * softmax stay float32 (as Hugging Face's GPT-Neo does), so they add nothing. A wrong computation
 * (a missing layer, a wrong window or rotation) is off by the logits' own size. The error must also
 * exceed float32's 1e-4, which shows that the computation really ran in bfloat16.
 */
class PrecisionTest {
    static final double BF16_TOLERANCE = 1e-1;

    static Stream<Arguments> models() {
        return Stream.of(
                Arguments.of("gpt2", new String[]{"--layers", "2", "--hidden", "32", "--heads", "4"}),
                Arguments.of("gpt_neo", new String[]{"--layers", "4", "--hidden", "32", "--heads", "4", "--window", "5"}),
                Arguments.of("gptj", new String[]{"--layers", "2", "--hidden", "32", "--heads", "4", "--rotary-dim", "4"}),
                Arguments.of("llama", new String[]{"--layers", "2", "--hidden", "32", "--heads", "4", "--kv-heads", "2"}));
    }

    static boolean rope(String type) {
        return type.equals("gptj") || type.equals("llama");
    }

    @ParameterizedTest
    @MethodSource("models")
    void bfloat16LogitsStayWithinTheStatedToleranceOfTheReference(String type, String[] options, @TempDir Path dir) {
        Path ckpt = rope(type) ? RopeReference.make(dir.resolve("m"), type, options) : Reference.make(dir.resolve("m"), type, options);
        long[] ids = ModelReferenceTest.randomIds(new Random(3), 17, 97);  // longer than GPT-Neo's window
        double[][] expected = rope(type) ? RopeReference.logits(ckpt, ids) : Reference.logits(ckpt, ids);
        try (Model m = Model.load(ckpt, new Placement("cpu", "bf16"))) {
            assertEquals("bfloat16", m.info().dtype());
            int vocab = m.info().vocabSize();
            float[] actual = m.logits(ids, null, 1, ids.length);
            double worst = 0;
            for (int t = 0; t < ids.length; t++) worst = Math.max(worst, Reference.relativeError(actual, t * vocab, expected[t]));
            assertTrue(worst <= BF16_TOLERANCE, type + ": relative error " + worst);
            assertTrue(worst > 1e-4, type + ": relative error " + worst + " is float32's: did it compute in bfloat16?");
        }
    }

    @Test
    void checkpointsAreSavedInTheDtypeAskedForDefaultingToTheLoadedOne(@TempDir Path dir) throws Exception {
        Path ckpt = Reference.make(dir.resolve("m"), "gpt2", "--layers", "1", "--hidden", "16", "--heads", "2");
        try (Model m = Model.load(ckpt, new Placement("cpu", "bfloat16"))) {
            m.save(dir.resolve("as-loaded"));
            m.save(dir.resolve("f16"), "float16");
        }
        assertEquals("bfloat16", torchDtype(dir.resolve("as-loaded")));
        assertEquals("BF16", tensorDtype(dir.resolve("as-loaded")));
        assertEquals("float16", torchDtype(dir.resolve("f16")));
        assertEquals("F16", tensorDtype(dir.resolve("f16")));
        // The reference reader (Hugging Face's layout) reads them back within one bfloat16 rounding
        // (2^-9 relative) of weights below 2 (6.7 standard deviations of the reference's normal(0, 0.3)).
        assertTrue(Reference.maxTensorDiff(ckpt, dir.resolve("as-loaded")) <= 2 * 0x1p-9, "bfloat16 copy");
        try (Model back = Model.load(dir.resolve("as-loaded"))) {
            assertEquals("float32", back.info().dtype());
            assertEquals("bfloat16", back.info().checkpointDtype());
        }
    }

    @Test
    void unknownNamesAreRejectedBeforeAnythingLoads() {
        assertEquals("bfloat16", new Placement(null, "BF16").dtype());
        assertEquals("cuda:1", new Placement("CUDA:1", null).device());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Placement("gpu", null)).getMessage().contains("unknown device 'gpu'"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new Placement(null, "int8")).getMessage().contains("unknown dtype 'int8'"));
    }

    @Test
    void aCudaDeviceWithoutCudaFailsWithAClearMessage(@TempDir Path dir) throws Exception {
        org.junit.jupiter.api.Assumptions.assumeFalse(Json.MAPPER.readTree(Native.runtimeInfo()).get("cuda_available").asBoolean(),
                "this machine has CUDA");
        EktException e = assertThrows(EktException.class, () -> new Placement("cuda", null).check());
        assertTrue(e.getMessage().contains("CUDA is not available"), e.getMessage());
        Path ckpt = Reference.make(dir.resolve("m"), "gpt2", "--layers", "1", "--hidden", "16", "--heads", "2");
        e = assertThrows(EktException.class, () -> Model.load(ckpt, new Placement("cuda:0", null)).close());
        assertTrue(e.getMessage().contains("CUDA is not available"), e.getMessage());
    }

    static String torchDtype(Path dir) throws Exception {
        return Json.MAPPER.readTree(Files.readString(dir.resolve("config.json"))).get("torch_dtype").asText();
    }

    /** The dtype of the first tensor in model.safetensors (all are saved alike). */
    static String tensorDtype(Path dir) throws Exception {
        byte[] bytes = Files.readAllBytes(dir.resolve("model.safetensors"));
        long n = java.nio.ByteBuffer.wrap(bytes, 0, 8).order(java.nio.ByteOrder.LITTLE_ENDIAN).getLong();
        JsonNode header = Json.MAPPER.readTree(new String(bytes, 8, (int) n, java.nio.charset.StandardCharsets.UTF_8));
        for (var it = header.fields(); it.hasNext(); ) {
            var f = it.next();
            if (!f.getKey().equals("__metadata__")) return f.getValue().get("dtype").asText();
        }
        throw new AssertionError("no tensor in " + dir);
    }
}
