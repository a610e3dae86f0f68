package ekt.tokenizer;

import ekt.records.Json;
import com.fasterxml.jackson.databind.JsonNode;
import ekt.demo.WordProblems;
import ekt.testing.Python;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BpeTrainerTest {
    private static List<String> corpus() {
        List<String> texts = new ArrayList<>();
        for (WordProblems.Generated g : WordProblems.generate(3, 150, Set.of())) texts.add("# " + g.question() + "\n" + g.program());
        texts.add("It's what they'll do; we've   got 12345 and 007 -- x  = y**2\n\n\n  done   ");
        return texts;
    }

    @Test
    void learnsTheSameMergesAsAnIndependentReference(@TempDir Path dir) throws Exception {
        List<String> texts = corpus();
        Path file = dir.resolve("corpus.json");
        Files.writeString(file, Json.MAPPER.writeValueAsString(texts));
        JsonNode expected = Json.MAPPER.readTree(Python.run("bpe_train_reference.py", file.toString(), "300"));
        ByteLevelBpe bpe = BpeTrainer.train(texts, 300);
        MergeTable merges = bpe.merges();
        assertEquals(expected.size(), merges.size());
        HexFormat hex = HexFormat.of();
        for (int r = 0; r < merges.size(); r++) {
            assertEquals(expected.get(r).get(0).asText(), hex.formatHex(bpe.tokenBytes(merges.left(r))), "left of merge " + r);
            assertEquals(expected.get(r).get(1).asText(), hex.formatHex(bpe.tokenBytes(merges.right(r))), "right of merge " + r);
        }
    }

    @Test
    void roundTripsSavesAndShortensText(@TempDir Path dir) {
        List<String> texts = corpus();
        ByteLevelBpe bpe = BpeTrainer.train(texts, 200);
        bpe.save(dir);
        Tokenizer loaded = Tokenizer.load(dir);
        long bytes = 0, tokens = 0;
        for (String t : texts) {
            int[] ids = bpe.encode(t);
            assertEquals(t, bpe.decode(ids));
            assertArrayEquals(ids, loaded.encode(t), "the saved tokenizer.json encodes alike");
            bytes += t.length();
            tokens += ids.length;
        }
        assertTrue(tokens * 2 < bytes, "200 merges at least halve the length: " + tokens + " tokens for " + bytes + " bytes");
        assertEquals(256, bpe.eosId());
        assertEquals("héllo ✓", bpe.decode(bpe.encode("héllo ✓")), "bytes outside the corpus still round-trip");
    }
}
