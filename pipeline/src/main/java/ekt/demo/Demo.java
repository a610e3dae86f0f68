package ekt.demo;

import ekt.records.Json;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ekt.core.Model;
import ekt.core.Placement;
import ekt.pipeline.AtomicFiles;
import ekt.pipeline.Experiment;
import ekt.pipeline.Prompts;
import ekt.pipeline.RunConfig;
import ekt.pipeline.RunDirectory;
import ekt.pipeline.SelectStage;
import ekt.pipeline.Selection;
import ekt.pipeline.TrainStage;
import ekt.sample.TextCodec;
import ekt.tokenizer.BpeTrainer;
import ekt.tokenizer.Tokenizer;
import ekt.train.TrainConfig;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * The embedded default experiment: EKT on generated word problems, offline, on a CPU, through
 * the same stages a real run uses. Setup (in {@code OUT/setup}, resumable like any run):
 * <ol>
 *   <li>three disjoint problem sets from the generator: the teacher's own source of (question,
 *       program) pairs, the student's training problems (question and answer only; the last few
 *       are the dev split) and the test problems;</li>
 *   <li>a byte-level BPE vocabulary learned on the teacher's source;</li>
 *   <li>the teacher, a small GPT-J trained on its source (the stand-in for a pretrained code
 *       model), every checkpoint kept, and the student base, a smaller GPT-Neo briefly trained on
 *       a sliver of the same source (the stand-in for a weak pretrained student).</li>
 * </ol>
 * Then {@link Experiment} runs EKT, KD, expert iteration and the prompted baselines from the
 * config it writes to {@code OUT/experiment.json} ({@code ekt run --config} reproduces it), with
 * the teacher taken at an early checkpoint: its sampled programs are mostly wrong, as the paper's
 * few-shot teachers' were. {@link #sweep} repeats EKT and KD with the teacher at several
 * checkpoints ({@link DemoSweep}).
 */
public final class Demo {
    private final DemoOptions options;
    private final Path out;

    private final Placement placement;

    /**
     * A demo on the CPU in float32.
     *
     * @param out the run's directory; a rerun with the same options resumes what it holds
     */
    public Demo(DemoOptions options, Path out) {
        this(options, out, Placement.CPU);
    }

    /** @param placement where every model of the demo is trained and sampled */
    public Demo(DemoOptions options, Path out, Placement placement) {
        this.options = options;
        this.out = out;
        this.placement = placement;
    }

    /** The demo's trained models: the teacher's training stage (all checkpoints) and the student base. */
    record Models(Path teacherTraining, Path student, Path tokenizer) {
    }

    /** Runs (or resumes) the demo and returns the report. */
    public String run() {
        return experiment(setup(), options.teacherStep(), out.resolve("experiment.json"), out.resolve("experiment"), MAIN_METHODS);
    }

    /** Runs (or resumes) the demo, then the teacher-strength sweep; returns the sweep's report. */
    public String sweep() {
        run();
        return new DemoSweep(this, options, out).run();
    }

    static final List<String> MAIN_METHODS = List.of("fewshot_teacher", "zeroshot_student", "ekt", "kd", "ei");

    /** Runs (or resumes) the experiment with the teacher at checkpoint {@code step}; returns the report. */
    String experiment(Models models, int step, Path configFile, Path runDir, List<String> methods) {
        Path teacher = models.teacherTraining().resolve("step-" + step);
        if (!Files.isRegularFile(teacher.resolve("model.safetensors")))
            throw new IllegalStateException("the teacher has no checkpoint at step " + step + " (" + teacher + ")");
        if (!Tokenizer.isPresent(teacher)) Tokenizer.load(models.tokenizer()).save(teacher);
        AtomicFiles.write(configFile, experimentConfig(teacher, models.student(), methods).toPrettyString());
        return new Experiment(RunConfig.load(configFile), out, runDir).run();
    }

    /** The problems, vocabulary, teacher and student base (resumable). */
    Models setup() {
        RunDirectory setup = RunDirectory.open(out.resolve("setup"), options.toJson(), Map.of("ekt", ekt.util.Version.get()));
        long seed = options.seed();
        List<WordProblems.Generated> source = WordProblems.generate(seed, options.sourceProblems(), Set.of());
        Set<String> used = source.stream().map(WordProblems.Generated::question).collect(Collectors.toCollection(HashSet::new));
        List<WordProblems.Generated> train = WordProblems.generate(seed + 1, options.trainProblems() + options.devProblems(), used);
        train.forEach(g -> used.add(g.question()));
        List<WordProblems.Generated> test = WordProblems.generate(seed + 2, options.testProblems(), used);

        Path data = out.resolve("data");
        writePairs(data.resolve("teacher-source.jsonl"), source);
        writePairs(data.resolve("student-pretrain.jsonl"), source.subList(0, options.pretrainProblems()));
        writeProblems(data.resolve("train.jsonl"), train);
        ArrayNode dev = Json.MAPPER.createArrayNode();
        for (int i = options.trainProblems(); i < train.size(); i++) dev.add(i);
        AtomicFiles.write(data.resolve("dev_idxs.json"), Json.line(dev));
        writeProblems(data.resolve("test.jsonl"), test);

        Path tokenizerDir = out.resolve("tokenizer");
        if (!Files.isRegularFile(tokenizerDir.resolve(Tokenizer.TOKENIZER_JSON))) {
            Path tmp = temporaryDirectory(tokenizerDir);
            BpeTrainer.train(source.stream().map(g -> Prompts.trainingText(g.question(), g.program())).toList(), options.merges()).save(tmp);
            AtomicFiles.moveDirectory(tmp, tokenizerDir);
        }
        Tokenizer tokenizer = Tokenizer.load(tokenizerDir);
        TextCodec codec = TextCodec.of(tokenizer);

        Path teacherInit = initModel("teacher-init", options.teacherConfig(tokenizer), tokenizerDir, seed);
        Path studentInit = initModel("student-init", options.studentConfig(tokenizer), tokenizerDir, seed + 1);
        Path teacher = TrainStage.run(setup, "teacher-train", teacherInit, null, data.resolve("teacher-source.jsonl"),
                options.setupTraining(options.teacherEpochs(), seed, 0), codec, placement).model();
        Path student = TrainStage.run(setup, "student-pretrain", studentInit, null, data.resolve("student-pretrain.jsonl"),
                options.setupTraining(options.pretrainEpochs(), seed + 1, 2), codec, placement).model();
        return new Models(teacher.getParent(), student, tokenizerDir);
    }

    private Path initModel(String name, ObjectNode config, Path tokenizerDir, long seed) {
        Path dir = out.resolve("models").resolve(name);
        if (Files.isRegularFile(dir.resolve("model.safetensors"))) return dir;
        Path tmp = temporaryDirectory(dir);
        try (Model m = Model.init(Json.line(config), seed, placement.device())) {
            m.save(tmp);
        }
        Tokenizer.load(tokenizerDir).save(tmp);
        AtomicFiles.moveDirectory(tmp, dir);
        return dir;
    }

    private static Path temporaryDirectory(Path target) {
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        AtomicFiles.deleteTree(tmp);
        try {
            return Files.createDirectories(tmp);
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException("cannot create " + tmp, e);
        }
    }

    /** The experiment, with paths relative to the demo directory (where the config file lives). */
    private ObjectNode experimentConfig(Path teacher, Path student, List<String> methodList) {
        ObjectNode c = Json.object().put("name", "ekt demo: generated word problems (seed " + options.seed() + ", teacher at "
                + teacher.getFileName() + ")");
        c.putObject("data").put("train", "data/train.jsonl").put("test", "data/test.jsonl").put("dev_indices", "data/dev_idxs.json");
        c.putObject("teacher").put("kind", "engine").put("model", out.relativize(teacher).toString())
                .put("n", options.teacherSamples()).put("temperature", options.temperature()).put("top_k", 50)
                .put("max_new_tokens", options.maxNewTokens()).put("seed", options.seed());
        c.putObject("execution").put("checker", "paper").put("timeout_ms", 1000);
        ObjectNode s = c.putObject("student").put("model", out.relativize(student).toString());
        TrainConfig t = options.studentTraining();
        s.put("epochs", t.epochs()).put("lr", t.lr()).put("weight_decay", t.weightDecay()).put("warmup_steps", t.warmupSteps())
                .put("schedule", "linear").put("batch", t.batchSize()).put("accum", t.accum()).put("max_length", t.maxLength())
                .put("mask", "no-padding").put("seed", options.seed()).put("checkpoint_every", options.checkpointEvery())
                .put("eval_every_epochs", options.evalEveryEpochs()).put("checkpoint", "final");
        c.putObject("kd").put("temperature", 1.0).put("kl_weight", 1.0);
        c.putObject("ei").put("rounds", options.eiRounds()).put("epochs", Math.max(1, t.epochs() / 2)).put("lr", t.lr()).put("n", options.teacherSamples())
                .put("max_new_tokens", options.maxNewTokens()).put("temperature", options.temperature()).put("max_length", t.maxLength())
                .put("batch", t.batchSize()).put("accum", t.accum());
        ArrayNode k = c.putObject("evaluation").put("n", options.evalSamples()).put("temperature", options.temperature()).put("top_k", 50)
                .put("max_new_tokens", options.maxNewTokens()).put("greedy", true).put("seed", options.seed()).putArray("k");
        for (int v : new int[]{1, 10, 100}) if (v <= options.evalSamples()) k.add(v);
        ArrayNode methods = c.putArray("methods");
        for (String m : methodList) methods.add(m);
        ObjectNode devices = c.putObject("devices");
        for (String role : List.of("teacher", "student", "evaluation"))
            devices.putObject(role).put("device", placement.device()).put("dtype", placement.dtype());
        return c;
    }

    /** The teacher's own (question, program) pairs, in the format of selected training pairs. */
    private static void writePairs(Path file, List<WordProblems.Generated> problems) {
        List<Selection.Pair> pairs = new ArrayList<>();
        for (int i = 0; i < problems.size(); i++)
            pairs.add(new Selection.Pair("source-" + i, 0, Prompts.question(problems.get(i).question()), "\n" + problems.get(i).program()));
        SelectStage.write(file, pairs);
    }

    private static void writeProblems(Path file, List<WordProblems.Generated> problems) {
        String prefix = file.getFileName().toString().replace(".jsonl", "");
        List<ObjectNode> records = new ArrayList<>();
        for (int i = 0; i < problems.size(); i++)
            records.add(Json.object().put("id", prefix + "-" + i).put("question", problems.get(i).question()).put("answer", problems.get(i).answer()));
        AtomicFiles.writeJsonl(file, records);
    }
}
