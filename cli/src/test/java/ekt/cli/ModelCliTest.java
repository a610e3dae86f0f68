package ekt.cli;

import ekt.records.Json;
import com.fasterxml.jackson.databind.JsonNode;
import ekt.testing.Reference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The `ekt model` CLI contract against the numpy reference. */
class ModelCliTest {

    static String run(String... args) {
        PrintStream old = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            assertEquals(0, Main.run(args), "exit code of ekt " + String.join(" ", args));
        } finally {
            System.setOut(old);
        }
        return buf.toString(StandardCharsets.UTF_8);
    }

    @Test
    void infoReportsArchitectureParametersAndContext(@TempDir Path dir) throws Exception {
        Path m = Reference.make(dir.resolve("neo"), "gpt_neo", "--layers", "2", "--hidden", "32", "--vocab", "97", "--positions", "64");
        JsonNode info = Json.MAPPER.readTree(run("model", "info", "--model", m.toString(), "--json"));
        int c = 32, v = 97, p = 64, f = 4 * c, layers = 2;
        long perLayer = 2 * c + 3L * c * c + c * c + c + 2 * c + (long) c * f + f + (long) f * c + c;
        assertEquals((long) v * c + (long) p * c + layers * perLayer + 2 * c, info.get("parameters").asLong());
        assertEquals("GPTNeoForCausalLM", info.get("architecture").asText());
        assertEquals(64, info.get("context_length").asInt());
        assertEquals("float32", info.get("checkpoint_dtype").asText());
        assertEquals("[\"global\",\"local\"]", info.get("attention_layers").toString());
        assertTrue(run("model", "info", "--model", m.toString()).contains("GPTNeoForCausalLM"));
    }

    @Test
    void logitsOfTheLastPositionMatchTheReference(@TempDir Path dir) throws Exception {
        Path m = Reference.make(dir.resolve("g"), "gpt2");
        double[][] expected = Reference.logits(m, 5, 6, 7, 8);
        float[] actual = Json.MAPPER.readValue(run("model", "logits", "--model", m.toString(), "--ids", "5,6,7,8"), float[].class);
        assertTrue(Reference.relativeError(actual, 0, expected[3]) <= 1e-4);
    }

    @Test
    void greedyFollowsTheReferenceArgmax(@TempDir Path dir) throws Exception {
        Path m = Reference.make(dir.resolve("g"), "gpt_neo", "--window", "3", "--seed", "4");
        long[] seq = {3, 1, 4, 1, 5};
        long[] expected = new long[6];
        for (int step = 0; step < expected.length; step++) {
            double[][] ref = Reference.logits(m, seq);
            double[] last = ref[ref.length - 1];
            int best = 0;
            for (int i = 1; i < last.length; i++) if (last[i] > last[best]) best = i;
            expected[step] = best;
            seq = java.util.Arrays.copyOf(seq, seq.length + 1);
            seq[seq.length - 1] = best;
        }
        long[] actual = Json.MAPPER.readValue(run("model", "greedy", "--model", m.toString(), "--ids", "3,1,4,1,5",
                "--max-new-tokens", "6"), long[].class);
        assertArrayEquals(expected, actual);
    }

    @Test
    void greedyBoundsMaxNewTokensByTheContext(@TempDir Path dir) throws Exception {
        Path m = Reference.make(dir.resolve("g"), "gpt2");
        int context = Json.MAPPER.readTree(Files.readString(m.resolve("config.json"))).get("n_positions").asInt();
        for (String n : new String[] {"-5", "0", "1000000000", Integer.toString(context - 1)}) {
            PrintStream old = System.err;
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code;
            try {
                code = Main.run("model", "greedy", "--model", m.toString(), "--ids", "3,1", "--max-new-tokens", n);
            } finally {
                System.setErr(old);
            }
            assertEquals(1, code, n);
            assertTrue(err.toString(StandardCharsets.UTF_8).contains("--max-new-tokens must be between 1 and " + (context - 2)
                    + " (the context length " + context + " minus the 2 prompt tokens), got " + n), err.toString(StandardCharsets.UTF_8));
        }
    }
}
