package ekt.train;

import java.nio.file.Path;

/** Callbacks of {@link Trainer#fit}; every method has an empty default. */
public interface TrainListener {
    /** After every optimizer step. */
    default void onStep(StepMetrics metrics) {
    }

    /** Every {@link TrainConfig#logEvery()} steps, over the steps since the last call. */
    default void onInterval(IntervalMetrics metrics) {
    }

    /**
     * Every {@link TrainConfig#evalEvery()} steps, after the update and before any checkpoint of
     * that step: the student ({@code trainer.student()}) holds the current weights.
     */
    default void onEvaluation(Trainer trainer, long step) {
    }

    /** After a checkpoint directory was written. */
    default void onCheckpoint(Path dir) {
    }
}
