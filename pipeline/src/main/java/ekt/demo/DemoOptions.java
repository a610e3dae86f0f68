package ekt.demo;

import ekt.records.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ekt.tokenizer.Tokenizer;
import ekt.train.TrainConfig;

import java.util.List;

/**
 * The demo's sizes. {@link #standard} is what {@code ./ekt demo} runs (at most 15 minutes on two
 * cores); {@link #reduced} is the same experiment with small counts, for the test suite.
 *
 * @param seed            seed of the generated problems, model initialisation, training and sampling
 * @param sourceProblems  the teacher's own (question, program) pairs
 * @param pretrainProblems how many of those the student base sees (its weak prior)
 * @param trainProblems   the student's weakly supervised training problems (question, answer)
 * @param devProblems     held-out training problems for dev monitoring (greedy pass@1 every evalEveryEpochs)
 * @param testProblems    held-out problems the experiment evaluates on
 * @param merges          BPE merges of the demo's tokenizer (trained on the teacher's source)
 * @param teacherWidth    the teacher's hidden size (a GPT-J)
 * @param teacherLayers   the teacher's transformer blocks
 * @param studentWidth    the student's hidden size (a GPT-Neo)
 * @param studentLayers   the student's transformer blocks
 * @param context         both models' context length and the training max length, in tokens
 * @param teacherEpochs   epochs of training the teacher on its source
 * @param pretrainEpochs  epochs of the student base's pretraining
 * @param studentEpochs   epochs of the student's fine-tuning in the experiment (EKT, KD; half per EI round)
 * @param evalEveryEpochs epochs between dev evaluations of the student
 * @param batch           training batch size (no gradient accumulation)
 * @param lr              peak learning rate of every training
 * @param teacherSamples  programs the teacher samples per training problem (and EI per round)
 * @param evalSamples     programs sampled per test problem for pass@k (k = 1, 10, 100 up to this)
 * @param temperature     sampling temperature of the teacher, EI and the evaluation
 * @param maxNewTokens    longest sampled program, in tokens
 * @param eiRounds        expert-iteration rounds
 * @param teacherStep     the teacher checkpoint (training step) the demo's experiment uses: early, so that its
 *                        sampled programs are mostly wrong, the regime of the paper's few-shot teachers
 * @param sweepSteps      the teacher checkpoints of {@code ekt demo --sweep} (teacherStep among them)
 * @param checkpointEvery training steps between checkpoints (a killed run resumes from the newest; the
 *                        teacher keeps all of them, so teacher steps must be multiples of it)
 */
public record DemoOptions(long seed, int sourceProblems, int pretrainProblems, int trainProblems, int devProblems, int testProblems, int merges,
                          int teacherWidth, int teacherLayers, int studentWidth, int studentLayers, int context,
                          int teacherEpochs, int pretrainEpochs, int studentEpochs, int evalEveryEpochs, int batch, double lr,
                          int teacherSamples, int evalSamples, double temperature, int maxNewTokens, int eiRounds, int checkpointEvery,
                          int teacherStep, List<Integer> sweepSteps) {

    /** Programs the teacher samples per training problem (the paper: 100). */
    private static final int TEACHER_SAMPLES = 50;
    /** The standard demo's teacher checkpoint: 100 of 750 steps. */
    private static final int TEACHER_STEP = 100;

    /**
     * Copies {@code sweepSteps}.
     *
     * @throws IllegalArgumentException if the teacher step or a sweep step is not a positive multiple of checkpointEvery
     */
    public DemoOptions {
        sweepSteps = List.copyOf(sweepSteps);
        for (int step : concat(teacherStep, sweepSteps))
            if (step <= 0 || step % checkpointEvery != 0) throw new IllegalArgumentException("teacher step " + step + " is not a checkpoint (every " + checkpointEvery + ")");
    }

    /** @return the sizes of {@code ./ekt demo} */
    public static DemoOptions standard(long seed) {
        return new DemoOptions(seed, 2000, 300, 250, 50, 100, 500, 128, 4, 64, 2, 256,
                6, 20, 60, 10, 16, 2e-3, TEACHER_SAMPLES, 10, 0.6, 80, 2, 50,
                TEACHER_STEP, List.of(50, 100, 200, 750));
    }

    /** @return the same experiment with small counts (the test suite's, {@code ./ekt demo --reduced}) */
    public static DemoOptions reduced(long seed) {
        return new DemoOptions(seed, 160, 16, 24, 6, 12, 120, 32, 2, 32, 1, 192,
                2, 2, 2, 1, 8, 2e-3, 2, 3, 0.6, 48, 1, 10,
                40, List.of(20, 40));
    }

    /** A small GPT-J (the paper's teacher architecture). */
    ObjectNode teacherConfig(Tokenizer tokenizer) {
        return common(tokenizer).put("model_type", "gptj").put("n_positions", context).put("n_embd", teacherWidth)
                .put("n_layer", teacherLayers).put("n_head", 4).put("rotary_dim", teacherWidth / 8).put("activation_function", "gelu_new")
                .put("layer_norm_epsilon", 1e-5).put("tie_word_embeddings", false);
    }

    /** A smaller GPT-Neo (the paper's student architecture), local attention on every other layer. */
    ObjectNode studentConfig(Tokenizer tokenizer) {
        ObjectNode c = common(tokenizer).put("model_type", "gpt_neo").put("max_position_embeddings", context).put("hidden_size", studentWidth)
                .put("num_layers", studentLayers).put("num_heads", 4).put("window_size", context / 2).put("activation_function", "gelu_new")
                .put("layer_norm_epsilon", 1e-5).put("tie_word_embeddings", true);
        var types = c.putArray("attention_types");
        if (studentLayers >= 2) types.addArray().add(Json.MAPPER.createArrayNode().add("global").add("local")).add(studentLayers / 2);
        if (studentLayers % 2 == 1) types.addArray().add(Json.MAPPER.createArrayNode().add("global")).add(1);
        return c;
    }

    private ObjectNode common(Tokenizer tokenizer) {
        return Json.object().put("vocab_size", tokenizer.vocabSize()).put("bos_token_id", tokenizer.eosId()).put("eos_token_id", tokenizer.eosId());
    }

    /** Training of the demo's own models (teacher, student base) from scratch; keepCheckpoints 0 keeps all. */
    TrainConfig setupTraining(int epochs, long trainSeed, int keepCheckpoints) {
        return TrainConfig.builder().epochs(epochs).lr(lr).warmupSteps(20).batchSize(batch).accum(1).maxLength(context)
                .mask(TrainConfig.Mask.NO_PADDING).seed(trainSeed).saveEvery(checkpointEvery).keepCheckpoints(keepCheckpoints).logEvery(0).build();
    }

    private static List<Integer> concat(int first, List<Integer> rest) {
        List<Integer> all = new java.util.ArrayList<>(rest);
        all.add(first);
        return all;
    }

    /** The student's fine-tuning in the experiment (EKT, KD; EI per round). */
    TrainConfig studentTraining() {
        return TrainConfig.builder().epochs(studentEpochs).lr(lr).warmupSteps(10).batchSize(batch).accum(1).maxLength(context)
                .mask(TrainConfig.Mask.NO_PADDING).seed(seed).build();
    }

    JsonNode toJson() {
        return Json.MAPPER.valueToTree(this);
    }
}
