package ekt.pipeline;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.annotation.JsonIgnore;
import ekt.core.Placement;
import ekt.core.SamplingOptions;
import ekt.exec.ExecConfig;
import ekt.train.TrainConfig;
import ekt.util.Choices;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/**
 * One EKT experiment, read from YAML or JSON ({@code ./ekt run --config FILE}) or built in code
 * ({@link #builder}). Missing fields take the paper's values (paper.md), written once, in each
 * section's compact constructor; {@code examples/} has the paper's six teacher/student pairs.
 * Paths are resolved against the config file's directory.
 *
 * @param name       the experiment's name, shown in the report (default "ekt")
 * @param data       the problem files (required)
 * @param prompt     prompts, truncation and prompt caps
 * @param teacher    the teacher and how it samples (required)
 * @param execution  the sandbox's answer check and limits
 * @param selection  which correct programs become training pairs
 * @param student    the student and its fine-tuning (required by every method that uses a student)
 * @param kd         knowledge distillation's loss
 * @param ei         expert iteration
 * @param evaluation how the methods are scored on the test problems
 * @param methods    the methods to compare, in report order (default ekt, kd, fewshot_teacher, fewshot_student)
 * @param devices    where each role's models run (not part of the run's identity)
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record RunConfig(String name, Data data, Prompt prompt, TeacherConfig teacher, Execution execution, SelectionConfig selection,
                        Student student, Kd kd, ExpertIteration ei, Evaluation evaluation, List<String> methods, Devices devices) {

    /** Applies the defaults; fails without {@code data} or {@code teacher}. */
    public RunConfig {
        name = name == null ? "ekt" : name;
        prompt = prompt == null ? new Prompt(null, null, null, null) : prompt;
        execution = execution == null ? new Execution(null, null, null, null, null) : execution;
        selection = selection == null ? new SelectionConfig(null, null) : selection;
        kd = kd == null ? new Kd(null, null, null) : kd;
        ei = ei == null ? ExpertIteration.builder().build() : ei;
        evaluation = evaluation == null ? Evaluation.builder().build() : evaluation;
        methods = methods == null ? List.of("ekt", "kd", "fewshot_teacher", "fewshot_student") : List.copyOf(methods);
        devices = devices == null ? new Devices(null, null, null) : devices;
        if (data == null) throw new IllegalArgumentException("config needs 'data' (train and test problem files)");
        if (teacher == null) throw new IllegalArgumentException("config needs 'teacher'");
    }

    /**
     * Problem files in GSM8k's JSONL layout.
     *
     * @param train      the training problems the teacher samples for
     * @param test       the test problems every method is scored on
     * @param devIndices a JSON list of training-problem indices held out as the dev split (null: none)
     * @param limitTrain the first N training problems only (0 = all): keeps small runs small
     * @param limitTest  the first N test problems only (0 = all)
     */
    public record Data(String train, String test, @JsonProperty("dev_indices") String devIndices, Integer limitTrain, Integer limitTest) {
        /** Applies the defaults. */
        public Data {
            limitTrain = limitTrain == null ? 0 : limitTrain;
            limitTest = limitTest == null ? 0 : limitTest;
        }
    }

    /**
     * Prompts (paper.md §2, §5).
     *
     * @param fewShotFile      the few-shot prefix of the teacher's (and few-shot students') prompts; null: zero-shot
     * @param truncation       the regex a completion is cut after before it runs (the paper's by default)
     * @param teacherMaxTokens the teacher's prompt cap in tokens, left-truncated (756; 0 = none)
     * @param studentMaxTokens the student's prompt cap in tokens, left-truncated (400; 0 = none)
     */
    public record Prompt(@JsonProperty("few_shot_file") String fewShotFile, String truncation,
                         @JsonProperty("teacher_max_tokens") Integer teacherMaxTokens, @JsonProperty("student_max_tokens") Integer studentMaxTokens) {
        /** Applies the defaults. */
        public Prompt {
            truncation = truncation == null ? "\nanswer.*?\n" : truncation;
            teacherMaxTokens = teacherMaxTokens == null ? 756 : teacherMaxTokens;
            studentMaxTokens = studentMaxTokens == null ? 400 : studentMaxTokens;
        }
    }

    /**
     * The teacher and how it samples each training problem (paper.md §2).
     *
     * @param kind              engine (a local checkpoint), http (an OpenAI-compatible server) or replay (recorded JSONL)
     * @param model             engine: the checkpoint directory
     * @param url               http: the server's base URL
     * @param apiModel          http: the API's model name
     * @param replayFile        replay: the recorded samples (sample records or the paper's teacher log)
     * @param n                 samples per problem (100)
     * @param temperature       sampling temperature (0.6)
     * @param topK              top-k, 0 = off (50, transformers 4.19's default)
     * @param topP              nucleus threshold (1.0)
     * @param maxNewTokens      tokens per sample at most (150)
     * @param seed              the random streams' seed (20)
     * @param concurrency       http: requests in flight (8)
     * @param requestsPerMinute http: rate limit, 0 = none
     */
    public record TeacherConfig(String kind, String model, String url, @JsonProperty("api_model") String apiModel,
                                @JsonProperty("replay_file") String replayFile, Integer n, Double temperature,
                                @JsonProperty("top_k") Integer topK, @JsonProperty("top_p") Double topP,
                                @JsonProperty("max_new_tokens") Integer maxNewTokens, Long seed, Integer concurrency,
                                @JsonProperty("requests_per_minute") Integer requestsPerMinute) {
        /** Applies the defaults. */
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

        /** A teacher of the given kind; every field not set takes its default. */
        public static Builder builder(String kind) {
            return new Builder(kind);
        }

        /** Named construction of a {@link TeacherConfig}; unset fields take the defaults above. */
        public static final class Builder {
            private final String kind;
            private String model, url, apiModel, replayFile;
            private Integer n, topK, maxNewTokens, concurrency, requestsPerMinute;
            private Double temperature, topP;
            private Long seed;

            private Builder(String kind) {
                this.kind = kind;
            }

            /** @param v the engine teacher's checkpoint directory */
            public Builder model(String v) { model = v; return this; }
            /** @param v the HTTP teacher's base URL */
            public Builder url(String v) { url = v; return this; }
            /** @param v the HTTP teacher's model name */
            public Builder apiModel(String v) { apiModel = v; return this; }
            /** @param v the replay teacher's file */
            public Builder replayFile(String v) { replayFile = v; return this; }
            /** @param v samples per problem */
            public Builder n(int v) { n = v; return this; }
            /** @param v sampling temperature */
            public Builder temperature(double v) { temperature = v; return this; }
            /** @param v top-k, 0 = off */
            public Builder topK(int v) { topK = v; return this; }
            /** @param v nucleus threshold */
            public Builder topP(double v) { topP = v; return this; }
            /** @param v tokens per sample at most */
            public Builder maxNewTokens(int v) { maxNewTokens = v; return this; }
            /** @param v the random streams' seed */
            public Builder seed(long v) { seed = v; return this; }
            /** @param v HTTP requests in flight */
            public Builder concurrency(int v) { concurrency = v; return this; }
            /** @param v HTTP rate limit, 0 = none */
            public Builder requestsPerMinute(int v) { requestsPerMinute = v; return this; }

            /** The teacher section. */
            public TeacherConfig build() {
                return new TeacherConfig(kind, model, url, apiModel, replayFile, n, temperature, topK, topP, maxNewTokens, seed,
                        concurrency, requestsPerMinute);
            }
        }
    }

    /**
     * The sandbox that runs every program.
     *
     * @param checker   paper (a float within 1%) or strict (equal after rounding to 1e-6)
     * @param timeoutMs CPU time per program (1000)
     * @param memoryMb  address space per program (1024)
     * @param workers   programs run at once (default: one per core)
     * @param python    the interpreter that runs them (/usr/bin/python3); like {@link Devices}, not part
     *                  of a run's identity: a run directory may be resumed on a host whose Python is elsewhere
     */
    public record Execution(String checker, @JsonProperty("timeout_ms") Integer timeoutMs, @JsonProperty("memory_mb") Integer memoryMb,
                            Integer workers, String python) {
        /** Applies the defaults. */
        public Execution {
            checker = checker == null ? "paper" : checker;
            timeoutMs = timeoutMs == null ? 1000 : timeoutMs;
            memoryMb = memoryMb == null ? 1024 : memoryMb;
            workers = workers == null ? Runtime.getRuntime().availableProcessors() : workers;
            python = python == null ? ExecConfig.DEFAULT_PYTHON.toString() : python;
        }
    }

    /**
     * Which correct programs become training pairs.
     *
     * @param policy        first (the paper) or distinct (programs that differ after normalisation)
     * @param maxPerProblem distinct: pairs per problem at most (1)
     */
    public record SelectionConfig(String policy, @JsonProperty("max_per_problem") Integer maxPerProblem) {
        /** Applies the defaults. */
        public SelectionConfig {
            policy = policy == null ? "first" : policy;
            maxPerProblem = maxPerProblem == null ? 1 : maxPerProblem;
        }
    }

    /**
     * The student and its fine-tuning (paper.md §4); the training defaults are {@link TrainConfig}'s.
     *
     * @param model                 the student's checkpoint directory (required)
     * @param epochs                passes over the training pairs
     * @param lr                    peak learning rate
     * @param weightDecay           AdamW's decoupled weight decay
     * @param warmupSteps           linear warmup steps
     * @param schedule              linear, cosine or constant
     * @param batch                 rows per micro-batch
     * @param accum                 micro-batches per optimizer step
     * @param maxLength             tokens per padded sequence, 0 = the model's context
     * @param mask                  the loss mask: all (paper), no-padding, completion-only
     * @param seed                  the data order's seed
     * @param checkpointEvery       optimizer steps between checkpoints (200)
     * @param evalEveryEpochs       epochs between dev evaluations (greedy pass@1; paper: 10; 0 = never)
     * @param checkpoint            the model a method is scored with: final (the paper) or best_dev
     *                              (the highest dev pass@1, earliest on ties)
     * @param checkpointActivations recompute activations in backward (less memory, more compute)
     */
    public record Student(String model, Integer epochs, Double lr, @JsonProperty("weight_decay") Double weightDecay,
                          @JsonProperty("warmup_steps") Integer warmupSteps, String schedule, Integer batch, Integer accum,
                          @JsonProperty("max_length") Integer maxLength, String mask, Long seed,
                          @JsonProperty("checkpoint_every") Integer checkpointEvery,
                          @JsonProperty("eval_every_epochs") Integer evalEveryEpochs, String checkpoint,
                          @JsonProperty("checkpoint_activations") Boolean checkpointActivations) {
        /** Applies the defaults; fails without {@code model}. */
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

        /** The student at {@code model}; every field not set takes its default. */
        public static Builder builder(String model) {
            return new Builder(model);
        }

        /** Named construction of a {@link Student}; unset fields take the defaults. */
        public static final class Builder {
            private final String model;
            private Integer epochs, warmupSteps, batch, accum, maxLength, checkpointEvery, evalEveryEpochs;
            private Double lr, weightDecay;
            private String schedule, mask, checkpoint;
            private Long seed;
            private Boolean checkpointActivations;

            private Builder(String model) {
                this.model = model;
            }

            /** @param v passes over the training pairs */
            public Builder epochs(int v) { epochs = v; return this; }
            /** @param v peak learning rate */
            public Builder lr(double v) { lr = v; return this; }
            /** @param v AdamW's decoupled weight decay */
            public Builder weightDecay(double v) { weightDecay = v; return this; }
            /** @param v linear warmup steps */
            public Builder warmupSteps(int v) { warmupSteps = v; return this; }
            /** @param v linear, cosine or constant */
            public Builder schedule(String v) { schedule = v; return this; }
            /** @param v rows per micro-batch */
            public Builder batch(int v) { batch = v; return this; }
            /** @param v micro-batches per optimizer step */
            public Builder accum(int v) { accum = v; return this; }
            /** @param v tokens per padded sequence, 0 = the model's context */
            public Builder maxLength(int v) { maxLength = v; return this; }
            /** @param v all, no-padding or completion-only */
            public Builder mask(String v) { mask = v; return this; }
            /** @param v the data order's seed */
            public Builder seed(long v) { seed = v; return this; }
            /** @param v optimizer steps between checkpoints */
            public Builder checkpointEvery(int v) { checkpointEvery = v; return this; }
            /** @param v epochs between dev evaluations, 0 = never */
            public Builder evalEveryEpochs(int v) { evalEveryEpochs = v; return this; }
            /** @param v final or best_dev */
            public Builder checkpoint(String v) { checkpoint = v; return this; }
            /** @param v recompute activations in backward */
            public Builder checkpointActivations(boolean v) { checkpointActivations = v; return this; }

            /** The student section. */
            public Student build() {
                return new Student(model, epochs, lr, weightDecay, warmupSteps, schedule, batch, accum, maxLength, mask, seed,
                        checkpointEvery, evalEveryEpochs, checkpoint, checkpointActivations);
            }
        }
    }

    /**
     * Knowledge distillation: loss = CE + kl_weight * KL(teacher || student) at temperature T.
     *
     * @param temperature T (1.0)
     * @param klWeight    the KL term's weight (1.0)
     * @param teacher     the live teacher's checkpoint (default: an engine teacher's model)
     */
    public record Kd(Double temperature, @JsonProperty("kl_weight") Double klWeight, String teacher) {
        /** Applies the defaults. */
        public Kd {
            temperature = temperature == null ? 1.0 : temperature;
            klWeight = klWeight == null ? 1.0 : klWeight;
        }
    }

    /**
     * Expert iteration (paper.md §6): rounds of fresh fine-tuning on solved problems (its own settings:
     * max length 275, 4 epochs, batch 1, constant lr 5e-5), then sampling the unsolved. Round 0 is
     * the few-shot student sampled with the teacher's settings.
     *
     * @param rounds       fine-tune-and-sample rounds (10)
     * @param epochs       epochs per round (4)
     * @param lr           constant learning rate (5e-5)
     * @param n            samples per unsolved problem per round (100)
     * @param maxNewTokens tokens per sample at most (100)
     * @param temperature  sampling temperature (0.6)
     * @param maxLength    tokens per padded sequence (275)
     * @param batch        rows per micro-batch (1)
     * @param accum        micro-batches per optimizer step (1)
     */
    public record ExpertIteration(Integer rounds, Integer epochs, Double lr, Integer n, @JsonProperty("max_new_tokens") Integer maxNewTokens,
                                  Double temperature, @JsonProperty("max_length") Integer maxLength, Integer batch, Integer accum) {
        /** Applies the defaults. */
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

        /** Expert iteration with every field not set at its default. */
        public static Builder builder() {
            return new Builder();
        }

        /** Named construction of an {@link ExpertIteration}; unset fields take the defaults above. */
        public static final class Builder {
            private Integer rounds, epochs, n, maxNewTokens, maxLength, batch, accum;
            private Double lr, temperature;

            private Builder() {
            }

            /** @param v fine-tune-and-sample rounds */
            public Builder rounds(int v) { rounds = v; return this; }
            /** @param v epochs per round */
            public Builder epochs(int v) { epochs = v; return this; }
            /** @param v constant learning rate */
            public Builder lr(double v) { lr = v; return this; }
            /** @param v samples per unsolved problem per round */
            public Builder n(int v) { n = v; return this; }
            /** @param v tokens per sample at most */
            public Builder maxNewTokens(int v) { maxNewTokens = v; return this; }
            /** @param v sampling temperature */
            public Builder temperature(double v) { temperature = v; return this; }
            /** @param v tokens per padded sequence */
            public Builder maxLength(int v) { maxLength = v; return this; }
            /** @param v rows per micro-batch */
            public Builder batch(int v) { batch = v; return this; }
            /** @param v micro-batches per optimizer step */
            public Builder accum(int v) { accum = v; return this; }

            /** The expert-iteration section. */
            public ExpertIteration build() {
                return new ExpertIteration(rounds, epochs, lr, n, maxNewTokens, temperature, maxLength, batch, accum);
            }
        }
    }

    /**
     * Test-set scoring (paper.md §5): greedy pass@1 and n samples at T for pass@k.
     *
     * @param n            samples per test problem (100)
     * @param temperature  their temperature (0.6)
     * @param topK         their top-k, 0 = off (50)
     * @param maxNewTokens tokens per program at most (150)
     * @param greedy       whether a greedy program per problem is decoded too (true)
     * @param k            the k of pass@k in the CSV, report and plots (1, 10, 100)
     * @param seed         the samples' seed (1)
     */
    public record Evaluation(Integer n, Double temperature, @JsonProperty("top_k") Integer topK,
                             @JsonProperty("max_new_tokens") Integer maxNewTokens, Boolean greedy, List<Integer> k, Long seed) {
        /** Applies the defaults; fails on a k below 1. */
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

        /** Scoring with every field not set at its default. */
        public static Builder builder() {
            return new Builder();
        }

        /** Named construction of an {@link Evaluation}; unset fields take the defaults above. */
        public static final class Builder {
            private Integer n, topK, maxNewTokens;
            private Double temperature;
            private Boolean greedy;
            private List<Integer> k;
            private Long seed;

            private Builder() {
            }

            /** @param v samples per test problem */
            public Builder n(int v) { n = v; return this; }
            /** @param v their temperature */
            public Builder temperature(double v) { temperature = v; return this; }
            /** @param v their top-k, 0 = off */
            public Builder topK(int v) { topK = v; return this; }
            /** @param v tokens per program at most */
            public Builder maxNewTokens(int v) { maxNewTokens = v; return this; }
            /** @param v whether a greedy program per problem is decoded too */
            public Builder greedy(boolean v) { greedy = v; return this; }
            /** @param v the k of pass@k */
            public Builder k(Integer... v) { k = List.of(v); return this; }
            /** @param v the samples' seed */
            public Builder seed(long v) { seed = v; return this; }

            /** The evaluation section. */
            public Evaluation build() {
                return new Evaluation(n, temperature, topK, maxNewTokens, greedy, k, seed);
            }
        }
    }

    /**
     * Where each role's models run (device cpu, cuda or cuda:N; dtype float32, bfloat16 or
     * float16), each defaulting to the CPU in float32. {@code teacher}: the engine teacher's
     * sampling. {@code student}: training (dtype bfloat16 = mixed precision with float32 master
     * weights) and the live teacher of KD. {@code evaluation}: sampling the test problems and
     * expert iteration's rounds. Not part of a run's identity: a run directory may be resumed on
     * other hardware.
     *
     * @param teacher    the engine teacher's sampling
     * @param student    training and KD's live teacher
     * @param evaluation test-set sampling and expert iteration's rounds
     */
    public record Devices(Placement teacher, Placement student, Placement evaluation) {
        /** Applies the defaults; fails on a float16 student (training is float32 or bfloat16). */
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

        /** @param v the experiment's name */
        public Builder name(String v) { name = v; return this; }
        /** @param v the problem files (replacing the builder's train and test files) */
        public Builder data(Data v) { data = v; return this; }
        /** @param v prompts, truncation and caps */
        public Builder prompt(Prompt v) { prompt = v; return this; }
        /** @param v the teacher ({@link TeacherConfig#builder}) */
        public Builder teacher(TeacherConfig v) { teacher = v; return this; }
        /** @param v the sandbox */
        public Builder execution(Execution v) { execution = v; return this; }
        /** @param v the selection policy */
        public Builder selection(SelectionConfig v) { selection = v; return this; }
        /** @param v the student ({@link Student#builder}) */
        public Builder student(Student v) { student = v; return this; }
        /** @param v knowledge distillation's loss */
        public Builder kd(Kd v) { kd = v; return this; }
        /** @param v expert iteration ({@link ExpertIteration#builder}) */
        public Builder ei(ExpertIteration v) { ei = v; return this; }
        /** @param v test-set scoring ({@link Evaluation#builder}) */
        public Builder evaluation(Evaluation v) { evaluation = v; return this; }
        /** @param v the methods to compare, in report order */
        public Builder methods(String... v) { methods = List.of(v); return this; }
        /** @param v where each role's models run */
        public Builder devices(Devices v) { devices = v; return this; }

        /** A local checkpoint run by the native engine, with the paper's sampling settings. */
        public Builder engineTeacher(String modelDir) {
            return teacher(TeacherConfig.builder("engine").model(modelDir).build());
        }

        /** The student checkpoint, fine-tuned with the paper's settings. */
        public Builder student(String modelDir) {
            return student(Student.builder(modelDir).build());
        }

        /** The config; fails as the {@link RunConfig} constructor does. */
        public RunConfig build() {
            return new RunConfig(name, data, prompt, teacher, execution, selection, student, kd, ei, evaluation, methods, devices);
        }
    }

    /** The config's mapper for {@code file}: YAML or JSON, snake_case names, unknown fields refused. */
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

    /** The config as JSON with the YAML's snake_case names: a run's identity in its manifest. */
    public JsonNode toJson() {
        return mapper(Path.of("config.json")).valueToTree(this);
    }
}
