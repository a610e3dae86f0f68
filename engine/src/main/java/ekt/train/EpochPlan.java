package ekt.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.function.IntUnaryOperator;

/**
 * Which examples each optimizer step uses: every epoch is a fresh permutation (java.util.Random,
 * fully specified, seeded by seed and epoch, so a resumed run replays it exactly), cut into
 * steps of the effective batch; the remainder that does not fill a step is left out of that
 * epoch, as Hugging Face's Trainer does. With a bucket window above one, each window of steps
 * is sorted by length before cutting, and the steps' order is shuffled again, so that padding
 * within micro-batches shrinks.
 */
final class EpochPlan {
    private final int examples, effectiveBatch, bucketWindow;
    private final long seed;
    private final IntUnaryOperator length;
    private int cachedEpoch = -1;
    private List<int[]> cachedSteps;

    EpochPlan(int examples, int effectiveBatch, long seed, int bucketWindow, IntUnaryOperator length) {
        this.examples = examples;
        this.effectiveBatch = effectiveBatch;
        this.seed = seed;
        this.bucketWindow = bucketWindow;
        this.length = length;
    }

    /** At least one: a dataset smaller than the effective batch makes one short step. */
    int stepsPerEpoch() {
        return stepsPerEpoch(examples, effectiveBatch);
    }

    static int stepsPerEpoch(int examples, int effectiveBatch) {
        return Math.max(1, examples / effectiveBatch);
    }

    int[] step(int epoch, int index) {
        if (epoch != cachedEpoch) {
            cachedSteps = plan(epoch);
            cachedEpoch = epoch;
        }
        return cachedSteps.get(index);
    }

    private List<int[]> plan(int epoch) {
        Random random = new Random(seed * 1_000_003L + epoch);
        int[] order = new int[examples];
        for (int i = 0; i < examples; i++) order[i] = i;
        for (int i = examples - 1; i > 0; i--) {  // Fisher-Yates
            int j = random.nextInt(i + 1), t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        int per = Math.min(effectiveBatch, examples), steps = stepsPerEpoch();
        List<int[]> out = new ArrayList<>(steps);
        for (int w = 0; w < steps; w += bucketWindow) {
            int count = Math.min(bucketWindow, steps - w);
            Integer[] window = new Integer[count * per];
            for (int i = 0; i < window.length; i++) window[i] = order[w * per + i];
            if (bucketWindow > 1) Arrays.sort(window, Comparator.comparingInt(length::applyAsInt));
            List<int[]> cut = new ArrayList<>();
            for (int s = 0; s < count; s++)
                cut.add(Arrays.stream(window, s * per, (s + 1) * per).mapToInt(Integer::intValue).toArray());
            if (bucketWindow > 1) java.util.Collections.shuffle(cut, random);
            out.addAll(cut);
        }
        return out;
    }
}
