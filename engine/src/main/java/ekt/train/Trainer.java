package ekt.train;

import ekt.records.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ekt.core.EktException;
import ekt.core.Model;
import ekt.core.NativeTrainer;
import ekt.core.ProcessGroup;
import ekt.tokenizer.Tokenizer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Fine-tunes a student model in place (full parameters) on a fixed set of examples, optionally
 * distilling from a live teacher. The update itself runs in the native core, one JNI call per
 * optimizer step; this class decides which examples each step sees, checkpoints, and reports.
 * A run is reproducible from its config: resuming from a checkpoint replays the same batches
 * and continues bit-exactly. Close the trainer before the models.
 */
public final class Trainer implements AutoCloseable {
    private static final Pattern STEP_DIR = Pattern.compile("step-(\\d+)");

    private final Model student;
    private final TrainConfig config;
    private final BatchBuilder data;
    private final EpochPlan plan;
    private final long totalSteps;
    private final NativeTrainer core;
    private final Tokenizer tokenizer;
    private int epoch, stepInEpoch;
    private long steps;
    private Path lastCheckpoint;

    /** @param teacher null for plain fine-tuning; otherwise the live teacher of distillation */
    public Trainer(Model student, Model teacher, TrainConfig config, List<TrainingExample> examples) {
        this.student = student;
        this.config = config;
        int context = student.info().contextLength();
        if (teacher != null) context = Math.min(context, teacher.info().contextLength());
        int maxLength = config.maxLength() == 0 ? context : config.maxLength();
        if (maxLength > context)
            throw new IllegalArgumentException("max length " + maxLength + " exceeds the model context of " + context + " tokens");
        int padId = config.padId() >= 0 ? config.padId() : student.infoJson().path("eos_token_id").asInt(-1);
        if (padId < 0) throw new IllegalArgumentException("the model has no eos_token_id; set the padding token explicitly");
        this.data = new BatchBuilder(examples, config.mask(), maxLength, config.overflow(), padId, student.info().vocabSize());
        this.plan = new EpochPlan(data.size(), config.effectiveBatch(), config.seed(), config.bucketWindow(), data::width);
        this.totalSteps = (long) plan.stepsPerEpoch() * config.epochs();
        this.core = NativeTrainer.create(student, teacher, config.nativeOptions(totalSteps));
        this.tokenizer = student.source().filter(Tokenizer::isPresent).map(Tokenizer::load).orElse(null);
        // Data parallel: every rank must plan the same batches of the same data with the same settings.
        ProcessGroup.current().checkSame("training data and settings", runState().toString());
    }

    /** @return the model being trained (updated in place by every step) */
    public Model student() {
        return student;
    }

    /** @return the run's settings */
    public TrainConfig config() {
        return config;
    }

    /** The laid-out training data (size, truncation count, batches of chosen examples). */
    public BatchBuilder data() {
        return data;
    }

    /** @return optimizer steps of the whole run: steps per epoch times epochs */
    public long totalSteps() {
        return totalSteps;
    }

    /** @return optimizer steps per epoch: examples / effective batch, rounded down, at least 1 */
    public int stepsPerEpoch() {
        return plan.stepsPerEpoch();
    }

    /** The optimizer steps of one epoch over {@code examples} examples under {@code config}. */
    public static int stepsPerEpoch(int examples, TrainConfig config) {
        return EpochPlan.stepsPerEpoch(examples, config.effectiveBatch());
    }

    /** Optimizer steps done so far (restored ones included). */
    public long steps() {
        return steps;
    }

    /** The core's JSON description: options, parameters (name, shape, decayed), FLOP constants. */
    public String info() {
        return core.info();
    }

    /** @return whether all {@link #totalSteps()} steps are done */
    public boolean finished() {
        return steps >= totalSteps;
    }

    /** The next step of the run: the planned batch, one update, and the data position advanced. */
    public StepMetrics step() {
        if (finished()) throw new IllegalStateException("the run is complete (" + totalSteps + " steps)");
        TrainBatch b = data.batch(plan.step(epoch, stepInEpoch));
        StepMetrics m = StepMetrics.of(core.step(b.ids(), b.targets(), b.valid(), b.weights(), b.rows(), b.seq()), epoch);
        steps = m.step();
        if (++stepInEpoch == plan.stepsPerEpoch()) {
            stepInEpoch = 0;
            epoch++;
        }
        return m;
    }

    /** One update on an explicit batch; the run's data position does not move. */
    public StepMetrics step(TrainBatch b) {
        StepMetrics m = StepMetrics.of(core.step(b.ids(), b.targets(), b.valid(), b.weights(), b.rows(), b.seq()), -1);
        steps = m.step();
        return m;
    }

    /** The loss of a batch without any update (e.g. on held-out data in an evaluation hook). */
    public StepMetrics evaluate(TrainBatch b) {
        return StepMetrics.of(core.evaluate(b.ids(), b.targets(), b.valid(), b.weights(), b.rows(), b.seq()), -1);
    }

    /** Computes the normalised, unclipped gradient of a batch's loss without updating; see {@link #gradient}. */
    public StepMetrics gradients(TrainBatch b) {
        return StepMetrics.of(core.gradients(b.ids(), b.targets(), b.valid(), b.weights(), b.rows(), b.seq()), -1);
    }

    /** The gradient of one parameter (Hugging Face name) from the last {@link #gradients} call. */
    public float[] gradient(String name, int size) {
        return core.gradient(name, size);
    }

    /**
     * Runs until the end of the schedule or {@link TrainConfig#stopAfter()} steps, reporting to
     * the listener and checkpointing into {@code outDir/step-N}; always checkpoints where it
     * stops. A failing step (a non-finite loss, for one) stops the run with an error naming the
     * last good checkpoint; nothing is written after it.
     *
     * @return the last checkpoint
     */
    public Path fit(Path outDir, TrainListener listener) {
        createDirectories(outDir);
        List<StepMetrics> interval = new ArrayList<>();
        long start = steps;
        while (!finished() && (config.stopAfter() == 0 || steps - start < config.stopAfter())) {
            StepMetrics m;
            try {
                m = step();
            } catch (EktException e) {
                throw new EktException("training stopped at step " + (steps + 1) + " (epoch " + (epoch + 1) + "): " + e.getMessage()
                        + "; last good checkpoint: " + (lastCheckpoint == null ? "none" : lastCheckpoint), e);
            }
            listener.onStep(m);
            interval.add(m);
            if (config.logEvery() > 0 && steps % config.logEvery() == 0) {
                listener.onInterval(IntervalMetrics.over(interval, totalSteps, config.peakGflops()));
                interval.clear();
            }
            if (config.evalEvery() > 0 && steps % config.evalEvery() == 0) listener.onEvaluation(this, steps);
            if (config.saveEvery() > 0 && steps % config.saveEvery() == 0) checkpoint(outDir, listener);
        }
        if (!interval.isEmpty() && config.logEvery() > 0) listener.onInterval(IntervalMetrics.over(interval, totalSteps, config.peakGflops()));
        if (lastCheckpoint == null || !lastCheckpoint.equals(outDir.resolve("step-" + steps))) checkpoint(outDir, listener);
        return lastCheckpoint;
    }

    /**
     * Writes {@code outDir/step-N} (weights, generation settings, the student's tokenizer where its
     * checkpoint has one, optimizer, schedule position, data position), loadable as it is by
     * {@code ekt sample}, {@code ekt serve} and Hugging Face. Data
     * parallel, every rank holds the same weights: rank 0 writes, the others wait until it has.
     */
    public Path checkpoint(Path outDir, TrainListener listener) {
        Path dir = outDir.resolve("step-" + steps);
        ProcessGroup group = ProcessGroup.current();
        if (group.isLeader()) {
            core.save(dir, runState().toString());
            // self-contained: the base checkpoint's tokenizer beside the weights (generation_config.json comes from the core)
            if (tokenizer != null) tokenizer.save(dir);
            prune(outDir);
        }
        group.barrier("checkpoint " + dir);
        lastCheckpoint = dir;
        listener.onCheckpoint(dir);
        return dir;
    }

    /**
     * Continues from a checkpoint of the same run: weights, optimizer moments, schedule and data
     * position. Fails if the data or any setting that shapes the updates differs, since the
     * continuation would then not be the interrupted run.
     */
    public void restore(Path dir) {
        JsonNode state = parse(core.restore(dir), dir);
        JsonNode run = state.path("run"), expected = parse(runState().toString(), null);  // same number types as read
        List<String> differences = new ArrayList<>();
        for (String key : List.of("fingerprint", "total_steps", "config"))
            if (!expected.path(key).equals(run.path(key))) differences.add(describe(key, run.path(key), expected.path(key)));
        if (!differences.isEmpty())
            throw new EktException("checkpoint " + dir + " belongs to a different run: " + String.join("; ", differences));
        steps = state.path("step").asLong();
        epoch = run.path("epoch").asInt();
        stepInEpoch = run.path("step_in_epoch").asInt();
        lastCheckpoint = dir;
    }

    /** The newest checkpoint {@code outDir/step-N} holding a trainer state, if any. */
    public static Optional<Path> latestCheckpoint(Path outDir) {
        return checkpoints(outDir).stream().reduce((a, b) -> b);
    }

    private ObjectNode runState() {
        ObjectNode run = Json.MAPPER.createObjectNode();
        run.put("epoch", epoch);
        run.put("step_in_epoch", stepInEpoch);
        run.put("total_steps", totalSteps);
        run.put("steps_per_epoch", plan.stepsPerEpoch());
        run.put("examples", data.size());
        run.put("fingerprint", Long.toHexString(data.fingerprint()));
        run.set("config", parse(toJson(config.trajectory()), null));
        return run;
    }

    private static String describe(String key, JsonNode stored, JsonNode current) {
        if (!key.equals("config")) return key + " " + stored + " (now " + current + ")";
        List<String> out = new ArrayList<>();
        current.fieldNames().forEachRemaining(f -> {
            if (!current.get(f).equals(stored.path(f))) out.add(f + " " + stored.path(f) + " (now " + current.get(f) + ")");
        });
        return "settings differ: " + String.join(", ", out);
    }

    private static List<Path> checkpoints(Path outDir) {
        if (!Files.isDirectory(outDir)) return List.of();
        try (Stream<Path> s = Files.list(outDir)) {
            return s.filter(p -> STEP_DIR.matcher(p.getFileName().toString()).matches())
                    .filter(p -> Files.isRegularFile(p.resolve("trainer_state.json")))
                    .sorted(Comparator.comparingLong(Trainer::stepOf)).toList();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list checkpoints in " + outDir, e);
        }
    }

    private static long stepOf(Path dir) {
        Matcher m = STEP_DIR.matcher(dir.getFileName().toString());
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    private void prune(Path outDir) {
        if (config.keepCheckpoints() == 0) return;
        List<Path> all = checkpoints(outDir);
        for (Path old : all.subList(0, Math.max(0, all.size() - config.keepCheckpoints())))
            if (!old.equals(lastCheckpoint)) deleteTree(old);
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot delete old checkpoint " + dir, e);
        }
    }

    private static void createDirectories(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
    }

    private static String toJson(Object value) {
        try {
            return Json.MAPPER.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode parse(String json, Path source) {
        try {
            return Json.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new EktException("malformed trainer state" + (source == null ? "" : " in " + source) + ": " + e.getMessage());
        }
    }

    @Override
    public void close() {
        core.close();
    }
}
