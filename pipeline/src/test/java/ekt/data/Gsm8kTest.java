package ekt.data;

import ekt.records.DataException;
import ekt.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Gsm8kTest {
    @Test
    void parsesLabelsWithCommasAndNegatives() {
        assertEquals(1234, Gsm8k.parseLabel("so 1,000 + 234\n#### 1,234"));
        assertEquals(-5, Gsm8k.parseLabel("#### -5"));
        assertEquals(72, Gsm8k.parseLabel("Natalia sold 48/2 = <<48/2=24>>24 clips in May.\n#### 72"));
        assertThrows(IllegalArgumentException.class, () -> Gsm8k.parseLabel("no final answer"));
    }

    @Test
    void loadsTheOfficialFilesAndThePaperSplits() {
        List<DataException> errors = new ArrayList<>();
        List<Problem> train = Gsm8k.load(SharedData.require("data/gsm8k/train.jsonl"), "train-", errors::add);
        List<Problem> test = Gsm8k.load(SharedData.require("data/gsm8k/test.jsonl"), "test-", errors::add);
        assertTrue(errors.isEmpty(), errors.toString());
        assertEquals(7473, train.size());
        assertEquals(1319, test.size());
        // paper.md §1: all 8792 answers parse as integers; 5 are negative.
        long negatives = java.util.stream.Stream.concat(train.stream(), test.stream()).filter(p -> p.answer() < 0).count();
        assertEquals(5, negatives);
        assertTrue(train.stream().allMatch(p -> p.answer() == Math.rint(p.answer())));
        assertEquals(72, train.get(0).answer());
        assertTrue(test.get(0).question().startsWith("Janet"));

        Gsm8k.Splits s = Gsm8k.split(train, Gsm8k.readIndices(SharedData.require("data/ekt-paper/dev_idxs.json")));
        assertEquals(500, s.dev().size());
        assertEquals(6973, s.train().size());
        assertEquals(7, s.dev().get(0).index());
    }

    @Test
    void malformedLinesAreReportedWithFileAndLineAndTheRestIsKept(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("p.jsonl");
        Files.writeString(f, String.join("\n",
                "{\"id\": \"a\", \"question\": \"q1\", \"answer\": 3}",
                "{\"question\": \"q2\", \"answer\": ",
                "[1, 2]",
                "{\"id\": \"d\", \"answer\": 4}",
                "{\"id\": \"e\", \"question\": \"q5\", \"answer\": \"no marker\"}",
                "",
                "{\"id\": \"f\", \"question\": \"q6\", \"answer\": \"#### 1,200\"}"));
        List<DataException> errors = new ArrayList<>();
        List<Problem> ok = Gsm8k.load(f, "p-", errors::add);
        assertEquals(List.of("a", "f"), ok.stream().map(Problem::id).toList());
        assertEquals(1200, ok.get(1).answer());
        assertEquals(List.of(2L, 3L, 4L, 5L), errors.stream().map(DataException::line).toList());
        assertTrue(errors.get(0).getMessage().startsWith(f + ":2: invalid JSON"), errors.get(0).getMessage());
        assertTrue(errors.get(2).getMessage().contains("missing field 'question'"));
        assertTrue(errors.get(3).getMessage().contains("field 'answer'"));
    }
}
