package ekt.tokenizer;

import ekt.records.Json;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.file.Path;

/**
 * {@code tokenizer_config.json} and {@code special_tokens_map.json} as transformers writes them for
 * GPT-2-style tokenizers: the end-of-text token is the bos, eos and unk token, and it is declared
 * as the padding token too (the trainer pads with it), so {@code AutoTokenizer} pads batches
 * without further set-up.
 */
final class SpecialTokensFiles {
    static final String CONFIG = "tokenizer_config.json", MAP = "special_tokens_map.json";

    private SpecialTokensFiles() {
    }

    static void write(Tokenizer tokenizer, Path modelDir) {
        String eos = tokenizer.token(tokenizer.eosId());
        ObjectNode map = Json.MAPPER.createObjectNode().put("bos_token", eos).put("eos_token", eos).put("unk_token", eos).put("pad_token", eos);
        ObjectNode config = Json.MAPPER.createObjectNode().put("tokenizer_class", "GPT2Tokenizer").put("add_prefix_space", false)
                .put("clean_up_tokenization_spaces", false);
        config.setAll(map);
        ObjectNode added = config.putObject("added_tokens_decoder");
        for (var e : tokenizer.specialTokenIds().entrySet())
            added.putObject(Integer.toString(e.getValue())).put("content", e.getKey()).put("lstrip", false).put("normalized", false)
                    .put("rstrip", false).put("single_word", false).put("special", true);
        write(modelDir.resolve(MAP), map);
        write(modelDir.resolve(CONFIG), config);
    }

    private static void write(Path file, ObjectNode node) {
        try {
            Json.MAPPER.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), node);
        } catch (IOException e) {
            throw TokenizerException.inFile(file, "cannot write: " + e, e);
        }
    }
}
