package ekt.core;

import ekt.records.Json;
import com.fasterxml.jackson.databind.JsonNode;
import ekt.testing.Npm;
import ekt.testing.PyPi;
import ekt.testing.Python;
import ekt.testing.Reference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Random;
import java.util.stream.Collectors;
import java.util.stream.LongStream;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Every supported architecture against Hugging Face transformers itself (PyPI's 4.46.3 on
 * Debian's torch 1.13, CPU): the library's own model class builds a random checkpoint, saves it
 * with save_pretrained and computes the logits; ekt loads that checkpoint and must agree at every
 * position within 1e-4 relative to the largest logit (float32 against float32, eager attention;
 * measured ~1e-7). Complements the numpy references, which share no code with either.
 */
class TransformersParityTest {
    static final double TOLERANCE = 1e-4;
    static final List<String> PACKAGES = List.of("transformers==4.46.3", "tokenizers==0.20.3", "safetensors==0.8.0",
            "huggingface_hub==0.36.2", "hf_xet==1.8.0", "fsspec==2026.9.0", "filelock==4.3.1", "packaging==26.4",
            "pyyaml==6.0.4", "regex==2026.11.19", "requests==2.34.2", "certifi==2026.10.19.post1",
            "charset_normalizer==3.5.3", "idna==3.20", "urllib3==2.8.0", "tqdm==4.70.1", "typing_extensions==4.16.0");
    static final String[] ARCHITECTURES = {"gpt2", "gpt_neo", "gptj", "llama", "qwen2", "mistral"};
    static final long[] IDS = LongStream.generate(new Random(7)::nextLong).limit(13).map(v -> Math.floorMod(v, 97)).toArray();
    @TempDir
    static Path oracle;

    static Stream<String> architectures() {
        return Stream.of(ARCHITECTURES);
    }

    /** One Python process builds every architecture's checkpoint and logits (importing transformers once). */
    @BeforeAll
    static void buildCheckpoints() throws Exception {
        Path site = PyPi.installed("pypi-transformers", PACKAGES, "the parity test against Hugging Face transformers");
        Npm.run(List.of("env", "PYTHONPATH=" + site, Python.interpreter(), Python.script("transformers_oracle.py").toString(),
                "--archs", String.join(",", ARCHITECTURES), "--out", oracle.toString(),
                "--ids", LongStream.of(IDS).mapToObj(Long::toString).collect(Collectors.joining(","))), 600);
    }

    @ParameterizedTest
    @MethodSource("architectures")
    void logitsEqualTransformersAtEveryPosition(String arch) throws Exception {
        JsonNode hf = Json.MAPPER.readTree(oracle.resolve(arch + ".json").toFile());
        try (Model m = Model.load(oracle.resolve(arch))) {
            int vocab = m.info().vocabSize();
            float[] actual = m.logits(IDS, null, 1, IDS.length);
            assertEquals(IDS.length * vocab, actual.length);
            for (int t = 0; t < IDS.length; t++) {
                double[] expected = new double[vocab];
                for (int v = 0; v < vocab; v++) expected[v] = hf.get("logits").get(t).get(v).asDouble();
                double err = Reference.relativeError(actual, t * vocab, expected);
                assertTrue(err <= TOLERANCE, hf.get("class").asText() + " position " + t + ": relative error " + err);
            }
        }
    }
}
