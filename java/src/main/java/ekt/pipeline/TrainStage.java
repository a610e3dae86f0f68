package ekt.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import ekt.core.Model;
import ekt.core.ProcessGroup;
import ekt.data.Jsonl;
import ekt.train.StepMetrics;
import ekt.train.TextCodec;
import ekt.train.TrainConfig;
import ekt.train.TrainListener;
import ekt.train.Trainer;
import ekt.train.TrainingData;
import ekt.tokenizer.Tokenizer;
import ekt.util.Progress;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Fine-tunes a fresh copy of a base checkpoint on selected pairs (optionally distilling from a
 * live teacher) into {@code stage/step-N}. Killed and re-run, it resumes from its newest
 * checkpoint bit-exactly; the loss curve ({@code loss.json}) is saved with every checkpoint, so
 * it covers exactly the steps the checkpoint holds. The result is the final checkpoint, which
 * gets the base model's tokenizer files so that it is a self-describing model directory.
 */
public final class TrainStage {
    public static final String LOSS_FILE = "loss.json";

    private TrainStage() {
    }

    /** A finished training stage: its final checkpoint and (step, loss) points. */
    public record Result(Path model, List<double[]> loss, int examples) {
    }

    /** @param teacher null for plain fine-tuning (EKT, EI); a checkpoint directory for KD */
    public static Result run(RunDirectory run, String stage, Path baseModel, Path teacher, Path pairs, TrainConfig config, TextCodec codec) {
        Path dir = run.stageDir(stage);
        if (run.status(stage) == RunDirectory.Status.DONE) return finished(dir, run.counts(stage).path("examples").asInt());
        run.started(stage);
        var examples = TrainingData.read(pairs, codec);
        List<double[]> loss = new ArrayList<>();
        Path last;
        try (Model student = Model.load(baseModel); Model teacherModel = teacher == null ? null : Model.load(teacher);
             Trainer trainer = new Trainer(student, teacherModel, config, examples);
             Progress progress = new Progress(stage, trainer.totalSteps(), "steps", "tokens")) {
            Trainer.latestCheckpoint(dir).ifPresent(c -> {
                trainer.restore(c);
                loss.addAll(readLoss(c));
                progress.advance(trainer.steps());
            });
            last = trainer.fit(dir, new TrainListener() {
                @Override
                public void onStep(StepMetrics m) {
                    loss.add(new double[]{m.step(), m.loss()});
                    progress.advance(1, m.computedTokens());
                }

                @Override
                public void onCheckpoint(Path checkpoint) {
                    if (ProcessGroup.current().isLeader()) writeLoss(checkpoint, loss);
                    run.progress(stage, Map.of("step", loss.isEmpty() ? 0 : (long) loss.get(loss.size() - 1)[0], "examples", examples.size()));
                }
            });
        }
        if (Tokenizer.isPresent(baseModel) && ProcessGroup.current().isLeader())
            Tokenizer.load(baseModel).save(last);  // rewritten on a re-run: a killed write heals
        ProcessGroup.current().barrier(stage + " (tokenizer)");
        run.done(stage, Map.of("steps", loss.size(), "examples", examples.size(),
                "final_loss", loss.isEmpty() ? Double.NaN : loss.get(loss.size() - 1)[1]));
        return new Result(last, List.copyOf(loss), examples.size());
    }

    private static Result finished(Path dir, int examples) {
        Path last = Trainer.latestCheckpoint(dir).orElseThrow(() -> new IllegalStateException(dir + " is marked done but holds no checkpoint"));
        return new Result(last, readLoss(last), examples);
    }

    private static void writeLoss(Path checkpoint, List<double[]> loss) {
        ArrayNode a = Jsonl.JSON.createArrayNode();
        for (double[] p : loss) a.addArray().add((long) p[0]).add(p[1]);
        AtomicFiles.write(checkpoint.resolve(LOSS_FILE), Jsonl.toLine(a));
    }

    private static List<double[]> readLoss(Path checkpoint) {
        Path file = checkpoint.resolve(LOSS_FILE);
        if (!Files.isRegularFile(file)) return List.of();
        try {
            List<double[]> out = new ArrayList<>();
            for (JsonNode p : Jsonl.JSON.readTree(Files.readString(file))) out.add(new double[]{p.get(0).asDouble(), p.get(1).asDouble()});
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
