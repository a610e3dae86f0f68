package ekt.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ekt.core.Model;
import ekt.core.ProcessGroup;
import ekt.records.DataException;
import ekt.data.Gsm8k;
import ekt.data.Problem;
import ekt.eval.MethodResult;
import ekt.eval.Report;
import ekt.exec.AnswerChecker;
import ekt.exec.ExecConfig;
import ekt.exec.ExecutorPool;
import ekt.pipeline.teacher.Teachers;
import ekt.sample.Completer;
import ekt.sample.EngineCompleter;
import ekt.sample.TextCodec;
import ekt.tokenizer.Tokenizer;
import ekt.train.TrainConfig;
import ekt.util.Choices;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * One EKT experiment in one run directory (paper.md §2-§6): the teacher samples programs for the
 * training problems, they are executed and the correct ones selected; then each configured
 * method produces a model that is scored on the test problems, and the report compares them.
 * Every step is a resumable stage, so re-running the same command after a kill continues.
 *
 * <p>Methods: {@code ekt} (fine-tune on the selected programs), {@code kd} (the same data plus
 * KL to a live teacher), {@code ei} (expert iteration), {@code fewshot_teacher},
 * {@code fewshot_student} and {@code zeroshot_student} (the untrained models prompted).
 */
public final class Experiment {
    static final int CHUNK = 16;
    static final String PROMPT_CAPS = "prompt-caps";

    private final RunConfig config;
    private final Path configDir;
    private final RunDirectory run;
    private final Prompts prompts;
    private final List<Problem> train, dev, test;
    private final Path student;
    private final TextCodec studentCodec;
    private List<MethodResult> results = List.of();
    private final PromptCap teacherCap, studentCap, fewShotStudentCap;

    /**
     * Validates the config, loads the problems and opens the run directory (creating it, or
     * resuming the run already there); no stage runs yet.
     *
     * @param configDir the directory relative paths in the config are resolved against
     * @param out       the run directory
     * @throws IllegalArgumentException if the config is invalid (every problem listed), a configured device is
     *                                  missing, or a problems file has no usable problem
     * @throws IllegalStateException    if {@code out} holds a run created with a different config
     */
    public Experiment(RunConfig config, Path configDir, Path out) {
        ConfigCheck.require(config, configDir, "in " + configDir);  // before any stage runs or the run directory is made
        this.config = config;
        this.configDir = configDir;
        config.devices().check();  // before any work: a missing GPU fails here, not after hours of sampling
        // Problems first: a run without any usable problem fails before it writes anything.
        List<Problem> all = Gsm8k.load(resolve(config.data().train()), "train-", this::warn);
        Gsm8k.Splits splits = config.data().devIndices() == null ? new Gsm8k.Splits(all, List.of())
                : Gsm8k.split(all, Gsm8k.readIndices(resolve(config.data().devIndices())));
        this.train = usable(limit(splits.train(), config.data().limitTrain()), config.data().train());
        this.dev = splits.dev();
        this.test = usable(limit(Gsm8k.load(resolve(config.data().test()), "test-", this::warn), config.data().limitTest()),
                config.data().test());
        ProcessGroup.current().checkSame("run config", config.toJson().toString());  // every rank runs the same experiment
        ObjectNode identity = (ObjectNode) config.toJson();
        identity.remove("devices");  // the same run may be resumed on other hardware
        ((ObjectNode) identity.get("execution")).remove("python");
        this.run = RunDirectory.open(out, identity, Map.of("ekt", ekt.util.Version.get(), "java", System.getProperty("java.version")));
        Pattern truncation = Pattern.compile(config.prompt().truncation(), Pattern.UNIX_LINES);
        Prompts base = config.prompt().fewShotFile() == null ? Prompts.zeroShot() : Prompts.paper(resolve(config.prompt().fewShotFile()));
        this.prompts = new Prompts(base.fewShotPrefix(), truncation, base.eosText());
        this.student = resolve(config.student().model());
        this.studentCodec = TextCodec.of(Tokenizer.load(student));
        // the teacher's tokenizer where it is a local checkpoint; an API teacher's prompts are measured in the student's tokens
        TextCodec teacherCodec = "engine".equals(config.teacher().kind())
                ? TextCodec.forModel(resolve(config.teacher().model())).orElse(studentCodec) : studentCodec;
        this.teacherCap = new PromptCap(teacherCodec, config.prompt().teacherMaxTokens());
        this.studentCap = new PromptCap(studentCodec, config.prompt().studentMaxTokens());
        this.fewShotStudentCap = new PromptCap(studentCodec, config.prompt().teacherMaxTokens());  // the few-shot prompt, as the teacher gets it
    }

    /** The run directory: manifest, stage folders, report. */
    public RunDirectory directory() {
        return run;
    }

    /** The teacher's stages, in order; {@link #run(TeacherStage)} can stop after any of them. */
    public enum TeacherStage {
        /** The teacher's samples of the training problems. */
        SAMPLE,
        /** Their execution. */
        EXECUTE,
        /** The selection of training pairs. */
        SELECT
    }

    /** Runs (or resumes) every stage and writes {@code report.md}; returns the report text. */
    public String run() {
        return run(null);
    }

    /**
     * Runs (or resumes) the stages up to and including {@code until}, or everything and the report
     * when {@code until} is null; returns the report text, or a one-line status when stopped early.
     */
    public String run(TeacherStage until) {
        ExecConfig exec = ExecConfig.defaults().withWorkers(config.execution().workers()).withTimeoutMs(config.execution().timeoutMs())
                .withMemoryMb(config.execution().memoryMb()).withPython(configDir.resolve(config.execution().python())).withChecker(Choices.parse("execution.checker", config.execution().checker(), AnswerChecker.class));
        List<MethodResult> results = new ArrayList<>();
        // Only EKT and KD learn from the teacher's selected samples; the teacher itself is also
        // needed by its own few-shot row. Other methods run without either.
        boolean teacherStages = until != null || config.methods().contains("ekt") || config.methods().contains("kd");
        boolean teacherNeeded = teacherStages || config.methods().contains("fewshot_teacher");
        Set<String> teacherSolved = null;
        List<String> notes;
        try (ExecutorPool pool = ExecutorPool.start(exec);
             Completer teacher = teacherNeeded ? Teachers.open(config.teacher(), configDir, config.devices().teacher()) : null) {
            countPromptTruncations();
            Path pairs = null;
            double coverage = 0;
            int pairCount = 0;
            if (teacherStages) {
                SampleStage.run(run, "teacher-samples", teacher, train, this::teacherPrompt, config.teacher().samplingOptions(), CHUNK);
                if (until == TeacherStage.SAMPLE) return "sampled: " + run.counts("teacher-samples");
                ExecuteStage.run(run, "teacher-samples", "teacher-exec", EvaluateStage.byId(train), prompts, pool);
                if (until == TeacherStage.EXECUTE) return "executed: " + run.counts("teacher-exec");
                pairs = SelectStage.run(run, "teacher-exec", "select", train,
                        Choices.parse("selection.policy", config.selection().policy(), Selection.Policy.class), config.selection().maxPerProblem());
                if (until == TeacherStage.SELECT) return "selected: " + run.counts("select");
                List<Selection.Pair> selected = SelectStage.read(pairs);  // every policy selects from each solved problem
                teacherSolved = selected.stream().map(Selection.Pair::id).collect(Collectors.toCollection(LinkedHashSet::new));
                coverage = teacherSolved.size() / (double) Math.max(1, train.size());
                pairCount = selected.size();
            }
            Methods methods = new Methods(this, pool);
            String shots = prompts.fewShotPrefix().isEmpty() ? "zero-shot prompt" : "few-shot";  // a config may leave the prefix empty
            for (String m : config.methods()) {
                results.add(switch (m) {
                    case "ekt" -> methods.fineTuned("ekt", "EKT", pairs, null, coverage, pairCount);
                    case "kd" -> methods.fineTuned("kd", "KD", pairs, kdTeacher(), coverage, pairCount);
                    case "ei" -> methods.expertIteration();
                    case "fewshot_teacher" -> methods.prompted("fewshot_teacher", teacherLabel(), teacher, this::teacherPrompt);
                    case "fewshot_student" -> methods.promptedStudent("fewshot_student", "student (" + shots + ")", true);
                    case "zeroshot_student" -> methods.promptedStudent("zeroshot_student", "student (zero-shot)", false);
                    default -> throw new IllegalArgumentException("unknown method '" + m + "' (ekt, kd, ei, fewshot_teacher, fewshot_student, zeroshot_student)");
                });
            }
            notes = notes(methods);
        }
        this.results = List.copyOf(results);
        ProcessGroup group = ProcessGroup.current();
        if (!group.isLeader()) return "rank " + group.rank() + " of " + group.worldSize() + ": done; rank 0 writes the report";
        return new Report(config.name(), "the test problems", results, config.evaluation().ks()).teacher("fewshot_teacher", teacherSolved)
                .timing(run.stages()).notes(notes).config(config.toJson().toPrettyString()).write(run.root());
    }

    /** The evaluated methods of the last complete {@link #run}; empty before. */
    public List<MethodResult> results() {
        return results;
    }

    /** The few-shot prompt of a problem, within the teacher's prompt cap. */
    String teacherPrompt(Problem p) {
        return teacherCap.apply(prompts.teacherPrompt(p.question()));
    }

    /** The student's prompt: the bare {@code "# question"} within the student's cap, or the few-shot one within the teacher's. */
    String studentPrompt(Problem p, boolean fewShot) {
        return fewShot ? fewShotStudentCap.apply(prompts.teacherPrompt(p.question())) : studentCap.apply(Prompts.question(p.question()));
    }

    /** Counts (once per run) how many prompts the caps shorten: the teacher's on the training set, the student's on the test set. */
    private void countPromptTruncations() {
        if (run.status(PROMPT_CAPS) == RunDirectory.Status.DONE) return;
        run.done(PROMPT_CAPS, Map.of("teacher_max_tokens", teacherCap.maxTokens(), "teacher_prompts", train.size(),
                "teacher_truncated", teacherCap.countTruncated(train, p -> prompts.teacherPrompt(p.question())),
                "student_max_tokens", studentCap.maxTokens(), "student_prompts", test.size(),
                "student_truncated", studentCap.countTruncated(test, p -> Prompts.question(p.question()))));
    }

    private List<String> notes(Methods methods) {
        List<String> notes = new ArrayList<>(methods.scoredCheckpoints());
        notes.add(promptCapLine());
        return notes;
    }

    private String promptCapLine() {
        JsonNode c = run.counts(PROMPT_CAPS);
        return "Prompt caps (left-truncated): teacher " + cap(c.path("teacher_max_tokens").asInt()) + ", " + c.path("teacher_truncated").asInt()
                + " of " + c.path("teacher_prompts").asInt() + " training prompts cut; student " + cap(c.path("student_max_tokens").asInt())
                + ", " + c.path("student_truncated").asInt() + " of " + c.path("student_prompts").asInt() + " test prompts cut.";
    }

    private static String cap(int tokens) {
        return tokens == 0 ? "uncapped" : "<= " + tokens + " tokens";
    }

    /** The prompted teacher's row; "few-shot" only when there is a few-shot prefix. */
    private String teacherLabel() {
        return "teacher (" + (prompts.fewShotPrefix().isEmpty() ? "zero-shot prompt" : "few-shot") + ")";
    }

    RunConfig config() {
        return config;
    }

    Prompts prompts() {
        return prompts;
    }

    List<Problem> train() {
        return train;
    }

    List<Problem> test() {
        return test;
    }

    /**
     * The dev-set monitor of a method's fine-tuning (paper.md §4: greedy pass@1 of the zero-shot
     * prompt every {@code student.eval_every_epochs} epochs), or null without a dev split.
     */
    DevMonitor devMonitor(ExecutorPool pool) {
        int every = config.student().evalEveryEpochs();
        if (dev.isEmpty() || every == 0) return null;
        return new DevMonitor(dev, p -> studentPrompt(p, false), prompts, pool, studentCodec, config.evaluation().maxNewTokens(), every, CHUNK);
    }

    Path student() {
        return student;
    }

    TextCodec trainCodec() {
        return studentCodec;
    }

    /** A model directory run by the engine as a prompt completer, with its own tokenizer. */
    EngineCompleter engine(Model model, Path dir) {
        TextCodec codec = TextCodec.forModel(dir).orElse(studentCodec);
        return new EngineCompleter(model, codec, dir.toString());
    }

    /** The student's fine-tuning settings (paper.md §4) from the config. */
    TrainConfig studentTraining() {
        RunConfig.Student s = config.student();
        return TrainConfig.builder().epochs(s.epochs()).lr(s.lr()).weightDecay(s.weightDecay()).warmupSteps(s.warmupSteps())
                .schedule(Choices.parse("student.schedule", s.schedule(), TrainConfig.Schedule.class)).batchSize(s.batch()).accum(s.accum())
                .maxLength(s.maxLength()).mask(Choices.parse("student.mask", s.mask(), TrainConfig.Mask.class)).seed(s.seed()).saveEvery(s.checkpointEvery())
                .keepCheckpoints(2).logEvery(0).kdWeight(config.kd().klWeight()).kdTemperature(config.kd().temperature())
                .checkpointActivations(s.checkpointActivations()).build();
    }

    private Path kdTeacher() {
        String dir = config.kd().teacher() != null ? config.kd().teacher() : "engine".equals(config.teacher().kind()) ? config.teacher().model() : null;
        if (dir == null) throw new IllegalArgumentException("method kd needs a teacher checkpoint: set kd.teacher (the teacher here is " + config.teacher().kind() + ")");
        return resolve(dir);
    }

    private List<Problem> usable(List<Problem> problems, String file) {
        if (problems.isEmpty())
            throw new IllegalArgumentException(resolve(file) + ": no usable problems (every line was malformed, or the dev split took all)");
        return problems;
    }

    private static List<Problem> limit(List<Problem> problems, int n) {
        return n > 0 && n < problems.size() ? List.copyOf(problems.subList(0, n)) : problems;
    }

    Path resolve(String path) {
        return configDir.resolve(path).normalize();
    }

    private void warn(DataException e) {
        System.err.println("[ekt] skipped: " + e.getMessage());
    }
}
