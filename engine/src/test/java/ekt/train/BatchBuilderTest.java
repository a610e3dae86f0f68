package ekt.train;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Batch layouts written out by hand from the mask definitions, and the epoch plan. */
class BatchBuilderTest {
    static final int EOS = 0, VOCAB = 10;
    static final List<TrainingExample> ONE = List.of(new TrainingExample("e", new int[]{5, 6}, new int[]{7, 8, 9}));

    static TrainBatch layout(TrainConfig.Mask mask, int maxLength) {
        return new BatchBuilder(ONE, mask, maxLength, TrainConfig.Overflow.TRUNCATE, EOS, VOCAB).batch(new int[]{0});
    }

    @Test
    void paddedSequenceCollapsesToOnePaddingQuery() {
        // Padded to 8: 5 6 7 8 9 E E E. Targets 6 7 8 9 E | E E (three padding tokens, two predicted
        // from padding positions): the one padding query carries weight 8 - 1 - 5 = 2 under ALL.
        TrainBatch all = layout(TrainConfig.Mask.ALL, 8);
        assertEquals(6, all.seq());
        assertArrayEquals(new long[]{5, 6, 7, 8, 9, EOS}, all.ids());
        assertArrayEquals(new byte[]{1, 1, 1, 1, 1, 0}, all.valid());
        assertArrayEquals(new long[]{6, 7, 8, 9, EOS, EOS}, all.targets());
        assertArrayEquals(new float[]{1, 1, 1, 1, 1, 2}, all.weights());
        assertEquals(7.0, all.lossTokens());  // = 8 - 1 predictions of the padded sequence

        assertArrayEquals(new float[]{1, 1, 1, 1, 1, 0}, layout(TrainConfig.Mask.NO_PADDING, 8).weights());
        // Completion only: targets 7 8 9 and the end-of-text token.
        assertArrayEquals(new float[]{0, 1, 1, 1, 1, 0}, layout(TrainConfig.Mask.COMPLETION_ONLY, 8).weights());
    }

    @Test
    void truncationDropsTheEndOfTextAndCountsOrRefuses() {
        BatchBuilder b = new BatchBuilder(ONE, TrainConfig.Mask.ALL, 4, TrainConfig.Overflow.TRUNCATE, EOS, VOCAB);
        assertEquals(1, b.truncated());
        TrainBatch t = b.batch(new int[]{0});
        assertArrayEquals(new long[]{5, 6, 7, 8}, t.ids());
        assertArrayEquals(new float[]{1, 1, 1, 0}, t.weights());  // the last token predicts nothing
        var e = assertThrows(IllegalArgumentException.class,
                () -> new BatchBuilder(ONE, TrainConfig.Mask.ALL, 4, TrainConfig.Overflow.REFUSE, EOS, VOCAB));
        assertTrue(e.getMessage().contains("'e' has 5 tokens, more than the max length 4"), e.getMessage());
    }

    @Test
    void rowsAreSortedLongestFirstAndBadTokensRejected() {
        List<TrainingExample> two = List.of(new TrainingExample("short", new int[]{1}, new int[]{2}),
                new TrainingExample("long", new int[]{3, 4, 5}, new int[]{6}));
        TrainBatch b = new BatchBuilder(two, TrainConfig.Mask.NO_PADDING, 9, TrainConfig.Overflow.TRUNCATE, EOS, VOCAB)
                .batch(new int[]{0, 1});
        assertEquals(5, b.seq());
        assertArrayEquals(new long[]{3, 4, 5, 6, EOS, 1, 2, EOS, EOS, EOS}, b.ids());
        assertArrayEquals(new byte[]{1, 1, 1, 1, 0, 1, 1, 0, 0, 0}, b.valid());
        var e = assertThrows(IllegalArgumentException.class, () -> new BatchBuilder(
                List.of(new TrainingExample("x", new int[]{10}, new int[0])), TrainConfig.Mask.ALL, 8, TrainConfig.Overflow.TRUNCATE, EOS, VOCAB));
        assertTrue(e.getMessage().contains("token 10 is outside the vocabulary"), e.getMessage());
    }

    @Test
    void epochPlanIsADeterministicPermutationPerEpoch() {
        EpochPlan plan = new EpochPlan(10, 4, 7, 1, i -> i);
        assertEquals(2, plan.stepsPerEpoch());  // 10 / 4, the remainder of 2 sits out
        Set<Integer> seen = new HashSet<>();
        for (int s = 0; s < 2; s++) for (int i : plan.step(0, s)) assertTrue(seen.add(i), "example twice in an epoch");
        assertEquals(8, seen.size());
        EpochPlan again = new EpochPlan(10, 4, 7, 1, i -> i);
        assertArrayEquals(plan.step(1, 1), again.step(1, 1));
        assertNotEquals(List.of(plan.step(0, 0)[0], plan.step(0, 0)[1]), List.of(plan.step(1, 0)[0], plan.step(1, 0)[1]));
        EpochPlan small = new EpochPlan(3, 8, 1, 1, i -> i);
        assertEquals(1, small.stepsPerEpoch());
        assertEquals(3, small.step(0, 0).length);
    }

    @Test
    void bucketWindowGroupsSimilarLengths() {
        int[] lengths = {9, 1, 8, 2, 7, 3, 6, 4};
        EpochPlan plan = new EpochPlan(8, 2, 3, 4, i -> lengths[i]);
        for (int s = 0; s < 4; s++) {
            int[] step = plan.step(0, s);
            assertTrue(Math.abs(lengths[step[0]] - lengths[step[1]]) <= 1, "step " + s + " mixes lengths");
        }
    }
}
