package ekt.sample;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Prompt token ids are taken as written: integers >= 0, never rounded or parsed from text. */
class SamplePromptsTest {
    @Test
    void tokenIdsMustBeNonNegativeIntegers(@TempDir Path dir) throws IOException {
        Path good = Files.writeString(dir.resolve("good.jsonl"), "{\"id\": \"a\", \"tokens\": [3, 1, 4]}\n");
        assertArrayEquals(new int[] {3, 1, 4}, SampleRecords.readPrompts(good).get(0).tokens());
        String[][] cases = {{"[1.5]", "\"tokens\"[0] must be a token id (an integer >= 0), got 1.5"},
                {"[2, \"7\"]", "\"tokens\"[1] must be a token id (an integer >= 0), got \"7\""},
                {"[-1]", "\"tokens\"[0] must be a token id (an integer >= 0), got -1"},
                {"[4294967296]", "got 4294967296"},
                {"5", "\"tokens\" must be a list of token ids, got 5"}};
        for (String[] c : cases) {
            Path bad = Files.writeString(dir.resolve("bad.jsonl"), "\n{\"id\": \"a\", \"tokens\": " + c[0] + "}\n");
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SampleRecords.readPrompts(bad));
            assertTrue(e.getMessage().startsWith(bad + ":2: bad prompt record: ") && e.getMessage().contains(c[1]), e.getMessage());
        }
    }
}
