package ekt.pipeline;

import ekt.core.ProcessGroup;
import ekt.data.Problem;
import ekt.core.SamplingOptions;
import ekt.exec.ExecRecord;
import ekt.exec.ExecRecords;
import ekt.exec.ExecutorPool;
import ekt.exec.Program;
import ekt.sample.EngineCompleter;
import ekt.sample.SamplePrompt;
import ekt.sample.SampleRecord;
import ekt.sample.TextCodec;
import ekt.train.Trainer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Dev-set monitoring of a training stage (paper.md §4): every {@code everyEpochs} epochs the
 * student being trained decodes one greedy program per dev problem, which is truncated, executed
 * and checked like any evaluation sample. One record per evaluation goes to
 * {@code STAGE/dev_eval.jsonl}: {@code {"epoch", "step", "checkpoint", "greedy_pass1", "solved",
 * "problems"}}; the weights with the best dev pass@1 so far (earliest on ties) are kept in
 * {@code STAGE/best-dev}, a model directory. The programs and their outcomes are kept in
 * {@code STAGE/dev-eval/step-N/}, one part per chunk of dev problems.
 *
 * <p>In a data-parallel job every rank holds the same weights, so the chunks are split across the
 * ranks like the sampling stages' parts (chunk i on rank i mod N, each decoded as its own batch
 * whatever the number of ranks, hence the programs of one process); rank 0 alone then adds the
 * record and saves the best weights, between barriers named after the evaluation.
 */
public final class DevMonitor {
    /** The evaluation records in the stage directory, one JSON object per line (see the class comment). */
    public static final String FILE = "dev_eval.jsonl";
    /** The folder in the stage directory holding the weights with the best dev pass@1 so far, a model directory. */
    public static final String BEST = "best-dev";
    /** The per-problem outcomes, {@code DIR/step-N/part-K.jsonl}: execution records with the program. */
    public static final String DIR = "dev-eval";
    private static final Pattern STEP_DIR = Pattern.compile("step-(\\d+)");

    private final List<Problem> dev;
    private final Function<Problem, String> prompt;
    private final Prompts prompts;
    private final ExecutorPool pool;
    private final TextCodec codec;
    private final int maxNewTokens, everyEpochs, chunk;

    /** @param chunk dev problems per part (one greedy batch, the unit split across ranks) */
    public DevMonitor(List<Problem> dev, Function<Problem, String> prompt, Prompts prompts, ExecutorPool pool, TextCodec codec,
                      int maxNewTokens, int everyEpochs, int chunk) {
        if (everyEpochs <= 0) throw new IllegalArgumentException("dev evaluation needs a positive interval in epochs");
        this.dev = List.copyOf(dev);
        this.prompt = prompt;
        this.prompts = prompts;
        this.pool = pool;
        this.codec = codec;
        this.maxNewTokens = maxNewTokens;
        this.everyEpochs = everyEpochs;
        this.chunk = chunk;
    }

    /** Optimizer steps between evaluations. */
    public int everySteps(int stepsPerEpoch) {
        return everyEpochs * stepsPerEpoch;
    }

    /**
     * Drops the records and programs after {@code step} (a resumed run re-does them; training is
     * deterministic, so it writes the same ones again). Rank 0's work: every evaluation starts
     * with a barrier, so no rank writes programs before this.
     */
    void resumeAt(Path stageDir, long step) {
        if (!ProcessGroup.current().isLeader()) return;
        write(stageDir, read(stageDir).stream().filter(r -> r.step() <= step).toList());
        Path programs = stageDir.resolve(DIR);
        if (!Files.isDirectory(programs)) return;
        try (Stream<Path> s = Files.list(programs)) {
            for (Path d : s.toList()) {
                Matcher m = STEP_DIR.matcher(d.getFileName().toString());
                if (m.matches() && Long.parseLong(m.group(1)) > step) AtomicFiles.deleteTree(d);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + programs, e);
        }
    }

    /**
     * Scores the trainer's current weights on the dev problems and records them as checkpoint
     * {@code step-N}. Called on every rank of a data-parallel job at the same step.
     */
    void evaluate(Trainer trainer, long step, Path stageDir) {
        ProcessGroup group = ProcessGroup.current();
        String stage = stageDir.getFileName() + " dev evaluation at step " + step;
        Parts<ExecRecord> parts = new Parts<>(stageDir.resolve(DIR).resolve("step-" + step), ExecRecords.CODEC);
        group.barrier(stage + " (start)");  // no rank writes before every rank cleared leftovers
        Map<String, Problem> byId = EvaluateStage.byId(dev);
        int chunks = SampleStage.chunks(dev.size(), chunk);
        for (int c = 0; c < chunks; c++) {
            if (parts.isDone(c) || !group.owns(c)) continue;
            List<Problem> problems = dev.subList(c * chunk, Math.min(dev.size(), (c + 1) * chunk));
            List<SamplePrompt> requests = problems.stream().map(p -> SamplePrompt.ofText(p.id(), prompt.apply(p))).toList();
            Map<String, SampleRecord> got = new HashMap<>();
            new EngineCompleter(trainer.student(), codec, "dev").complete(requests, SamplingOptions.greedy(maxNewTokens), record -> {
                synchronized (got) {
                    got.put(record.id(), record);
                }
            });
            List<Program> programs = problems.stream()
                    .map(p -> new Program(p.id(), 0, prompts.truncate(got.get(p.id()).text()), byId.get(p.id()).answer())).toList();
            parts.write(c, ExecuteStage.execute(pool, programs));
        }
        group.barrier(stage);
        if (group.isLeader()) record(trainer, step, stageDir, parts);
        group.barrier(stage + " (record)");
    }

    /** Rank 0: the evaluation's record from every part, and the weights if they are the best so far. */
    private void record(Trainer trainer, long step, Path stageDir, Parts<ExecRecord> parts) {
        int solved = (int) parts.readAll().stream().filter(ExecRecord::isCorrect).count();
        double pass1 = dev.isEmpty() ? 0 : solved / (double) dev.size();
        List<DevEvaluation> records = new ArrayList<>(read(stageDir));
        boolean best = records.stream().allMatch(r -> r.greedyPass1() < pass1);
        if (best) {
            Path tmp = stageDir.resolve(BEST + ".tmp");
            AtomicFiles.deleteTree(tmp);
            trainer.student().save(tmp);
            AtomicFiles.write(tmp.resolve("dev_checkpoint.txt"), "step-" + step + "\n");
            AtomicFiles.moveDirectory(tmp, stageDir.resolve(BEST));
        }
        records.add(new DevEvaluation((int) (step / Math.max(1, trainer.stepsPerEpoch())), step, "step-" + step, pass1, solved, dev.size()));
        write(stageDir, records);
        System.err.printf("[ekt] %s: dev greedy pass@1 at step %d: %.2f%% (%d/%d)%s%n", stageDir.getFileName(), step, 100 * pass1,
                solved, dev.size(), best ? ", best so far" : "");
    }

    /** The records of a stage directory, in order; none when it has no dev evaluation. */
    public static List<DevEvaluation> read(Path stageDir) {
        Path file = stageDir.resolve(FILE);
        if (!Files.isRegularFile(file)) return List.of();
        return DevEvaluation.CODEC.readAll(file);
    }

    private static void write(Path stageDir, List<DevEvaluation> records) {
        AtomicFiles.writeRecords(stageDir.resolve(FILE), DevEvaluation.CODEC, records);
    }

    /** The best dev record (earliest on ties), if any. */
    public static Optional<DevEvaluation> best(Path stageDir) {
        DevEvaluation best = null;
        for (DevEvaluation r : read(stageDir)) if (best == null || r.greedyPass1() > best.greedyPass1()) best = r;
        return Optional.ofNullable(best);
    }
}
