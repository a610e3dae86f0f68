package ekt.tokenizer;

import ekt.records.Json;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A saved tokenizer declares its special tokens the way transformers reads them: end-of-text is eos and pad. */
class SpecialTokensFilesTest {
    @Test
    void savedTokenizerDeclaresEosAndPad(@TempDir Path dir) throws Exception {
        ByteLevelBpe bpe = BpeTrainer.train(List.of("n0 = 12.0\nanswer = n0 * 2", "n1 = 3.0\nanswer = n1 + 4"), 20);
        bpe.save(dir);
        JsonNode map = Json.MAPPER.readTree(dir.resolve("special_tokens_map.json").toFile());
        JsonNode config = Json.MAPPER.readTree(dir.resolve("tokenizer_config.json").toFile());
        for (String key : List.of("bos_token", "eos_token", "unk_token", "pad_token")) {
            assertEquals(Tokenizer.END_OF_TEXT, map.get(key).asText(), key);
            assertEquals(Tokenizer.END_OF_TEXT, config.get(key).asText(), key);
        }
        assertEquals("GPT2Tokenizer", config.get("tokenizer_class").asText());
        JsonNode eos = config.get("added_tokens_decoder").get(Integer.toString(bpe.eosId()));
        assertEquals(Tokenizer.END_OF_TEXT, eos.get("content").asText());
        assertEquals(true, eos.get("special").asBoolean());
        assertEquals(bpe.eosId(), Tokenizer.load(dir).eosId(), "the directory still loads");
    }
}
