package ekt.tokenizer;

import ekt.records.Json;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ekt.tokenizer.Tokenizer.SpecialTokens;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each malformed file is refused with a message naming the file and the bad entry. */
class TokenizerFileErrorsTest {

    @TempDir
    Path dir;
    private Path file;

    @BeforeEach
    void writeValidFile() {
        ByteLevelBpe.smallVocabulary().save(dir);
        file = dir.resolve(Tokenizer.TOKENIZER_JSON);
    }

    @Test
    void aValidFileWithMergesLoads() throws IOException {
        edit(root -> {
            vocab(root).put("ab", 258);
            merges(root).addArray().add("a").add("b");
        });
        assertArrayEquals(new int[] {258, 'c'}, Tokenizer.load(dir).encode("abc"));
    }

    /** tokenizer.json's use_regex: false merges across what GPT-2's pattern would split. */
    @Test
    void aFileWithoutRegexSplittingMergesAcrossPieces() throws IOException {
        edit(root -> {
            vocab(root).put("b\u0120", 258);
            merges(root).add("b \u0120");
        });
        assertArrayEquals(new int[] {'a', 'b', ' ', 'a', 'b'}, Tokenizer.load(dir).encode("ab ab"));
        edit(root -> ((ObjectNode) root.get("pre_tokenizer")).put("use_regex", false));
        Tokenizer unsplit = Tokenizer.load(dir);
        assertArrayEquals(new int[] {'a', 258, 'a', 'b'}, unsplit.encode("ab ab"));
        assertArrayEquals(new int[] {'a', 256}, unsplit.encode("a<|endoftext|>", SpecialTokens.ALLOWED));
        assertArrayEquals(new int[0], unsplit.encode(""));
    }

    @Test
    void invalidJson() throws IOException {
        Files.writeString(file, "{\"model\": {\"vocab\": {\"a\": 1,,}}}");
        assertRefused("not valid JSON", "line 1");
    }

    @Test
    void unsupportedModelType() throws IOException {
        edit(root -> ((ObjectNode) root.get("model")).put("type", "WordPiece"));
        assertRefused("model.type", "WordPiece");
    }

    @Test
    void mergeThatIsNotAPair() throws IOException {
        edit(root -> merges(root).add("a b c"));
        assertRefused("model.merges[0]", "a b c");
    }

    @Test
    void mergeOfUnknownSymbol() throws IOException {
        edit(root -> merges(root).addArray().add("a").add("zz"));
        assertRefused("model.merges[0]", "symbol 'zz'");
    }

    @Test
    void mergeIntoUnknownToken() throws IOException {
        edit(root -> {
            vocab(root).put("ab", 258);
            merges(root).add("a b").add("b c");
        });
        assertRefused("model.merges[1]", "'bc' is not in the vocabulary");
    }

    @Test
    void nonIntegerId() throws IOException {
        edit(root -> vocab(root).put("ab", "258"));
        assertRefused("model.vocab[\"ab\"]", "not an integer");
    }

    @Test
    void duplicateId() throws IOException {
        edit(root -> vocab(root).put("ab", 97));
        assertRefused("model.vocab[\"ab\"]", "id 97 already names 'a'");
    }

    @Test
    void addedTokenContradictingTheVocabulary() throws IOException {
        edit(root -> ((ObjectNode) root.withArray("added_tokens").get(0)).put("id", 65));
        assertRefused("added_tokens[0]", "id 65 is 'A'");
    }

    @Test
    void addedTokenWithUnsupportedStripping() throws IOException {
        edit(root -> ((ObjectNode) root.withArray("added_tokens").get(1)).put("lstrip", true));
        assertRefused("added_tokens[1].lstrip", "not supported");
    }

    @Test
    void missingByteSymbol() throws IOException {
        edit(root -> vocab(root).remove("\u0120"));
        assertRefused("byte 0x20");
    }

    @Test
    void missingEndOfText() throws IOException {
        edit(root -> root.withArray("added_tokens").remove(0));
        assertRefused("no special token <|endoftext|>");
    }

    @Test
    void normalizerThatWouldChangeIds() throws IOException {
        edit(root -> root.putObject("normalizer").put("type", "NFC"));
        assertRefused("normalizer", "NFC");
    }

    @Test
    void badVocabJsonAndMergesTxt() throws IOException {
        Files.delete(file);
        Path vocab = dir.resolve("vocab.json");
        Path merges = dir.resolve("merges.txt");
        ObjectNode entries = Json.MAPPER.createObjectNode();
        for (int b = 0; b < 256; b++) entries.put(String.valueOf(ByteLevelAlphabet.charOf(b)), b);
        entries.put("ab", 256).put(Tokenizer.END_OF_TEXT, 257);
        Json.MAPPER.writeValue(vocab.toFile(), entries);
        Files.writeString(merges, "#version: 0.2\na b\n");
        assertArrayEquals(new int[] {256, 257}, Tokenizer.load(dir).encode("ab<|endoftext|>", SpecialTokens.ALLOWED));

        Files.writeString(merges, "#version: 0.2\na b\nab\n");
        assertRefused(merges, "line 3", "'ab'");
        Files.writeString(vocab, "[1, 2]");
        assertRefused(vocab, "top level", "JSON object");
        Files.writeString(vocab, "{\"a\": 0, \"b\": 1.5}");
        assertRefused(vocab, "entry \"b\"", "not an integer");
    }

    @Test
    void directoryWithoutTokenizerFiles() throws IOException {
        Files.delete(file);
        TokenizerException e = assertThrows(TokenizerException.class, () -> Tokenizer.load(dir));
        assertTrue(e.getMessage().contains(dir.toString()) && e.getMessage().contains("vocab.json"), e.getMessage());
    }

    private void edit(Consumer<ObjectNode> change) throws IOException {
        ObjectNode root = (ObjectNode) Json.MAPPER.readTree(file.toFile());
        change.accept(root);
        Json.MAPPER.writeValue(file.toFile(), root);
    }

    private static ObjectNode vocab(ObjectNode root) {
        return (ObjectNode) root.get("model").get("vocab");
    }

    private static com.fasterxml.jackson.databind.node.ArrayNode merges(ObjectNode root) {
        return (com.fasterxml.jackson.databind.node.ArrayNode) root.get("model").get("merges");
    }

    private void assertRefused(String... fragments) {
        assertRefused(file, fragments);
    }

    private void assertRefused(Path expectedFile, String... fragments) {
        TokenizerException e = assertThrows(TokenizerException.class, () -> Tokenizer.load(dir));
        assertTrue(e.getMessage().startsWith(expectedFile + ": "), e.getMessage());
        for (String fragment : fragments) assertTrue(e.getMessage().contains(fragment), () -> "'" + fragment + "' not in: " + e.getMessage());
    }
}
