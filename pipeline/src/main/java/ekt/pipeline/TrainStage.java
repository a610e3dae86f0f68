package ekt.pipeline;

import ekt.records.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import ekt.core.Model;
import ekt.core.Placement;
import ekt.core.ProcessGroup;
import ekt.records.Jsonl;
import ekt.eval.TrainingCurve;
import ekt.sample.TextCodec;
import ekt.train.StepMetrics;
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
import java.util.Optional;

/**
 * Fine-tunes a fresh copy of a base checkpoint on selected pairs (optionally distilling from a
 * live teacher) into {@code stage/step-N}. Killed and re-run, it resumes from its newest
 * checkpoint bit-exactly; the loss curve ({@code loss.json}) is saved with every checkpoint, so
 * it covers exactly the steps the checkpoint holds. The result is the final checkpoint, which
 * gets the base model's tokenizer files so that it is a self-describing model directory.
 */
public final class TrainStage {
    /**
     * The loss curve in every checkpoint directory: a JSON array of {@code [step, loss, cross-entropy,
     * KL term]} per optimizer step up to the checkpoint's.
     */
    public static final String LOSS_FILE = "loss.json";

    private TrainStage() {
    }

    /**
     * A finished training stage: its final checkpoint, (step, loss, cross-entropy, KL term) points
     * and (step, dev greedy pass@1) points where the stage evaluated on a dev set.
     *
     * @param model    the final checkpoint, {@code stage/step-N}, with the base model's tokenizer
     * @param loss     (step, loss, cross-entropy, KL term) per optimizer step, over every invocation of the stage
     * @param examples training examples the stage read from its pairs
     * @param dev      (step, dev greedy pass@1 as a fraction) per dev evaluation; empty without a {@link DevMonitor}
     */
    public record Result(Path model, List<double[]> loss, int examples, List<double[]> dev) {
        /** The stage's loss and dev curve under {@code label}, for the report. */
        public TrainingCurve curve(String label) {
            return new TrainingCurve(label, loss, dev);
        }

        /** The weights with the best dev pass@1 ({@link DevMonitor}), if the stage was monitored. */
        public Optional<Path> bestDev() {
            Path best = model.getParent().resolve(DevMonitor.BEST);
            return Files.isRegularFile(best.resolve("model.safetensors")) ? Optional.of(best) : Optional.empty();
        }
    }

    /**
     * @param teacher   null for plain fine-tuning (EKT, EI); a checkpoint directory for KD
     * @param placement the training device; its dtype is the compute precision (bfloat16: mixed
     *                  precision, the student kept in float32) and the KD teacher's dtype
     */
    public static Result run(RunDirectory run, String stage, Path baseModel, Path teacher, Path pairs, TrainConfig config, TextCodec codec,
                             Placement placement) {
        return run(run, stage, baseModel, teacher, pairs, config, codec, placement, null);
    }

    /** @param dev null, or the dev-set evaluation to run every few epochs (and checkpoint with) */
    public static Result run(RunDirectory run, String stage, Path baseModel, Path teacher, Path pairs, TrainConfig config, TextCodec codec,
                             Placement placement, DevMonitor dev) {
        Path dir = run.stageDir(stage);
        if (run.status(stage) == RunDirectory.Status.DONE) return finished(dir, run.counts(stage).path("examples").asInt());
        long[] tokens = {run.counts(stage).path("tokens").asLong(0)};  // positions computed, over every invocation
        run.started(stage);
        var examples = TrainingData.read(pairs, codec);
        if (dev != null) config = config.toBuilder().evalEvery(dev.everySteps(Trainer.stepsPerEpoch(examples.size(), config))).build();
        List<double[]> loss = new ArrayList<>();
        Path last;
        try (Model student = Model.load(baseModel, placement.with(null, Placement.DEFAULT_DTYPE));
             Model teacherModel = teacher == null ? null : Model.load(teacher, placement);
             Trainer trainer = new Trainer(student, teacherModel, config.toBuilder().precision(placement.dtype()).build(), examples);
             Progress progress = new Progress(stage, trainer.totalSteps(), "steps", "tokens")) {
            Trainer.latestCheckpoint(dir).ifPresent(c -> {
                trainer.restore(c);
                loss.addAll(readLoss(c));
                progress.skip(trainer.steps());
            });
            if (dev != null) dev.resumeAt(dir, trainer.steps());
            last = trainer.fit(dir, new TrainListener() {
                @Override
                public void onStep(StepMetrics m) {
                    loss.add(new double[]{m.step(), m.loss(), m.ceLoss(), m.kdLoss()});
                    tokens[0] += m.computedTokens();
                    progress.advance(1, m.computedTokens());
                }

                @Override
                public void onEvaluation(Trainer t, long step) {
                    dev.evaluate(t, step, dir);
                    if (t.config().saveEvery() == 0 || step % t.config().saveEvery() != 0) t.checkpoint(dir, this);  // one per evaluation
                }

                @Override
                public void onCheckpoint(Path checkpoint) {
                    if (ProcessGroup.current().isLeader()) writeLoss(checkpoint, loss);
                    run.progress(stage, Map.of("step", loss.isEmpty() ? 0 : (long) loss.get(loss.size() - 1)[0], "examples", examples.size(),
                            "tokens", tokens[0]));
                }
            });
        }
        if (Tokenizer.isPresent(baseModel) && ProcessGroup.current().isLeader()) {  // rewritten on a re-run: a killed write heals
            Tokenizer.load(baseModel).save(last);
            if (Files.isDirectory(dir.resolve(DevMonitor.BEST))) Tokenizer.load(baseModel).save(dir.resolve(DevMonitor.BEST));
        }
        ProcessGroup.current().barrier(stage + " (tokenizer)");
        run.done(stage, Map.of("steps", loss.size(), "examples", examples.size(), "tokens", tokens[0],
                "final_loss", loss.isEmpty() ? Double.NaN : loss.get(loss.size() - 1)[1]));
        return new Result(last, List.copyOf(loss), examples.size(), readDev(dir));
    }

    private static Result finished(Path dir, int examples) {
        Path last = Trainer.latestCheckpoint(dir).orElseThrow(() -> new IllegalStateException(dir + " is marked done but holds no checkpoint"));
        return new Result(last, readLoss(last), examples, readDev(dir));
    }

    private static void writeLoss(Path checkpoint, List<double[]> loss) {
        ArrayNode a = Json.MAPPER.createArrayNode();
        for (double[] p : loss) a.addArray().add((long) p[0]).add(p[1]).add(p[2]).add(p[3]);
        AtomicFiles.write(checkpoint.resolve(LOSS_FILE), Json.line(a));
    }

    /** (step, greedy pass@1) of every dev evaluation in {@code dir/dev_eval.jsonl}; none when the file is absent. */
    static List<double[]> readDev(Path dir) {
        return DevMonitor.read(dir).stream().map(d -> new double[]{d.step(), d.greedyPass1()}).toList();
    }

    private static List<double[]> readLoss(Path checkpoint) {
        Path file = checkpoint.resolve(LOSS_FILE);
        if (!Files.isRegularFile(file)) return List.of();
        try {
            List<double[]> out = new ArrayList<>();
            for (JsonNode p : Json.MAPPER.readTree(Files.readString(file)))  // files before the CE/KL split hold (step, loss)
                out.add(new double[]{p.get(0).asDouble(), p.get(1).asDouble(), p.path(2).asDouble(p.get(1).asDouble()), p.path(3).asDouble(0)});
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + file, e);
        }
    }
}
