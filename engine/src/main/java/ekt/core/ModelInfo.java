package ekt.core;

import ekt.records.Json;
import com.fasterxml.jackson.databind.JsonNode;

/** What the core reports about a loaded model. {@code json} is the full description. */
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
