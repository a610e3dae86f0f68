package ekt.pipeline;

import ekt.records.Json;
import com.fasterxml.jackson.databind.JsonNode;
import ekt.testing.Ranks;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ekt run} of the reduced demo's experiment as two ranks (separate JVMs, Gloo on
 * 127.0.0.1): sampling and execution split by part, training data parallel, and the merged
 * result is the one-process run's: the same samples, selection, per-problem scores and report
 * table. The one-process run uses two core threads, so its trainer splits each batch over two
 * workers exactly as the two single-threaded ranks split it; the results are then bit-identical.
 */
class ShardedRunTest {

    @Test
    void twoRanksGiveTheOneProcessResults(@TempDir Path dir) throws Exception {
        Path demo = dir.resolve("demo"), sharded = dir.resolve("sharded"), logs = dir.resolve("logs");
        Ranks.start(1, logs, "one", Map.of("EKT_THREADS", "2"), "demo", "--reduced", "--seed", "3", "--out", demo.toString()).succeed(900);
        Path one = demo.resolve("experiment");
        Ranks.Job job = Ranks.start(2, logs, "two", Map.of(), "run", "--config", demo.resolve("experiment.json").toString(),
                "--out", sharded.toString());
        job.succeed(900);

        // Each rank wrote its own parts of the teacher's stages.
        assertEquals(2, Files.list(sharded.resolve("teacher-samples")).count());
        for (String stage : List.of("teacher-samples", "teacher-exec"))
            for (Path part : files(one.resolve(stage), ".jsonl"))
                assertEquals(Files.readString(part), Files.readString(sharded.resolve(stage).resolve(part.getFileName())), stage + "/" + part.getFileName());
        assertEquals(Files.readString(one.resolve("select/train.jsonl")), Files.readString(sharded.resolve("select/train.jsonl")));
        List<Path> csvs = files(one, ".csv");
        assertFalse(csvs.isEmpty());
        for (Path csv : csvs)
            assertEquals(Files.readString(csv), Files.readString(sharded.resolve(csv.getFileName())), csv.getFileName().toString());
        assertEquals(table(one.resolve("report.md")), table(sharded.resolve("report.md")));

        // Rank 0 wrote the manifest, with every stage done; rank 1 says so and wrote no report.
        JsonNode stages = Json.MAPPER.readTree(sharded.resolve("manifest.json").toFile()).get("stages");
        stages.fields().forEachRemaining(s -> assertEquals("done", s.getValue().get("status").asText(), s.getKey()));
        assertTrue(job.log(1).contains("rank 1 of 2: done; rank 0 writes the report"), job.log(1));
    }

    /** The tables of a report (rows start with '|') up to the timing table, whose wall times differ from run to run. */
    private static List<String> table(Path report) throws IOException {
        return Files.readAllLines(report).stream().takeWhile(l -> !l.startsWith("| stage | wall time")).filter(l -> l.startsWith("|")).toList();
    }

    private static List<Path> files(Path dir, String suffix) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(suffix)).sorted().toList();
        }
    }
}
