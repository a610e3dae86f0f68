package ekt.pipeline;

import ekt.records.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ekt.core.ProcessGroup;
import ekt.records.Jsonl;
import ekt.data.Problem;
import ekt.exec.ExecRecords;
import ekt.exec.ExecResult;
import ekt.exec.ExecutorPool;
import ekt.exec.Program;
import ekt.pipeline.teacher.Completion;
import ekt.pipeline.teacher.EngineTeacher;
import ekt.pipeline.teacher.PromptRequest;
import ekt.pipeline.teacher.SamplingSpec;
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
    public static final String FILE = "dev_eval.jsonl";
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
        List<ObjectNode> kept = new ArrayList<>();
        for (JsonNode r : read(stageDir)) if (r.path("step").asLong() <= step) kept.add((ObjectNode) r);
        AtomicFiles.writeJsonl(stageDir.resolve(FILE), kept);
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
        Parts parts = new Parts(stageDir.resolve(DIR).resolve("step-" + step));
        group.barrier(stage + " (start)");  // no rank writes before every rank cleared leftovers
        Map<String, Problem> byId = EvaluateStage.byId(dev);
        int chunks = SampleStage.chunks(dev.size(), chunk);
        for (int c = 0; c < chunks; c++) {
            if (parts.isDone(c) || !group.owns(c)) continue;
            List<Problem> problems = dev.subList(c * chunk, Math.min(dev.size(), (c + 1) * chunk));
            List<PromptRequest> requests = problems.stream().map(p -> new PromptRequest(p.id(), prompt.apply(p))).toList();
            Map<String, Completion> got = new HashMap<>();
            new EngineTeacher(trainer.student(), codec, "dev").sample(requests, SamplingSpec.greedy(maxNewTokens), completion -> {
                synchronized (got) {
                    got.put(completion.id(), completion);
                }
            });
            List<Program> programs = problems.stream()
                    .map(p -> new Program(p.id(), 0, prompts.truncate(got.get(p.id()).text()), byId.get(p.id()).answer())).toList();
            List<ExecResult> results = pool.run(programs);
            List<ObjectNode> records = new ArrayList<>(results.size());
            for (int i = 0; i < results.size(); i++) records.add(ExecRecords.toJson(results.get(i)).put("program", programs.get(i).code()));
            parts.write(c, records);
        }
        group.barrier(stage);
        if (group.isLeader()) record(trainer, step, stageDir, parts);
        group.barrier(stage + " (record)");
    }

    /** Rank 0: the evaluation's record from every part, and the weights if they are the best so far. */
    private void record(Trainer trainer, long step, Path stageDir, Parts parts) {
        int solved = (int) parts.readAll().stream().filter(r -> r.path("correct").asBoolean(false)).count();
        double pass1 = dev.isEmpty() ? 0 : solved / (double) dev.size();
        List<JsonNode> records = read(stageDir);
        boolean best = records.stream().allMatch(r -> r.path("greedy_pass1").asDouble() < pass1);
        if (best) {
            Path tmp = stageDir.resolve(BEST + ".tmp");
            AtomicFiles.deleteTree(tmp);
            trainer.student().save(tmp);
            AtomicFiles.write(tmp.resolve("dev_checkpoint.txt"), "step-" + step + "\n");
            AtomicFiles.moveDirectory(tmp, stageDir.resolve(BEST));
        }
        List<ObjectNode> out = new ArrayList<>();
        records.forEach(r -> out.add((ObjectNode) r));
        out.add(Json.object().put("epoch", (int) (step / Math.max(1, trainer.stepsPerEpoch()))).put("step", step)
                .put("checkpoint", "step-" + step).put("greedy_pass1", pass1).put("solved", solved).put("problems", dev.size()));
        AtomicFiles.writeJsonl(stageDir.resolve(FILE), out);
        System.err.printf("[ekt] %s: dev greedy pass@1 at step %d: %.2f%% (%d/%d)%s%n", stageDir.getFileName(), step, 100 * pass1,
                solved, dev.size(), best ? ", best so far" : "");
    }

    /** The records of a stage directory, in order. */
    public static List<JsonNode> read(Path stageDir) {
        Path file = stageDir.resolve(FILE);
        if (!Files.isRegularFile(file)) return List.of();
        return Jsonl.readStrict(file).stream().map(Jsonl.Line::value).toList();
    }

    /** The best dev record (earliest on ties), if any. */
    public static Optional<JsonNode> best(Path stageDir) {
        JsonNode best = null;
        for (JsonNode r : read(stageDir)) if (best == null || r.path("greedy_pass1").asDouble() > best.path("greedy_pass1").asDouble()) best = r;
        return Optional.ofNullable(best);
    }
}
