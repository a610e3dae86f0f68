package ekt.testing;


import ekt.records.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Random GPT-J / Llama / Qwen2 / Mistral checkpoints and their logits from the numpy reference
 * {@code hf_reference_rope.py} (float64, written from Hugging Face's modeling code).
 */
public final class RopeReference {
    private static final String SCRIPT = "hf_reference_rope.py";

    private RopeReference() {
    }

    /** Writes a random checkpoint of {@code type}; {@code options} are extra flags such as "--kv-heads", "2". */
    public static Path make(Path dir, String type, String... options) {
        List<String> args = new ArrayList<>(List.of("make", "--type", type, "--out", dir.toString()));
        args.addAll(List.of(options));
        Python.run(SCRIPT, args.toArray(String[]::new));
        return dir;
    }

    /** Reference logits of every position, [T][V], in float64. */
    public static double[][] logits(Path model, long... ids) {
        String out = Python.run(SCRIPT, "logits", "--model", model.toString(), "--ids", Reference.join(ids));
        try {
            return Json.MAPPER.readValue(out, double[][].class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Largest absolute difference between same-named tensors of two checkpoints (reference reader). */
    public static double maxTensorDiff(Path a, Path b) {
        String out = Python.run(SCRIPT, "compare", "--a", a.toString(), "--b", b.toString());
        try {
            return Json.MAPPER.readTree(out).get("max_abs_diff").asDouble();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
