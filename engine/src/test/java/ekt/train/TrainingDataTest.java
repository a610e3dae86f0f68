package ekt.train;

import ekt.sample.TextCodec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** JSONL records to token examples, and the error messages bad files get. */
class TrainingDataTest {

    static Path write(Path dir, String... lines) throws IOException {
        Path f = dir.resolve("train.jsonl");
        Files.write(f, List.of(lines));
        return f;
    }

    @Test
    void readsTokenAndTextRecordsAndSkipsBlankLines(@TempDir Path dir) throws IOException {
        Path f = write(dir, "{\"id\": \"a\", \"prompt_tokens\": [1, 2], \"completion_tokens\": [3]}", "",
                "{\"id\": \"b\", \"prompt\": \"# q\\n\", \"completion\": \"x\"}");
        List<TrainingExample> ex = TrainingData.read(f, TextCodec.utf8Bytes());
        assertEquals(2, ex.size());
        assertArrayEquals(new int[]{1, 2}, ex.get(0).prompt());
        assertArrayEquals(new int[]{3}, ex.get(0).completion());
        assertArrayEquals(new int[]{'#', ' ', 'q', '\n'}, ex.get(1).prompt());
        assertArrayEquals(new int[]{'x'}, ex.get(1).completion());
    }

    @Test
    void tokensMergedAcrossTheBoundaryStayWithTheCompletion() {
        // A codec that merges "ab" into one token: the whole text is encoded at once, and the
        // prompt keeps only the prefix that its own encoding agrees with.
        TextCodec merging = new TextCodec() {
            @Override
            public int[] encode(String s) {
                return s.replace("ab", "Z").chars().toArray();
            }

            @Override
            public String decode(int[] tokens) {
                return new String(tokens, 0, tokens.length).replace("Z", "ab");
            }
        };
        TrainingExample e = TrainingData.encode("x", "ca", "bd", merging);
        assertArrayEquals(new int[]{'c'}, e.prompt());
        assertArrayEquals(new int[]{'Z', 'd'}, e.completion());
    }

    @Test
    void errorsNameTheFileAndLine(@TempDir Path dir) throws IOException {
        Path f = write(dir, "{\"id\": \"a\", \"prompt_tokens\": [1], \"completion_tokens\": [2]}", "{\"id\": \"b\", \"prompt\": ");
        var e = assertThrows(IllegalArgumentException.class, () -> TrainingData.read(f, null));
        assertTrue(e.getMessage().startsWith(f + ":2: invalid JSON"), e.getMessage());

        Path g = write(dir, "{\"id\": \"a\", \"prompt_tokens\": [1, -4], \"completion_tokens\": [2]}");
        e = assertThrows(IllegalArgumentException.class, () -> TrainingData.read(g, null));
        assertTrue(e.getMessage().contains(":1: 'prompt_tokens'[1] is not a token id"), e.getMessage());

        Path h = write(dir, "{\"prompt\": \"a\", \"completion\": \"b\"}");
        e = assertThrows(IllegalArgumentException.class, () -> TrainingData.read(h, null));
        assertTrue(e.getMessage().contains(":1: missing string 'id'"), e.getMessage());

        Path t = write(dir, "{\"id\": 1, \"prompt\": \"a\", \"completion\": \"b\"}");
        e = assertThrows(IllegalArgumentException.class, () -> TrainingData.read(t, null));
        assertTrue(e.getMessage().contains(":1: text record but no tokenizer"), e.getMessage());

        Path empty = write(dir, "", "  ");
        e = assertThrows(IllegalArgumentException.class, () -> TrainingData.read(empty, null));
        assertTrue(e.getMessage().endsWith("no training examples"), e.getMessage());
    }
}
