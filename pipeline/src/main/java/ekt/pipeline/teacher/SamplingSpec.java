package ekt.pipeline.teacher;

import java.util.List;

/**
 * What to draw per prompt. Paper defaults (paper.md §2): n=100, temperature 0.6, top-k 50
 * (transformers 4.19's default), top-p 1, 150 new tokens, no API stop sequence (truncation
 * happens afterwards). temperature 0 means greedy.
 */
public record SamplingSpec(int n, double temperature, int topK, double topP, int maxNewTokens, List<String> stop, long seed) {
    public SamplingSpec {
        if (n <= 0) throw new IllegalArgumentException("n must be positive");
        if (temperature < 0) throw new IllegalArgumentException("temperature must be >= 0");
        if (topP <= 0 || topP > 1) throw new IllegalArgumentException("top_p must be in (0, 1]");
        if (maxNewTokens <= 0) throw new IllegalArgumentException("max new tokens must be positive");
        stop = List.copyOf(stop);
    }

    public static SamplingSpec paper(int n, long seed) {
        return new SamplingSpec(n, 0.6, 50, 1.0, 150, List.of(), seed);
    }

    public static SamplingSpec greedy(int maxNewTokens) {
        return new SamplingSpec(1, 0.0, 0, 1.0, maxNewTokens, List.of(), 0);
    }
}
