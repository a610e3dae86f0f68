package ekt.cli;

import ekt.core.Model;
import ekt.core.Placement;
import ekt.core.ProcessGroup;
import ekt.sample.TextCodec;
import ekt.tokenizer.Tokenizer;
import ekt.train.TrainConfig;
import ekt.train.TrainListener;
import ekt.train.Trainer;
import ekt.train.TrainingData;
import ekt.train.TrainingExample;
import ekt.util.Choices;
import ekt.util.Progress;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;

import static ekt.train.TrainConfig.DEFAULTS;

/** {@code ekt train}: fine-tune a student on (prompt, completion) pairs, optionally distilling from a teacher. */
@Command(name = "train", description = "Fine-tune a model on JSONL training pairs (defaults: the paper's settings).")
final class TrainCommand implements Callable<Integer> {
    @Option(names = "--model", required = true, description = "student checkpoint directory (Hugging Face layout)")
    Path model;
    @Option(names = "--data", required = true, description = "JSONL: {id, prompt, completion} or {id, prompt_tokens, completion_tokens}")
    Path data;
    @Option(names = "--out", required = true, description = "run directory; checkpoints go to OUT/step-N")
    Path out;
    @Option(names = "--teacher", description = "teacher checkpoint for knowledge distillation (KL + LM loss)")
    Path teacher;
    @Option(names = "--resume", arity = "0..1", fallbackValue = "latest",
            description = "continue from a checkpoint directory, or (no value) from the newest one in --out")
    String resume;
    @picocli.CommandLine.Mixin
    DeviceOptions device = new DeviceOptions();
    @Option(names = "--epochs") int epochs = DEFAULTS.epochs();
    @Option(names = "--lr") double lr = DEFAULTS.lr();
    @Option(names = "--weight-decay") double weightDecay = DEFAULTS.weightDecay();
    @Option(names = "--warmup", description = "warmup steps") int warmup = DEFAULTS.warmupSteps();
    @Option(names = "--schedule", description = "linear, cosine, constant") String schedule = Choices.name(DEFAULTS.schedule());
    @Option(names = "--clip", description = "gradient-norm clipping; 0 disables") double clip = DEFAULTS.maxGradNorm();
    @Option(names = "--micro-batch", description = "rows per micro-batch (default: ${DEFAULT-VALUE})") int batch = DEFAULTS.batchSize();  // no defaultValue: see Renamed
    @Option(names = "--accum", description = "micro-batches per optimizer step") int accum = DEFAULTS.accum();
    @Option(names = "--max-length", description = "tokens per padded sequence; 0 = model context") int maxLength = DEFAULTS.maxLength();
    @Option(names = "--mask", description = "loss mask: all (paper), no-padding, completion-only") String mask = Choices.name(DEFAULTS.mask());
    @Option(names = "--on-overflow", description = "examples over --max-length: truncate or refuse") String overflow = Choices.name(DEFAULTS.overflow());
    @Option(names = "--pad-id", description = "padding token; -1 = the model's eos_token_id") int padId = DEFAULTS.padId();
    @Option(names = "--seed") long seed = DEFAULTS.seed();
    @Option(names = "--bucket-window", description = "sort lengths across this many steps (1 = off)") int bucketWindow = DEFAULTS.bucketWindow();
    @Option(names = "--log-every") int logEvery = DEFAULTS.logEvery();
    @Option(names = "--save-every", description = "checkpoint interval in steps; 0 = only at the end") int saveEvery = DEFAULTS.saveEvery();
    @Option(names = "--keep", description = "keep only the newest N checkpoints; 0 = all") int keep = DEFAULTS.keepCheckpoints();
    @Option(names = "--stop-after", description = "stop (and checkpoint) after N steps of this invocation") int stopAfter = DEFAULTS.stopAfter();
    @Option(names = "--kd-weight") double kdWeight = DEFAULTS.kdWeight();
    @Option(names = "--kd-temperature") double kdTemperature = DEFAULTS.kdTemperature();
    @Option(names = "--peak-gflops", description = "peak GFLOP/s for the MFU figure") double peakGflops = DEFAULTS.peakGflops();
    @Option(names = "--workers", description = "data-parallel threads in the core; 0 = one per core thread") int workers = DEFAULTS.workers();
    @Option(names = "--checkpoint-activations", description = "recompute each block's activations in backward instead of keeping them (less memory, ~1/3 more compute)")
    boolean checkpointActivations = DEFAULTS.checkpointActivations();
    @Option(names = "--codec", description = "text encoding of text records: 'bytes' (UTF-8 bytes as ids) or a tokenizer directory (default: the model's own tokenizer)") String codec;

    @Option(names = "--batch", hidden = true)
    void oldBatch(int value) {
        Renamed.warn("--batch", "--micro-batch");
        batch = value;
    }

    @Override
    public Integer call() {
        Placement placement = device.placement();
        TrainConfig config = TrainConfig.builder().epochs(epochs).lr(lr).weightDecay(weightDecay).warmupSteps(warmup)
                .schedule(Choices.parse("--schedule", schedule, TrainConfig.Schedule.class)).maxGradNorm(clip)
                .batchSize(batch).accum(accum).maxLength(maxLength).mask(Choices.parse("--mask", mask, TrainConfig.Mask.class))
                .overflow(Choices.parse("--on-overflow", overflow, TrainConfig.Overflow.class)).padId(padId).seed(seed)
                .bucketWindow(bucketWindow).logEvery(logEvery).saveEvery(saveEvery).keepCheckpoints(keep).stopAfter(stopAfter)
                .kdWeight(kdWeight).kdTemperature(kdTemperature).peakGflops(peakGflops).workers(workers)
                .precision(placement.dtype()).checkpointActivations(checkpointActivations).build();
        Tokenizer tokenizer = tokenizer();
        List<TrainingExample> examples = TrainingData.read(data, textCodec(tokenizer));
        Path start = resumeFrom();
        // Under torchrun or srun this process is one rank of a data-parallel job (nothing new otherwise).
        // The student keeps float32 master weights; --dtype bfloat16 makes its products bfloat16.
        try (ProcessGroup group = ProcessGroup.fromEnvironment();
             Model student = Model.load(start == null ? model : start,
                     placement.with(group.device(placement.device()), Placement.DEFAULT_DTYPE));
             Model teach = teacher == null ? null : Model.load(teacher, placement.with(group.device(placement.device()), null));
             Trainer trainer = new Trainer(student, teach, config, examples)) {
            if (trainer.data().truncated() > 0)
                System.err.printf("warning: %d of %d examples are longer than %d tokens and were truncated%n",
                        trainer.data().truncated(), trainer.data().size(), trainer.data().maxLength());
            if (start != null) trainer.restore(start);
            else refuseToOverwrite();
            System.err.printf("training %s on %d examples: %d steps/epoch x %d epochs = %d steps, effective batch %d%s%n",
                    student.info().architecture(), examples.size(), trainer.stepsPerEpoch(), epochs, trainer.totalSteps(),
                    config.effectiveBatch(), start == null ? "" : ", resuming at step " + trainer.steps() + " from " + start);
            long firstStep = trainer.steps();
            Path last;
            try (Progress progress = group.isLeader() ? new Progress("train", trainer.totalSteps(), "steps", "tokens") : null) {
                if (progress != null) progress.skip(trainer.steps());
                last = trainer.fit(out, new TrainListener() {
                    @Override
                    public void onStep(ekt.train.StepMetrics m) {
                        if (progress != null) progress.advance(1, m.computedTokens());
                    }

                    @Override
                    public void onInterval(ekt.train.IntervalMetrics p) {
                        if (progress == null) return;
                        progress.detail(p.metrics());
                        progress.report();
                    }

                    @Override
                    public void onCheckpoint(Path dir) {
                        // the trainer saves the model's own tokenizer; a --codec tokenizer directory replaces it,
                        // so ekt sample and ekt serve take the checkpoint as it is
                        if (codec != null && tokenizer != null && group.isLeader()) tokenizer.save(dir);
                        if (progress != null) progress.log("checkpoint " + dir);
                    }
                });
            }
            if (group.worldSize() > 1 && group.isLeader()) reportAllReduce(group, trainer.steps() - firstStep);
            System.out.println(last);
        }
        return 0;
    }

    /**
     * A non-empty --out holds an earlier run: only --resume may continue it (and the trainer then
     * checks that data and settings are the same); training afresh would overwrite its checkpoints.
     */
    private void refuseToOverwrite() {
        if (!Files.isDirectory(out)) return;
        try (var entries = Files.list(out)) {
            if (entries.findAny().isPresent())
                throw new IllegalArgumentException("--out " + out + " is not empty: pass --resume to continue the run in it "
                        + "(same data and settings), or choose another directory");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list --out " + out + ": " + e, e);
        }
    }

    /** Time this rank spent summing gradients and losses across the ranks (packing and unpacking included). */
    private static void reportAllReduce(ProcessGroup group, long steps) {
        double seconds = group.info().path("reduce_seconds").asDouble();
        System.err.printf(Locale.ROOT, "all-reduce over %d ranks (%s): %.3f s in %d steps, %.2f ms per step%n", group.worldSize(),
                group.info().path("backend").asText(), seconds, steps, steps == 0 ? 0.0 : 1e3 * seconds / steps);
    }

    private Path resumeFrom() {
        if (resume == null) return null;
        if (!resume.equals("latest")) return Path.of(resume);
        return Trainer.latestCheckpoint(out)
                .orElseThrow(() -> new IllegalArgumentException("--resume: no checkpoint (step-N with trainer_state.json) in " + out));
    }

    /**
     * The one place that maps --codec to a tokenizer: a tokenizer directory, or by default the
     * model directory's own tokenizer; null for "bytes" or a model without one.
     */
    private Tokenizer tokenizer() {
        if ("bytes".equals(codec)) return null;
        Path dir = codec != null ? Path.of(codec) : model;
        boolean present = Tokenizer.isPresent(dir);
        if (codec != null && !present) throw new IllegalArgumentException("--codec " + codec + ": not 'bytes' and no tokenizer files there");
        return present ? Tokenizer.load(dir) : null;
    }

    /** The text encoding of text records: UTF-8 bytes for --codec bytes, else the tokenizer; text records fail clearly without one. */
    private TextCodec textCodec(Tokenizer tokenizer) {
        if ("bytes".equals(codec)) return TextCodec.utf8Bytes();
        return tokenizer == null ? null : TextCodec.of(tokenizer);
    }
}
