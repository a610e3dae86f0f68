package ekt.cli;

import com.fasterxml.jackson.databind.JsonNode;
import ekt.records.Json;
import ekt.testing.RopeReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static ekt.cli.ModelCliTest.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ekt model info} on GPT-J and the Llama family: architecture, parameter count as Hugging
 * Face counts it (computed here from the shapes), context length, kv heads, rope settings.
 */
class RopeModelCliTest {
    static final int V = 97, C = 32, L = 2;
    static final String LLAMA3 = "{\"rope_type\": \"llama3\", \"factor\": 8.0, \"low_freq_factor\": 1.0, "
            + "\"high_freq_factor\": 4.0, \"original_max_position_embeddings\": 64}";

    static JsonNode info(Path model) throws Exception {
        return Json.MAPPER.readTree(run("model", "info", "--model", model.toString(), "--json"));
    }

    @Test
    void gptj(@TempDir Path dir) throws Exception {
        Path m = RopeReference.make(dir.resolve("j"), "gptj", "--rotary-dim", "4", "--positions", "64");
        JsonNode info = info(m);
        long f = 4L * C;
        long perLayer = 2L * C + 4L * C * C + f * C + f + f * C + C;  // ln_1, q/k/v/out, fc_in, fc_out
        assertEquals((long) V * C + L * perLayer + 2L * C + (long) V * C + V, info.get("parameters").asLong());
        assertEquals("GPTJForCausalLM", info.get("architecture").asText());
        assertEquals(64, info.get("context_length").asInt());
        assertEquals(4, info.get("kv_heads").asInt());
        JsonNode pos = info.get("positions");
        assertEquals("rotary", pos.get("kind").asText());
        assertEquals(4, pos.get("rotary_dim").asInt());
        assertEquals("interleaved", pos.get("pairing").asText());
        assertEquals(10000.0, pos.get("theta").asDouble());
        assertEquals("layer_norm", info.get("norm").asText());
        assertTrue(info.get("biases").get("lm_head").asBoolean());
        assertEquals("float32", info.get("checkpoint_dtype").asText());
    }

    @Test
    void llamaWithGroupedQueryAttentionAndLlama3Rope(@TempDir Path dir) throws Exception {
        Path m = RopeReference.make(dir.resolve("l"), "llama", "--kv-heads", "2", "--inner", "48", "--positions", "128",
                "--dtype", "BF16", "--rope-scaling", LLAMA3);
        JsonNode info = info(m);
        long d = C / 4, q = 4 * d, kv = 2 * d, f = 48;
        long perLayer = C * q + 2 * C * kv + q * C + 3 * C * f + 2L * C;
        assertEquals(2L * V * C + L * perLayer + C, info.get("parameters").asLong());  // untied head
        assertEquals("LlamaForCausalLM", info.get("architecture").asText());
        assertEquals(128, info.get("context_length").asInt());
        assertEquals(2, info.get("kv_heads").asInt());
        assertEquals("bfloat16", info.get("checkpoint_dtype").asText());
        JsonNode pos = info.get("positions");
        assertEquals("half", pos.get("pairing").asText());
        assertEquals("llama3", pos.get("scaling").asText());
        assertEquals(8.0, pos.get("factor").asDouble());
        assertEquals(64, pos.get("original_max_positions").asInt());
        assertEquals("rms_norm", info.get("norm").asText());
        String text = run("model", "info", "--model", m.toString());
        assertTrue(text.contains("LlamaForCausalLM") && text.contains("2 kv heads") && text.contains("llama3"), text);
    }

    @Test
    void qwen2WithBiasesAndSlidingWindows(@TempDir Path dir) throws Exception {
        Path m = RopeReference.make(dir.resolve("q"), "qwen2", "--layers", "3", "--kv-heads", "1", "--tied",
                "--window", "4", "--max-window-layers", "1");
        JsonNode info = info(m);
        long d = C / 4, q = 4 * d, kv = d, f = 4L * C;
        long perLayer = C * q + q + 2 * (C * kv + kv) + q * C + 3 * C * f + 2L * C;
        assertEquals((long) V * C + 3 * perLayer + C, info.get("parameters").asLong());  // tied head counted once
        assertEquals("Qwen2ForCausalLM", info.get("architecture").asText());
        assertEquals(1, info.get("kv_heads").asInt());
        assertEquals("[0,4,4]", info.get("attention_windows").toString());
        assertEquals("[\"global\",\"local\",\"local\"]", info.get("attention_layers").toString());
        assertTrue(info.get("biases").get("qkv").asBoolean());
        assertTrue(info.get("tied_embeddings").asBoolean());
    }

    @Test
    void mistralWithDynamicNtkReportsTheExtendedContext(@TempDir Path dir) throws Exception {
        Path m = RopeReference.make(dir.resolve("m"), "mistral", "--head-dim", "12", "--positions", "16", "--window", "5",
                "--theta", "1000000", "--rope-scaling", "{\"type\": \"dynamic\", \"factor\": 4.0}");
        JsonNode info = info(m);
        assertEquals("MistralForCausalLM", info.get("architecture").asText());
        assertEquals(64, info.get("context_length").asInt());
        assertEquals(12, info.get("head_dim").asInt());
        JsonNode pos = info.get("positions");
        assertEquals("dynamic", pos.get("scaling").asText());
        assertEquals(16, pos.get("original_max_positions").asInt());
        assertEquals(1000000.0, pos.get("theta").asDouble());
        assertEquals("[5,5]", info.get("attention_windows").toString());
    }
}
