package ekt.pipeline;

import ekt.exec.AnswerChecker;
import ekt.train.TrainConfig;
import ekt.util.Choices;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Validation of a whole {@link RunConfig} before any stage runs: every problem is reported at
 * once, each as {@code field: why}. {@link #structure} needs nothing on disk (every enum, number
 * range and method requirement); {@link #paths} checks that every file and directory named exists.
 */
public final class ConfigCheck {
    /** The methods an experiment can compare (see {@link Experiment}). */
    public static final List<String> METHODS = List.of("ekt", "kd", "ei", "fewshot_teacher", "fewshot_student", "zeroshot_student");

    private ConfigCheck() {
    }

    /** Which checkpoint of a fine-tuned method is scored on the test set. */
    public enum Checkpoint {
        /** The last checkpoint of training ({@code final}). */
        FINAL,
        /** The weights with the best dev greedy pass@1 ({@code best_dev}; needs a dev split and dev evaluations). */
        BEST_DEV
    }

    /** The problems of a config that need no file to find; empty when it is valid. */
    public static List<String> structure(RunConfig c) {
        List<String> out = new ArrayList<>();
        if (c.student() == null) out.add("student: missing (needs 'model', the student checkpoint directory)");
        if (blank(c.data().train())) out.add("data.train: missing (the training problems file)");
        if (blank(c.data().test())) out.add("data.test: missing (the test problems file)");
        atLeast(out, "data.limit_train", c.data().limitTrain(), 0);
        atLeast(out, "data.limit_test", c.data().limitTest(), 0);
        try {
            Pattern.compile(c.prompt().truncation());
        } catch (PatternSyntaxException e) {
            out.add("prompt.truncation: not a regular expression: " + e.getDescription());
        }
        atLeast(out, "prompt.teacher_max_tokens", c.prompt().teacherMaxTokens(), 0);
        atLeast(out, "prompt.student_max_tokens", c.prompt().studentMaxTokens(), 0);
        teacher(out, c.teacher());
        RunConfig.Execution e = c.execution();
        choice(out, "execution.checker", e.checker(), AnswerChecker.class);
        atLeast(out, "execution.timeout_ms", e.timeoutMs(), 1);
        atLeast(out, "execution.memory_mb", e.memoryMb(), 1);
        atLeast(out, "execution.workers", e.workers(), 1);
        choice(out, "selection.policy", c.selection().policy(), Selection.Policy.class);
        atLeast(out, "selection.max_per_problem", c.selection().maxPerProblem(), 1);
        if (c.student() != null) student(out, c.student(), c.data());
        if (!(c.kd().temperature() > 0)) out.add("kd.temperature: must be > 0, got " + c.kd().temperature());
        if (!(c.kd().klWeight() >= 0)) out.add("kd.kl_weight: must be >= 0, got " + c.kd().klWeight());
        RunConfig.ExpertIteration ei = c.ei();
        atLeast(out, "ei.rounds", ei.rounds(), 1);
        atLeast(out, "ei.epochs", ei.epochs(), 1);
        positive(out, "ei.lr", ei.lr());
        atLeast(out, "ei.n", ei.n(), 1);
        atLeast(out, "ei.max_new_tokens", ei.maxNewTokens(), 1);
        if (!(ei.temperature() >= 0)) out.add("ei.temperature: must be >= 0, got " + ei.temperature());
        atLeast(out, "ei.max_length", ei.maxLength(), 0);
        atLeast(out, "ei.batch", ei.batch(), 1);
        atLeast(out, "ei.accum", ei.accum(), 1);
        RunConfig.Evaluation v = c.evaluation();
        atLeast(out, "evaluation.n", v.n(), 1);
        if (!(v.temperature() >= 0)) out.add("evaluation.temperature: must be >= 0, got " + v.temperature());
        atLeast(out, "evaluation.top_k", v.topK(), 0);
        atLeast(out, "evaluation.max_new_tokens", v.maxNewTokens(), 1);
        for (Integer k : v.k()) if (k == null || k < 1) out.add("evaluation.k: every k must be >= 1, got " + k);
        methods(out, c);
        return out;
    }

    /** The problems with files and directories the config names (relative to {@code configDir}). */
    public static List<String> paths(RunConfig c, Path configDir) {
        List<String> out = new ArrayList<>();
        file(out, "data.train", c.data().train(), configDir);
        file(out, "data.test", c.data().test(), configDir);
        file(out, "data.dev_indices", c.data().devIndices(), configDir);
        file(out, "prompt.few_shot_file", c.prompt().fewShotFile(), configDir);
        exists(out, "execution.python", c.execution().python(), configDir, p -> Files.isRegularFile(p) && Files.isExecutable(p), "no executable interpreter at");
        switch (c.teacher().kind()) {
            case "engine" -> model(out, "teacher.model", c.teacher().model(), configDir);
            case "replay" -> file(out, "teacher.replay_file", c.teacher().replayFile(), configDir);
            default -> { }
        }
        if (c.student() != null) model(out, "student.model", c.student().model(), configDir);
        if (c.methods().contains("kd")) model(out, "kd.teacher", c.kd().teacher(), configDir);
        return out;
    }

    /** Both checks; throws one error listing every problem, naming the file. */
    public static void require(RunConfig c, Path configDir, String source) {
        List<String> problems = new ArrayList<>(structure(c));
        problems.addAll(paths(c, configDir));
        if (!problems.isEmpty()) throw new IllegalArgumentException("invalid config " + source + ":\n  " + String.join("\n  ", problems));
    }

    private static void teacher(List<String> out, RunConfig.TeacherConfig t) {
        switch (t.kind()) {
            case "engine" -> required(out, "teacher.model", t.model(), "a checkpoint directory, for teacher.kind engine");
            case "http" -> {
                required(out, "teacher.api_model", t.apiModel(), "the served model's name, for teacher.kind http");
                if (required(out, "teacher.url", t.url(), "the server's base URL, for teacher.kind http")) url(out, t.url());
            }
            case "replay" -> required(out, "teacher.replay_file", t.replayFile(), "recorded samples (JSONL), for teacher.kind replay");
            default -> out.add("teacher.kind: unknown value '" + t.kind() + "' (one of engine, http, replay)");
        }
        atLeast(out, "teacher.n", t.n(), 1);
        if (!(t.temperature() >= 0)) out.add("teacher.temperature: must be >= 0, got " + t.temperature());
        atLeast(out, "teacher.top_k", t.topK(), 0);
        if (!(t.topP() > 0 && t.topP() <= 1)) out.add("teacher.top_p: must be in (0, 1], got " + t.topP());
        atLeast(out, "teacher.max_new_tokens", t.maxNewTokens(), 1);
        atLeast(out, "teacher.concurrency", t.concurrency(), 1);
        atLeast(out, "teacher.requests_per_minute", t.requestsPerMinute(), 0);
    }

    private static void student(List<String> out, RunConfig.Student s, RunConfig.Data data) {
        atLeast(out, "student.epochs", s.epochs(), 1);
        positive(out, "student.lr", s.lr());
        if (!(s.weightDecay() >= 0)) out.add("student.weight_decay: must be >= 0, got " + s.weightDecay());
        atLeast(out, "student.warmup_steps", s.warmupSteps(), 0);
        choice(out, "student.schedule", s.schedule(), TrainConfig.Schedule.class);
        atLeast(out, "student.batch", s.batch(), 1);
        atLeast(out, "student.accum", s.accum(), 1);
        atLeast(out, "student.max_length", s.maxLength(), 0);
        choice(out, "student.mask", s.mask(), TrainConfig.Mask.class);
        atLeast(out, "student.checkpoint_every", s.checkpointEvery(), 0);
        atLeast(out, "student.eval_every_epochs", s.evalEveryEpochs(), 0);
        if (choice(out, "student.checkpoint", s.checkpoint(), Checkpoint.class) && checkpoint(s) == Checkpoint.BEST_DEV) {
            if (blank(data.devIndices())) out.add("student.checkpoint: best_dev needs a dev split (data.dev_indices)");
            if (s.evalEveryEpochs() == 0 || s.evalEveryEpochs() > s.epochs())
                out.add("student.checkpoint: best_dev needs dev evaluations (0 < student.eval_every_epochs <= student.epochs)");
        }
    }

    /** The configured scoring checkpoint (the config is valid). */
    public static Checkpoint checkpoint(RunConfig.Student s) {
        return Choices.parse("student.checkpoint", s.checkpoint(), Checkpoint.class);
    }

    private static void methods(List<String> out, RunConfig c) {
        if (c.methods().isEmpty()) out.add("methods: empty (choose from " + String.join(", ", METHODS) + ")");
        Set<String> seen = new HashSet<>();
        for (String m : c.methods()) {
            if (!METHODS.contains(m)) out.add("methods: unknown method '" + m + "' (one of " + String.join(", ", METHODS) + ")");
            else if (!seen.add(m)) out.add("methods: '" + m + "' listed twice");
        }
        if (c.methods().contains("kd") && blank(c.kd().teacher()) && !"engine".equals(c.teacher().kind()))
            out.add("kd.teacher: method kd needs the teacher's token distributions, i.e. a checkpoint directory; teacher.kind "
                    + c.teacher().kind() + " gives sampled text only (set kd.teacher or remove kd from methods)");
    }

    private static void url(List<String> out, String url) {
        try {
            URI u = URI.create(url);
            if (!"http".equals(u.getScheme()) && !"https".equals(u.getScheme()) || u.getHost() == null)
                out.add("teacher.url: needs an http(s) URL with a host, got '" + url + "'");
        } catch (IllegalArgumentException e) {
            out.add("teacher.url: not a URL: " + e.getMessage());
        }
    }

    private static <E extends Enum<E>> boolean choice(List<String> out, String field, String value, Class<E> type) {
        return collect(out, () -> Choices.parse(field, value, type));
    }

    private static boolean collect(List<String> out, Runnable check) {
        try {
            check.run();
            return true;
        } catch (IllegalArgumentException e) {
            out.add(e.getMessage());
            return false;
        }
    }

    private static boolean required(List<String> out, String field, String value, String what) {
        if (!blank(value)) return true;
        out.add(field + ": missing (" + what + ")");
        return false;
    }

    private static void atLeast(List<String> out, String field, Integer value, int min) {
        if (value < min) out.add(field + ": must be >= " + min + ", got " + value);
    }

    private static void positive(List<String> out, String field, Double value) {
        if (!(value > 0)) out.add(field + ": must be > 0, got " + value);
    }

    private static void file(List<String> out, String field, String path, Path dir) {
        exists(out, field, path, dir, Files::isRegularFile, "no such file");
    }

    private static void model(List<String> out, String field, String path, Path dir) {
        exists(out, field, path, dir, p -> Files.isRegularFile(p.resolve("config.json")), "no model directory (config.json) at");
    }

    private static void exists(List<String> out, String field, String path, Path dir, java.util.function.Predicate<Path> ok, String why) {
        if (blank(path)) return;
        Path p = dir.resolve(path).normalize();
        if (!ok.test(p)) out.add(field + ": " + why + " " + p);
    }

    private static boolean blank(String s) {
        return s == null || s.isBlank();
    }
}
