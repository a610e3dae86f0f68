package ekt.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ekt.data.Jsonl;
import ekt.tokenizer.Tokenizer;
import ekt.train.TrainConfig;

/**
 * The demo's sizes. {@link #standard} is what {@code ./ekt demo} runs (about 15 minutes on two
 * cores); {@link #reduced} is the same experiment with small counts, for the test suite.
 *
 * @param sourceProblems  the teacher's own (question, program) pairs
 * @param pretrainProblems how many of those the student base sees (its weak prior)
 * @param trainProblems   the student's weakly supervised training problems (question, answer)
 * @param checkpointEvery training steps between checkpoints (a killed run resumes from the newest)
 */
public record DemoOptions(long seed, int sourceProblems, int pretrainProblems, int trainProblems, int testProblems, int merges,
                          int teacherWidth, int teacherLayers, int studentWidth, int studentLayers, int context,
                          int teacherEpochs, int pretrainEpochs, int studentEpochs, int batch, double lr,
                          int teacherSamples, int evalSamples, double temperature, int maxNewTokens, int eiRounds, int checkpointEvery) {

    public static DemoOptions standard(long seed) {
        return new DemoOptions(seed, 2000, 300, 250, 100, 500, 128, 4, 64, 2, 256,
                6, 20, 60, 16, 2e-3, 8, 10, 0.6, 80, 2, 100);
    }

    public static DemoOptions reduced(long seed) {
        return new DemoOptions(seed, 160, 16, 24, 12, 120, 32, 2, 32, 1, 192,
                2, 2, 2, 8, 2e-3, 2, 3, 0.6, 48, 1, 10);
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
        if (studentLayers >= 2) types.addArray().add(Jsonl.JSON.createArrayNode().add("global").add("local")).add(studentLayers / 2);
        if (studentLayers % 2 == 1) types.addArray().add(Jsonl.JSON.createArrayNode().add("global")).add(1);
        return c;
    }

    private ObjectNode common(Tokenizer tokenizer) {
        return Jsonl.object().put("vocab_size", tokenizer.vocabSize()).put("bos_token_id", tokenizer.eosId()).put("eos_token_id", tokenizer.eosId());
    }

    /** Training of the demo's own models (teacher, student base) from scratch. */
    TrainConfig setupTraining(int epochs, long trainSeed) {
        return TrainConfig.builder().epochs(epochs).lr(lr).warmupSteps(20).batchSize(batch).accum(1).maxLength(context)
                .mask(TrainConfig.Mask.NO_PADDING).seed(trainSeed).saveEvery(checkpointEvery).keepCheckpoints(2).logEvery(0).build();
    }

    /** The student's fine-tuning in the experiment (EKT, KD; EI per round). */
    TrainConfig studentTraining() {
        return TrainConfig.builder().epochs(studentEpochs).lr(lr).warmupSteps(10).batchSize(batch).accum(1).maxLength(context)
                .mask(TrainConfig.Mask.NO_PADDING).seed(seed).build();
    }

    JsonNode toJson() {
        return Jsonl.JSON.valueToTree(this);
    }
}
