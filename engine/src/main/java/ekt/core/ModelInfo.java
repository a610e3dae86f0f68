package ekt.core;

import ekt.records.Json;
import com.fasterxml.jackson.databind.JsonNode;

/**
 * What the core reports about a loaded model.
 *
 * @param architecture    config.json's first {@code architectures} entry (or the model type's default), e.g. {@code GPTNeoForCausalLM}
 * @param modelType       config.json's {@code model_type}, e.g. {@code gpt_neo}
 * @param parameters      number of parameters: the elements of all the model's parameter tensors
 * @param dtype           the dtype the model computes in ({@code float32}, {@code bfloat16}, {@code float16})
 * @param checkpointDtype the dtype the checkpoint stored
 * @param contextLength   the longest sequence (prompt + generated tokens) the model takes
 * @param vocabSize       rows of the output layer: every token id is below it
 * @param layers          transformer blocks
 * @param hiddenSize      width of the residual stream
 * @param heads           attention (query) heads
 * @param device          where the weights live ({@code cpu}, {@code cuda:0}, ...)
 * @param json            the core's full JSON description, which has more fields (e.g. {@code eos_token_id})
 */
public record ModelInfo(String architecture, String modelType, long parameters, String dtype,
                        String checkpointDtype, int contextLength, int vocabSize, int layers,
                        int hiddenSize, int heads, String device, String json) {

    static ModelInfo parse(String json) {
        try {
            JsonNode n = Json.MAPPER.readTree(json);
            return new ModelInfo(n.path("architecture").asText(), n.path("model_type").asText(),
                    n.path("parameters").asLong(), n.path("dtype").asText(), n.path("checkpoint_dtype").asText(),
                    n.path("context_length").asInt(), n.path("vocab_size").asInt(), n.path("layers").asInt(),
                    n.path("hidden_size").asInt(), n.path("heads").asInt(), n.path("device").asText(), json);
        } catch (java.io.IOException e) {
            throw new EktException("core returned malformed model info: " + json, e);
        }
    }
}
