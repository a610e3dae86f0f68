package ekt.tokenizer;

import ekt.records.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ekt.tokenizer.Tokenizer.SpecialTokens;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * GPT-2's real vocabulary in our tokenizer against gpt-tokenizer and tiktoken (see {@link NpmReference}),
 * on all of GSM8k and on adversarial texts.
 */
class TokenizerConformanceTest {
    private static final int EOS = 50256;

    private static ByteLevelBpe gpt2;
    private static NpmReference npm;
    private static List<String> gsm8k;
    private static List<String> adversarial;
    private static List<JsonNode> gsm8kAnswers;
    private static List<JsonNode> adversarialAnswers;
    private static List<int[]> decodeCases;
    private static List<JsonNode> decodeAnswers;

    @BeforeAll
    static void askReferences() throws Exception {
        npm = NpmReference.installed();
        gpt2 = ByteLevelBpe.fromVocabAndMerges(npm.gpt2Vocab(), npm.gpt2Merges());
        gsm8k = ReferenceTexts.gsm8k();
        adversarial = new ArrayList<>(ReferenceTexts.HANDPICKED);
        adversarial.addAll(ReferenceTexts.fuzz(20261124, 3000));
        decodeCases = decodeCases();
        List<Object> requests = new ArrayList<>();
        for (String text : gsm8k) requests.add(Map.of("text", text));
        for (String text : adversarial) requests.add(Map.of("text", text));
        for (int[] ids : decodeCases) requests.add(Map.of("ids", ids));
        List<JsonNode> answers = npm.tokenize(requests);
        gsm8kAnswers = answers.subList(0, gsm8k.size());
        adversarialAnswers = answers.subList(gsm8k.size(), gsm8k.size() + adversarial.size());
        decodeAnswers = answers.subList(gsm8k.size() + adversarial.size(), answers.size());
    }

    @Test
    void gsm8kEncodesAsGptTokenizerAndTiktoken() {
        assumeFalse(gsm8k.isEmpty(), "shared data/gsm8k is absent: skipping the GSM8k comparison");
        assertSameIds(gsm8k, gpt2::encode, gsm8kAnswers, "gptTokenizer");
        assertSameIds(gsm8k, gpt2::encode, gsm8kAnswers, "tiktoken");
    }

    @Test
    void adversarialTextsEncodeAsTiktoken() {
        assertSameIds(adversarial, gpt2::encode, adversarialAnswers, "tiktoken");
    }

    /**
     * gpt-tokenizer's pattern runs on JavaScript's \s, which has U+FEFF and lacks U+0085, unlike Unicode's
     * White_Space that tiktoken (Rust) and Hugging Face (Oniguruma) use. We follow the latter, so the only
     * texts allowed to differ from gpt-tokenizer are those containing one of these two characters.
     */
    @Test
    void adversarialTextsEncodeAsGptTokenizerExceptForItsWhitespaceClass() {
        List<String> comparable = new ArrayList<>();
        List<JsonNode> answers = new ArrayList<>();
        int divergent = 0;
        for (int i = 0; i < adversarial.size(); i++) {
            String text = adversarial.get(i);
            if (text.contains(ReferenceTexts.NEXT_LINE) || text.contains(ReferenceTexts.BYTE_ORDER_MARK)) {
                if (!adversarialAnswers.get(i).get("gptTokenizer").equals(adversarialAnswers.get(i).get("tiktoken"))) divergent++;
                continue;
            }
            comparable.add(text);
            answers.add(adversarialAnswers.get(i));
        }
        assertSameIds(comparable, gpt2::encode, answers, "gptTokenizer");
        assertTrue(divergent > 0, "the references no longer disagree on U+0085 / U+FEFF: compare all texts");
    }

    /** gpt-tokenizer 4.0.0 finds allowed special tokens only at the start of a text, so tiktoken is the reference here. */
    @Test
    void allowedSpecialTokensEncodeAsTiktoken() {
        assertSameIds(adversarial, text -> gpt2.encode(text, SpecialTokens.ALLOWED), adversarialAnswers, "tiktokenAllowed");
        assertArrayEquals(new int[] {64, EOS, 65}, gpt2.encode("a<|endoftext|>b", SpecialTokens.ALLOWED));
    }

    @Test
    void decodeInvertsEncode() {
        List<String> all = new ArrayList<>(gsm8k);
        all.addAll(adversarial);
        for (String text : all) {
            String expected = replaceLoneSurrogates(text);
            assertEquals(expected, gpt2.decode(gpt2.encode(text)), () -> "round trip of " + escape(text));
            assertEquals(expected, gpt2.decode(gpt2.encode(text, SpecialTokens.ALLOWED)), () -> "round trip of " + escape(text));
        }
        assertEquals("ab", gpt2.decodeSkippingSpecials(gpt2.encode("a<|endoftext|>b", SpecialTokens.ALLOWED)));
    }

    @Test
    void idsThatAreNotUtf8DecodeAsTextDecoder() {
        for (int i = 0; i < decodeCases.size(); i++) {
            int[] ids = decodeCases.get(i);
            assertEquals(decodeAnswers.get(i).get("decoded").asText(), gpt2.decode(ids), "decode of " + Arrays.toString(ids));
        }
    }

    @Test
    void streamingDecodeJoinsToDecode() {
        for (int[] ids : decodeCases) {
            StreamingDecoder stream = gpt2.streamingDecoder(false);
            StringBuilder joined = new StringBuilder();
            for (int id : ids) joined.append(stream.next(id));
            joined.append(stream.finish());
            assertEquals(gpt2.decode(ids), joined.toString(), "streamed " + Arrays.toString(ids));
        }
    }

    /** A tokenizer.json written here from the same files, with merges in both of Hugging Face's spellings. */
    @Test
    void tokenizerJsonGivesTheIdsOfVocabAndMerges(@TempDir Path dir) throws Exception {
        List<String> mergeLines = Files.readAllLines(npm.gpt2Merges()).stream().skip(1).filter(l -> !l.isEmpty()).toList();
        for (boolean pairs : new boolean[] {false, true}) {
            ObjectNode root = Json.MAPPER.createObjectNode();
            root.putArray("added_tokens").addObject().put("id", EOS).put("content", "<|endoftext|>").put("special", true);
            root.putNull("normalizer");
            root.putObject("pre_tokenizer").put("type", "ByteLevel").put("add_prefix_space", false).put("use_regex", true);
            root.putObject("post_processor").put("type", "ByteLevel");
            root.putObject("decoder").put("type", "ByteLevel");
            ObjectNode model = root.putObject("model").put("type", "BPE");
            model.set("vocab", Json.MAPPER.readTree(npm.gpt2Vocab().toFile()));
            ArrayNode merges = model.putArray("merges");
            for (String line : mergeLines) {
                if (pairs) merges.addArray().add(line.split(" ")[0]).add(line.split(" ")[1]);
                else merges.add(line);
            }
            Path file = dir.resolve(pairs ? "pairs.json" : "strings.json");
            Json.MAPPER.writeValue(file.toFile(), root);
            assertSameIdsAs(gpt2, ByteLevelBpe.fromTokenizerJson(file));
        }
    }

    @Test
    void saveThenLoadKeepsIds(@TempDir Path dir) {
        gpt2.save(dir);
        Tokenizer reloaded = Tokenizer.load(dir);
        assertSameIdsAs(gpt2, reloaded);
        assertEquals(gpt2.vocabSize(), reloaded.vocabSize());
        assertEquals(Map.of("<|endoftext|>", EOS), reloaded.specialTokenIds());
    }

    @Test
    void batchEncodingMatchesOneByOne() {
        List<int[]> batch = gpt2.encodeBatch(adversarial);
        for (int i = 0; i < adversarial.size(); i++) assertArrayEquals(gpt2.encode(adversarial.get(i)), batch.get(i));
    }

    @Test
    void vocabularyFacts() {
        assertEquals(50257, gpt2.vocabSize());
        assertEquals(EOS, gpt2.eosId());
        assertEquals(262, gpt2.tokenId("\u0120the").orElseThrow());
        assertEquals("\u0120the", gpt2.token(262));
        assertTrue(gpt2.isSpecial(EOS));
    }

    private static void assertSameIdsAs(Tokenizer expected, Tokenizer actual) {
        for (String text : adversarial) {
            assertArrayEquals(expected.encode(text), actual.encode(text), () -> escape(text));
            assertArrayEquals(expected.encode(text, SpecialTokens.ALLOWED), actual.encode(text, SpecialTokens.ALLOWED), () -> escape(text));
        }
        for (String text : gsm8k) assertArrayEquals(expected.encode(text), actual.encode(text), () -> escape(text));
    }

    /** Compares every text, then reports the number of mismatches and the first few. */
    private static void assertSameIds(List<String> texts, Function<String, int[]> encode, List<JsonNode> answers, String reference) {
        List<String> mismatches = new ArrayList<>();
        for (int i = 0; i < texts.size(); i++) {
            int[] ours = encode.apply(texts.get(i));
            int[] theirs = ids(answers.get(i).get(reference));
            if (!Arrays.equals(ours, theirs)) {
                mismatches.add(escape(texts.get(i)) + "\n   ours " + Arrays.toString(ours) + "\n   " + reference + " " + Arrays.toString(theirs));
            }
        }
        assertTrue(mismatches.isEmpty(), () -> mismatches.size() + " of " + texts.size() + " texts differ from " + reference + ":\n"
                + String.join("\n", mismatches.subList(0, Math.min(10, mismatches.size()))));
    }

    /** Random id sequences (mostly not valid UTF-8 once joined) and byte sequences at the edges of UTF-8. */
    private static List<int[]> decodeCases() {
        List<int[]> cases = new ArrayList<>();
        int[][] bytes = {{0xE2, 0x82, 0x41}, {0xED, 0xA0, 0x80}, {0xF0, 0x41}, {0xF4, 0x90, 0x80, 0x80}, {0xC0, 0xAF},
                {0xE0, 0x80, 0xAF}, {0xF0, 0x9F, 0x98}, {0xEF, 0xBB, 0xBF, 0x41}, {0xF0, 0x9F, 0x98, 0x80}, {0x80, 0xBF}, {0xFF, 0xC2}};
        for (int[] sequence : bytes) {
            cases.add(Arrays.stream(sequence).map(b -> gpt2.tokenId(String.valueOf(ByteLevelAlphabet.charOf(b))).orElseThrow()).toArray());
        }
        Random random = new Random(7);
        for (int i = 0; i < 1000; i++) cases.add(random.ints(1 + random.nextInt(8), 0, EOS + 1).toArray());
        return cases;
    }

    private static int[] ids(JsonNode array) {
        int[] ids = new int[array.size()];
        for (int i = 0; i < ids.length; i++) ids[i] = array.get(i).intValue();
        return ids;
    }

    private static String replaceLoneSurrogates(String text) {
        StringBuilder out = new StringBuilder(text.length());
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < text.length() && Character.isLowSurrogate(text.charAt(i + 1))) {
                out.append(c).append(text.charAt(++i));
            } else {
                out.append(Character.isSurrogate(c) ? Utf8.REPLACEMENT : c);
            }
        }
        return out.toString();
    }

    private static String escape(String text) {
        StringBuilder out = new StringBuilder("\"");
        text.chars().limit(200).forEach(c -> out.append(c >= 0x20 && c < 0x7F ? String.valueOf((char) c) : String.format("\\u%04X", c)));
        return out.append(text.length() > 200 ? "...\"" : "\"").toString();
    }
}
