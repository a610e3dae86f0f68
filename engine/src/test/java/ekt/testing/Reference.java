package ekt.testing;


import ekt.records.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;

/** Random Hugging Face checkpoints and their logits from the numpy reference ({@code hf_reference.py}). */
public final class Reference {

    private Reference() {
    }

    /** Writes a random checkpoint; {@code options} are extra flags such as "--layers", "3". */
    public static Path make(Path dir, String type, String... options) {
        List<String> args = new ArrayList<>(List.of("make", "--type", type, "--out", dir.toString()));
        args.addAll(List.of(options));
        Python.run("hf_reference.py", args.toArray(String[]::new));
        return dir;
    }

    /** Reference logits of every position, [T][V], in float64. */
    public static double[][] logits(Path model, long... ids) {
        String out = Python.run("hf_reference.py", "logits", "--model", model.toString(), "--ids", join(ids));
        try {
            return Json.MAPPER.readValue(out, double[][].class);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Largest absolute difference between same-named tensors of two checkpoints (reference reader). */
    public static double maxTensorDiff(Path a, Path b) {
        String out = Python.run("hf_reference.py", "compare", "--a", a.toString(), "--b", b.toString());
        try {
            return Json.MAPPER.readTree(out).get("max_abs_diff").asDouble();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static String join(long... ids) {
        return Arrays.stream(ids).mapToObj(Long::toString).collect(Collectors.joining(","));
    }

    /** max |actual - expected| / max |expected|: the relative error the acceptance tests bound. */
    public static double relativeError(float[] actual, int offset, double[] expected) {
        double diff = 0, scale = 0;
        for (int v = 0; v < expected.length; v++) {
            diff = Math.max(diff, Math.abs(actual[offset + v] - expected[v]));
            scale = Math.max(scale, Math.abs(expected[v]));
        }
        return diff / scale;
    }
}
