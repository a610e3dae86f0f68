package ekt.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ekt.data.Jsonl;
import ekt.data.Problem;
import ekt.exec.ExecResult;
import ekt.exec.ExecutorPool;
import ekt.exec.Program;
import ekt.pipeline.teacher.Completion;
import ekt.pipeline.teacher.EngineTeacher;
import ekt.pipeline.teacher.PromptRequest;
import ekt.pipeline.teacher.SamplingSpec;
import ekt.sample.TextCodec;
import ekt.train.Trainer;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Dev-set monitoring of a training stage (paper.md §4): every {@code everyEpochs} epochs the
 * student being trained decodes one greedy program per dev problem, which is truncated, executed
 * and checked like any evaluation sample. One record per evaluation goes to
 * {@code STAGE/dev_eval.jsonl}: {@code {"epoch", "step", "checkpoint", "greedy_pass1", "solved",
 * "problems"}}; the weights with the best dev pass@1 so far (earliest on ties) are kept in
 * {@code STAGE/best-dev}, a model directory.
 */
public final class DevMonitor {
    public static final String FILE = "dev_eval.jsonl";
    public static final String BEST = "best-dev";

    private final List<Problem> dev;
    private final Function<Problem, String> prompt;
    private final Prompts prompts;
    private final ExecutorPool pool;
    private final TextCodec codec;
    private final int maxNewTokens, everyEpochs;

    public DevMonitor(List<Problem> dev, Function<Problem, String> prompt, Prompts prompts, ExecutorPool pool, TextCodec codec,
                      int maxNewTokens, int everyEpochs) {
        if (everyEpochs <= 0) throw new IllegalArgumentException("dev evaluation needs a positive interval in epochs");
        this.dev = List.copyOf(dev);
        this.prompt = prompt;
        this.prompts = prompts;
        this.pool = pool;
        this.codec = codec;
        this.maxNewTokens = maxNewTokens;
        this.everyEpochs = everyEpochs;
    }

    /** Optimizer steps between evaluations. */
    public int everySteps(int stepsPerEpoch) {
        return everyEpochs * stepsPerEpoch;
    }

    /**
     * Drops the records after {@code step} (a resumed run re-does them; training is deterministic,
     * so it writes the same ones again).
     */
    void resumeAt(Path stageDir, long step) {
        List<ObjectNode> kept = new ArrayList<>();
        for (JsonNode r : read(stageDir)) if (r.path("step").asLong() <= step) kept.add((ObjectNode) r);
        AtomicFiles.writeJsonl(stageDir.resolve(FILE), kept);
    }

    /** Scores the trainer's current weights on the dev problems and records them as checkpoint {@code step-N}. */
    void evaluate(Trainer trainer, long step, Path stageDir) {
        List<PromptRequest> requests = dev.stream().map(p -> new PromptRequest(p.id(), prompt.apply(p))).toList();
        List<Completion> got = new ArrayList<>();
        new EngineTeacher(trainer.student(), codec, "dev").sample(requests, SamplingSpec.greedy(maxNewTokens), c -> {
            synchronized (got) {
                got.add(c);
            }
        });
        Map<String, Problem> byId = EvaluateStage.byId(dev);
        List<Program> programs = got.stream().sorted(Comparator.comparing(Completion::id))
                .map(c -> new Program(c.id(), 0, prompts.truncate(c.text()), byId.get(c.id()).answer())).toList();
        int solved = (int) pool.run(programs).stream().filter(ExecResult::isCorrect).count();
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
        out.add(Jsonl.object().put("epoch", (int) (step / Math.max(1, trainer.stepsPerEpoch()))).put("step", step)
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
