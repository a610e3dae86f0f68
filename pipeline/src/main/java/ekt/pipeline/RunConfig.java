package ekt.pipeline;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.annotation.JsonIgnore;
import ekt.core.Placement;
import ekt.core.SamplingOptions;
import ekt.train.TrainConfig;
import ekt.util.Choices;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * One EKT experiment, read from YAML or JSON ({@code ./ekt run --config FILE}). Missing fields
 * take the paper's values (paper.md); {@code examples/} has the paper's six teacher/student pairs.
 * Paths are resolved against the config file's directory.
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record RunConfig(String name, Data data, Prompt prompt, TeacherConfig teacher, Execution execution, SelectionConfig selection,
                        Student student, Kd kd, ExpertIteration ei, Evaluation evaluation, List<String> methods, Devices devices) {

    public RunConfig {
        name = name == null ? "ekt" : name;
        prompt = prompt == null ? new Prompt(null, null, null, null) : prompt;
        execution = execution == null ? new Execution(null, null, null, null) : execution;
        selection = selection == null ? new SelectionConfig(null, null) : selection;
        kd = kd == null ? new Kd(null, null, null) : kd;
        ei = ei == null ? new ExpertIteration(null, null, null, null, null, null, null, null, null) : ei;
        evaluation = evaluation == null ? new Evaluation(null, null, null, null, null, null, null) : evaluation;
        methods = methods == null ? List.of("ekt", "kd", "fewshot_teacher", "fewshot_student") : List.copyOf(methods);
        devices = devices == null ? new Devices(null, null, null) : devices;
        if (data == null) throw new IllegalArgumentException("config needs 'data' (train and test problem files)");
        if (teacher == null) throw new IllegalArgumentException("config needs 'teacher'");
    }

    /** Problem files; {@code format} gsm8k or generic. Limits keep small runs small (0 = all). */
    public record Data(String train, String test, @JsonProperty("dev_indices") String devIndices, Integer limitTrain, Integer limitTest) {
        public Data {
            limitTrain = limitTrain == null ? 0 : limitTrain;
            limitTest = limitTest == null ? 0 : limitTest;
        }
    }

    /**
     * Few-shot prefix file for teachers (and few-shot students); truncation regex (paper's by default);
     * prompt length caps in tokens, left-truncated (paper.md §2, §5: teacher 756, student 400; 0 = none).
     */
    public record Prompt(@JsonProperty("few_shot_file") String fewShotFile, String truncation,
                         @JsonProperty("teacher_max_tokens") Integer teacherMaxTokens, @JsonProperty("student_max_tokens") Integer studentMaxTokens) {
        public Prompt {
            truncation = truncation == null ? "\nanswer.*?\n" : truncation;
            teacherMaxTokens = teacherMaxTokens == null ? 756 : teacherMaxTokens;
            studentMaxTokens = studentMaxTokens == null ? 400 : studentMaxTokens;
        }
    }

    /** kind: engine (a local checkpoint), http (OpenAI-compatible URL) or replay (recorded JSONL). */
    public record TeacherConfig(String kind, String model, String url, @JsonProperty("api_model") String apiModel,
                                @JsonProperty("replay_file") String replayFile, Integer n, Double temperature,
                                @JsonProperty("top_k") Integer topK, @JsonProperty("top_p") Double topP,
                                @JsonProperty("max_new_tokens") Integer maxNewTokens, Long seed, Integer concurrency,
                                @JsonProperty("requests_per_minute") Integer requestsPerMinute) {
        public TeacherConfig {
            kind = kind == null ? "engine" : kind;
            n = n == null ? 100 : n;
            temperature = temperature == null ? 0.6 : temperature;
            topK = topK == null ? 50 : topK;
            topP = topP == null ? 1.0 : topP;
            maxNewTokens = maxNewTokens == null ? 150 : maxNewTokens;
            seed = seed == null ? 20 : seed;
            concurrency = concurrency == null ? 8 : concurrency;
            requestsPerMinute = requestsPerMinute == null ? 0 : requestsPerMinute;
        }

        /** How the teacher samples each training problem. */
        @JsonIgnore
        public SamplingOptions samplingOptions() {
            return SamplingOptions.builder().n(n).temperature(temperature).topK(topK).topP(topP).maxNewTokens(maxNewTokens)
                    .seed(seed).build();
        }
    }

    /** checker: paper (float within 1%) or strict (equal after rounding to 1e-6). */
    public record Execution(String checker, @JsonProperty("timeout_ms") Integer timeoutMs, @JsonProperty("memory_mb") Integer memoryMb,
                            Integer workers) {
        public Execution {
            checker = checker == null ? "paper" : checker;
            timeoutMs = timeoutMs == null ? 1000 : timeoutMs;
            memoryMb = memoryMb == null ? 1024 : memoryMb;
            workers = workers == null ? Runtime.getRuntime().availableProcessors() : workers;
        }
    }

    /** policy: first (the paper) or distinct (up to max_per_problem programs differing after normalisation). */
    public record SelectionConfig(String policy, @JsonProperty("max_per_problem") Integer maxPerProblem) {
        public SelectionConfig {
            policy = policy == null ? "first" : policy;
            maxPerProblem = maxPerProblem == null ? 1 : maxPerProblem;
        }
    }

    /**
     * The student and its fine-tuning (paper.md §4). mask: all (paper), no-padding, completion-only.
     * Every {@code eval_every_epochs} epochs (paper: 10; 0 = never) the student's greedy pass@1 on the
     * dev split is recorded; {@code checkpoint} picks the model a method is scored with: final (the
     * paper) or best_dev (the highest dev pass@1, earliest on ties).
     */
    public record Student(String model, Integer epochs, Double lr, @JsonProperty("weight_decay") Double weightDecay,
                          @JsonProperty("warmup_steps") Integer warmupSteps, String schedule, Integer batch, Integer accum,
                          @JsonProperty("max_length") Integer maxLength, String mask, Long seed,
                          @JsonProperty("checkpoint_every") Integer checkpointEvery,
                          @JsonProperty("eval_every_epochs") Integer evalEveryEpochs, String checkpoint,
                          @JsonProperty("checkpoint_activations") Boolean checkpointActivations) {
        public Student {
            if (model == null) throw new IllegalArgumentException("student needs 'model' (a checkpoint directory)");
            TrainConfig d = TrainConfig.DEFAULTS;
            epochs = epochs == null ? d.epochs() : epochs;
            lr = lr == null ? d.lr() : lr;
            weightDecay = weightDecay == null ? d.weightDecay() : weightDecay;
            warmupSteps = warmupSteps == null ? d.warmupSteps() : warmupSteps;
            schedule = schedule == null ? Choices.name(d.schedule()) : schedule;
            batch = batch == null ? d.batchSize() : batch;
            accum = accum == null ? d.accum() : accum;
            maxLength = maxLength == null ? d.maxLength() : maxLength;
            mask = mask == null ? Choices.name(d.mask()) : mask;
            seed = seed == null ? d.seed() : seed;
            checkpointEvery = checkpointEvery == null ? 200 : checkpointEvery;
            evalEveryEpochs = evalEveryEpochs == null ? 10 : evalEveryEpochs;
            checkpoint = checkpoint == null ? "final" : checkpoint;
            checkpointActivations = checkpointActivations == null ? d.checkpointActivations() : checkpointActivations;
        }
    }

    /** Knowledge distillation: loss = lm_weight * CE + kl_weight * KL(teacher || student) at temperature T. */
    public record Kd(Double temperature, @JsonProperty("kl_weight") Double klWeight, String teacher) {
        public Kd {
            temperature = temperature == null ? 1.0 : temperature;
            klWeight = klWeight == null ? 1.0 : klWeight;
        }
    }

    /**
     * Expert iteration (paper.md §6): rounds of fresh fine-tuning on solved problems (its own settings:
     * max length 275, 4 epochs, batch 1, constant lr 5e-5), then sampling the unsolved. Round 0 is
     * the few-shot student sampled with the teacher's settings.
     */
    public record ExpertIteration(Integer rounds, Integer epochs, Double lr, Integer n, @JsonProperty("max_new_tokens") Integer maxNewTokens,
                                  Double temperature, @JsonProperty("max_length") Integer maxLength, Integer batch, Integer accum) {
        public ExpertIteration {
            rounds = rounds == null ? 10 : rounds;
            epochs = epochs == null ? 4 : epochs;
            lr = lr == null ? 5e-5 : lr;
            n = n == null ? 100 : n;
            maxNewTokens = maxNewTokens == null ? 100 : maxNewTokens;
            temperature = temperature == null ? 0.6 : temperature;
            maxLength = maxLength == null ? 275 : maxLength;
            batch = batch == null ? 1 : batch;
            accum = accum == null ? 1 : accum;
        }
    }

    /** Test-set scoring (paper.md §5): greedy pass@1 and n samples at T for pass@k. */
    public record Evaluation(Integer n, Double temperature, @JsonProperty("top_k") Integer topK,
                             @JsonProperty("max_new_tokens") Integer maxNewTokens, Boolean greedy, List<Integer> k, Long seed) {
        public Evaluation {
            n = n == null ? 100 : n;
            temperature = temperature == null ? 0.6 : temperature;
            topK = topK == null ? 50 : topK;
            maxNewTokens = maxNewTokens == null ? 150 : maxNewTokens;
            greedy = greedy == null || greedy;
            k = k == null ? List.of(1, 10, 100) : List.copyOf(k);
            for (int v : k) if (v <= 0) throw new IllegalArgumentException("evaluation.k: every k must be positive, got " + k);
            seed = seed == null ? 1 : seed;
        }

        /** The greedy decode of each test problem (pass@1 greedy). */
        @JsonIgnore
        public SamplingOptions greedyOptions() {
            return SamplingOptions.greedy(maxNewTokens);
        }

        /** The n samples of each test problem that pass@k is estimated from. */
        @JsonIgnore
        public SamplingOptions sampledOptions() {
            return SamplingOptions.builder().n(n).temperature(temperature).topK(topK).maxNewTokens(maxNewTokens).seed(seed).build();
        }

        /** The k of pass@k that the CSV, the report's table and its plots show. */
        @JsonIgnore
        public int[] ks() {
            return k.stream().mapToInt(Integer::intValue).sorted().distinct().toArray();
        }
    }

    /**
     * Where each role's models run (device cpu, cuda or cuda:N; dtype float32, bfloat16 or
     * float16), each defaulting to the CPU in float32. {@code teacher}: the engine teacher's
     * sampling. {@code student}: training (dtype bfloat16 = mixed precision with float32 master
     * weights) and the live teacher of KD. {@code evaluation}: sampling the test problems and
     * expert iteration's rounds. Not part of a run's identity: a run directory may be resumed on
     * other hardware.
     */
    public record Devices(Placement teacher, Placement student, Placement evaluation) {
        public Devices {
            teacher = teacher == null ? Placement.CPU : teacher;
            student = student == null ? Placement.CPU : student;
            evaluation = evaluation == null ? Placement.CPU : evaluation;
            if (student.dtype().equals("float16"))
                throw new IllegalArgumentException("devices.student.dtype float16: training runs in float32 or bfloat16 (mixed precision)");
        }

        /** Every role moved to the given device and/or dtype (null keeps a role's own). */
        public Devices override(String device, String dtype) {
            return new Devices(teacher.with(device, dtype), student.with(device, dtype), evaluation.with(device, dtype));
        }

        /** Fails at once, naming the role, if a role's device cannot be used by this process. */
        public void check() {
            for (var role : java.util.Map.of("teacher", teacher, "student", student, "evaluation", evaluation).entrySet()) {
                try {
                    role.getValue().check();
                } catch (RuntimeException e) {
                    throw new IllegalArgumentException("devices." + role.getKey() + ": " + e.getMessage(), e);
                }
            }
        }
    }

    /** This config with every role's device and/or dtype replaced (the commands' --device/--dtype). */
    public RunConfig withDevices(Devices d) {
        return new RunConfig(name, data, prompt, teacher, execution, selection, student, kd, ei, evaluation, methods, d);
    }

    /** A config in code: paper defaults for everything not set. */
    public static Builder builder(String trainFile, String testFile) {
        return new Builder(trainFile, testFile);
    }

    /** Fluent construction of a {@link RunConfig} for library users (the YAML fields, by name). */
    public static final class Builder {
        private String name;
        private Data data;
        private Prompt prompt;
        private TeacherConfig teacher;
        private Execution execution;
        private SelectionConfig selection;
        private Student student;
        private Kd kd;
        private ExpertIteration ei;
        private Evaluation evaluation;
        private List<String> methods;
        private Devices devices;

        private Builder(String trainFile, String testFile) {
            data = new Data(trainFile, testFile, null, null, null);
        }

        public Builder name(String v) { name = v; return this; }
        public Builder data(Data v) { data = v; return this; }
        public Builder prompt(Prompt v) { prompt = v; return this; }
        public Builder teacher(TeacherConfig v) { teacher = v; return this; }
        public Builder execution(Execution v) { execution = v; return this; }
        public Builder selection(SelectionConfig v) { selection = v; return this; }
        public Builder student(Student v) { student = v; return this; }
        public Builder kd(Kd v) { kd = v; return this; }
        public Builder ei(ExpertIteration v) { ei = v; return this; }
        public Builder evaluation(Evaluation v) { evaluation = v; return this; }
        public Builder methods(String... v) { methods = List.of(v); return this; }
        public Builder devices(Devices v) { devices = v; return this; }

        /** A local checkpoint run by the native engine, with the paper's sampling settings. */
        public Builder engineTeacher(String modelDir) {
            return teacher(new TeacherConfig("engine", modelDir, null, null, null, null, null, null, null, null, null, null, null));
        }

        /** The student checkpoint, fine-tuned with the paper's settings. */
        public Builder student(String modelDir) {
            return student(new Student(modelDir, null, null, null, null, null, null, null, null, null, null, null, null, null, null));
        }

        public RunConfig build() {
            return new RunConfig(name, data, prompt, teacher, execution, selection, student, kd, ei, evaluation, methods, devices);
        }
    }

    private static ObjectMapper mapper(Path file) {
        String name = file.getFileName().toString();
        ObjectMapper m = name.endsWith(".yaml") || name.endsWith(".yml") ? YamlConfigs.mapper(file) : new ObjectMapper();
        return m.setPropertyNamingStrategy(com.fasterxml.jackson.databind.PropertyNamingStrategies.SNAKE_CASE)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    }

    /**
     * Reads and validates a config (every field, enum and method requirement; see
     * {@link ConfigCheck#structure}); a problem fails here, naming the file, the field and why.
     */
    public static RunConfig load(Path file) {
        RunConfig config;
        try {
            String text = java.nio.file.Files.readString(file);
            config = text.isBlank() ? null : mapper(file).readValue(text, RunConfig.class);
        } catch (IOException e) {
            throw new IllegalArgumentException("invalid config " + file + ": " + e.getMessage(), e);
        }
        if (config == null) throw new IllegalArgumentException("invalid config " + file + ": the file is empty (or null); it needs at least 'data' and 'teacher'");
        List<String> problems = ConfigCheck.structure(config);
        if (!problems.isEmpty()) throw new IllegalArgumentException("invalid config " + file + ":\n  " + String.join("\n  ", problems));
        return config;
    }

    /** The same experiment under another seed: the teacher's and the evaluation's sampling and the student's training. */
    public RunConfig withSeed(long seed) {
        com.fasterxml.jackson.databind.node.ObjectNode j = (com.fasterxml.jackson.databind.node.ObjectNode) toJson();
        for (String part : List.of("teacher", "student", "evaluation"))
            if (j.get(part) instanceof com.fasterxml.jackson.databind.node.ObjectNode o) o.put("seed", seed);
        try {
            return mapper(Path.of("config.json")).treeToValue(j, RunConfig.class);
        } catch (IOException e) {
            throw new IllegalStateException("config with seed " + seed + ": " + e.getMessage(), e);
        }
    }

    public JsonNode toJson() {
        return new ObjectMapper().setPropertyNamingStrategy(com.fasterxml.jackson.databind.PropertyNamingStrategies.SNAKE_CASE).valueToTree(this);
    }
}
