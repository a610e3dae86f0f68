package ekt.bench;

import ekt.records.Json;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes a random-weight GPT-2 checkpoint (config.json + float32 model.safetensors) in the Hugging
 * Face layout, for benchmarks: matrices normal(0, 0.02), LayerNorm gains 1, biases 0.
 */
public final class RandomCheckpoint {
    private RandomCheckpoint() {
    }

    public static Path gpt2(Path dir, int layers, int hidden, int heads, int vocab, int positions, long seed)
            throws IOException {
        Files.createDirectories(dir);
        ObjectNode config = Json.MAPPER.createObjectNode();
        config.put("model_type", "gpt2").put("vocab_size", vocab).put("n_positions", positions).put("n_embd", hidden)
                .put("n_layer", layers).put("n_head", heads).put("activation_function", "gelu_new")
                .put("eos_token_id", vocab - 1).put("bos_token_id", vocab - 1);
        config.putArray("architectures").add("GPT2LMHeadModel");
        Files.writeString(dir.resolve("config.json"), config.toPrettyString());

        Map<String, int[]> shapes = new LinkedHashMap<>();
        shapes.put("transformer.wte.weight", new int[]{vocab, hidden});
        shapes.put("transformer.wpe.weight", new int[]{positions, hidden});
        for (int l = 0; l < layers; l++) {
            String p = "transformer.h." + l + ".";
            shapes.put(p + "ln_1.weight", new int[]{hidden});
            shapes.put(p + "ln_1.bias", new int[]{hidden});
            shapes.put(p + "attn.c_attn.weight", new int[]{hidden, 3 * hidden});
            shapes.put(p + "attn.c_attn.bias", new int[]{3 * hidden});
            shapes.put(p + "attn.c_proj.weight", new int[]{hidden, hidden});
            shapes.put(p + "attn.c_proj.bias", new int[]{hidden});
            shapes.put(p + "ln_2.weight", new int[]{hidden});
            shapes.put(p + "ln_2.bias", new int[]{hidden});
            shapes.put(p + "mlp.c_fc.weight", new int[]{hidden, 4 * hidden});
            shapes.put(p + "mlp.c_fc.bias", new int[]{4 * hidden});
            shapes.put(p + "mlp.c_proj.weight", new int[]{4 * hidden, hidden});
            shapes.put(p + "mlp.c_proj.bias", new int[]{hidden});
        }
        shapes.put("transformer.ln_f.weight", new int[]{hidden});
        shapes.put("transformer.ln_f.bias", new int[]{hidden});

        ObjectNode header = Json.MAPPER.createObjectNode();
        long offset = 0;
        for (Map.Entry<String, int[]> e : shapes.entrySet()) {
            long bytes = 4L * count(e.getValue());
            ObjectNode t = header.putObject(e.getKey()).put("dtype", "F32");
            for (int d : e.getValue()) t.withArray("shape").add(d);
            t.putArray("data_offsets").add(offset).add(offset + bytes);
            offset += bytes;
        }
        byte[] json = header.toString().getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        SplittableRandom random = new SplittableRandom(seed);
        try (OutputStream out = Files.newOutputStream(dir.resolve("model.safetensors"))) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(padded).array());
            out.write(json);
            for (int i = json.length; i < padded; i++) out.write(' ');
            for (Map.Entry<String, int[]> e : shapes.entrySet()) {
                int n = Math.toIntExact(count(e.getValue()));
                boolean matrix = e.getValue().length == 2, gain = e.getKey().endsWith("ln_1.weight")
                        || e.getKey().endsWith("ln_2.weight") || e.getKey().endsWith("ln_f.weight");
                ByteBuffer b = ByteBuffer.allocate(4 * n).order(ByteOrder.LITTLE_ENDIAN);
                for (int i = 0; i < n; i++) b.putFloat(matrix ? (float) (0.02 * random.nextGaussian()) : gain ? 1f : 0f);
                out.write(b.array());
            }
        }
        return dir;
    }

    private static long count(int[] shape) {
        long n = 1;
        for (int d : shape) n *= d;
        return n;
    }
}
