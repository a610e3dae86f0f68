package ekt.tokenizer;

import ekt.records.Json;
import com.fasterxml.jackson.databind.JsonNode;
import ekt.tokenizer.Tokenizer.SpecialTokens;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TokenizerSmallVocabularyTest {
    private final ByteLevelBpe small = ByteLevelBpe.smallVocabulary();

    @Test
    void idsAreTheUtf8BytesThenTheSpecials() {
        assertEquals(258, small.vocabSize());
        assertEquals(256, small.eosId());
        assertEquals(Map.of(Tokenizer.END_OF_TEXT, 256, Tokenizer.PAD, 257), small.specialTokenIds());
        assertEquals(257, small.tokenId(Tokenizer.PAD).orElseThrow());
        assertArrayEquals(new int[] {0x68, 0xC3, 0xA9, 0x20, 0xE2, 0x82, 0xAC}, small.encode("hé €"));
        assertEquals("\u0120", small.token(' '));
        assertTrue(small.isSpecial(257));
        assertFalse(small.isSpecial(255));
    }

    /** The JDK's UTF-8 encoder is the reference for texts without lone surrogates. */
    @Test
    void anyTextEncodesToItsBytesAndDecodesBack() {
        List<String> texts = new ArrayList<>(ReferenceTexts.HANDPICKED);
        texts.addAll(ReferenceTexts.fuzz(1, 2000));
        for (String text : texts) {
            int[] ids = small.encode(text);
            if (!hasLoneSurrogate(text)) {
                byte[] utf8 = text.getBytes(StandardCharsets.UTF_8);
                int[] expected = new int[utf8.length];
                for (int i = 0; i < utf8.length; i++) expected[i] = utf8[i] & 0xFF;
                assertArrayEquals(expected, ids, text);
                assertEquals(text, small.decode(ids));
            } else {
                assertEquals(text.length(), small.decode(ids).length(), "a lone surrogate decodes to one U+FFFD");
            }
        }
    }

    @Test
    void specialTokensAreTextUnlessAllowed() {
        assertArrayEquals(new int[] {'a', 257, 'b', 256}, small.encode("a<|pad|>b<|endoftext|>", SpecialTokens.ALLOWED));
        int[] asText = small.encode("a<|pad|>b");
        assertEquals(9, asText.length);
        assertEquals("a<|pad|>b", small.decode(asText));
        assertEquals("a<|pad|>b", small.decode(new int[] {'a', 257, 'b'}));
        assertEquals("ab", small.decodeSkippingSpecials(new int[] {'a', 257, 'b', 256}));
    }

    @Test
    void unknownIdsAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> small.decode(new int[] {258}));
        assertThrows(IllegalArgumentException.class, () -> small.token(-1));
    }

    @Test
    void savesAHuggingFaceTokenizerJsonAndLoadsItBack(@TempDir Path dir) throws Exception {
        small.save(dir);
        JsonNode json = Json.MAPPER.readTree(dir.resolve(Tokenizer.TOKENIZER_JSON).toFile());
        assertEquals("BPE", json.at("/model/type").asText());
        assertEquals(258, json.at("/model/vocab").size());
        assertEquals(0, json.at("/model/merges").size());
        assertEquals("ByteLevel", json.at("/pre_tokenizer/type").asText());
        assertEquals("ByteLevel", json.at("/decoder/type").asText());
        assertEquals(Tokenizer.PAD, json.at("/added_tokens/1/content").asText());
        assertTrue(json.at("/added_tokens/1/special").asBoolean());

        Tokenizer loaded = Tokenizer.load(dir);
        assertEquals(small.vocabSize(), loaded.vocabSize());
        assertEquals(small.specialTokenIds(), loaded.specialTokenIds());
        for (String text : ReferenceTexts.fuzz(2, 300)) {
            assertArrayEquals(small.encode(text, SpecialTokens.ALLOWED), loaded.encode(text, SpecialTokens.ALLOWED));
        }
    }

    private static boolean hasLoneSurrogate(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) i++;
            else if (Character.isSurrogate(c)) return true;
        }
        return false;
    }
}
