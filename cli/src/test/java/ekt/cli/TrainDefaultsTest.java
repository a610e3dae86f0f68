package ekt.cli;

import ekt.pipeline.RunConfig;
import ekt.train.TrainConfig;
import ekt.util.Choices;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * The training defaults are defined once (TrainConfig's builder): {@code ekt train}'s options and a
 * run config's {@code student} section start from the same values.
 */
class TrainDefaultsTest {
    private static final TrainConfig BUILDER = TrainConfig.builder().build();

    @Test
    void trainCommandOptionsDefaultToTheBuilders() {
        TrainCommand t = new TrainCommand();
        new CommandLine(t).parseArgs("--model", "m", "--data", "d.jsonl", "--out", "o");
        assertEquals(BUILDER.epochs(), t.epochs);
        assertEquals(BUILDER.lr(), t.lr);
        assertEquals(BUILDER.weightDecay(), t.weightDecay);
        assertEquals(BUILDER.warmupSteps(), t.warmup);
        assertEquals(BUILDER.schedule(), Choices.parse("--schedule", t.schedule, TrainConfig.Schedule.class));
        assertEquals(BUILDER.maxGradNorm(), t.clip);
        assertEquals(BUILDER.batchSize(), t.batch);
        assertEquals(BUILDER.accum(), t.accum);
        assertEquals(BUILDER.maxLength(), t.maxLength);
        assertEquals(BUILDER.mask(), Choices.parse("--mask", t.mask, TrainConfig.Mask.class));
        assertEquals(BUILDER.overflow(), Choices.parse("--on-overflow", t.overflow, TrainConfig.Overflow.class));
        assertEquals(BUILDER.padId(), t.padId);
        assertEquals(BUILDER.seed(), t.seed);
        assertEquals(BUILDER.bucketWindow(), t.bucketWindow);
        assertEquals(BUILDER.logEvery(), t.logEvery);
        assertEquals(BUILDER.saveEvery(), t.saveEvery);
        assertEquals(BUILDER.keepCheckpoints(), t.keep);
        assertEquals(BUILDER.stopAfter(), t.stopAfter);
        assertEquals(BUILDER.kdWeight(), t.kdWeight);
        assertEquals(BUILDER.kdTemperature(), t.kdTemperature);
        assertEquals(BUILDER.peakGflops(), t.peakGflops);
        assertEquals(BUILDER.workers(), t.workers);
        assertEquals(BUILDER.checkpointActivations(), t.checkpointActivations);
    }

    @Test
    void aConfigsStudentSectionDefaultsToTheBuilders() {
        RunConfig.Student s = RunConfig.Student.builder("m").build();
        assertEquals(BUILDER.epochs(), s.epochs());
        assertEquals(BUILDER.lr(), s.lr());
        assertEquals(BUILDER.weightDecay(), s.weightDecay());
        assertEquals(BUILDER.warmupSteps(), s.warmupSteps());
        assertEquals(BUILDER.schedule(), Choices.parse("schedule", s.schedule(), TrainConfig.Schedule.class));
        assertEquals(BUILDER.batchSize(), s.batch());
        assertEquals(BUILDER.accum(), s.accum());
        assertEquals(BUILDER.maxLength(), s.maxLength());
        assertEquals(BUILDER.mask(), Choices.parse("mask", s.mask(), TrainConfig.Mask.class));
        assertEquals(BUILDER.seed(), s.seed(), "the training seed: 42 everywhere (a config's default was 0)");
        assertEquals(BUILDER.checkpointActivations(), s.checkpointActivations());
    }
}
