package ekt.pipeline;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RunConfigTest {
    static Path examples() {
        return Path.of(System.getProperty("ekt.repo.dir", ".."), "examples/paper");
    }

    @Test
    void thePapersSixPairsLoadWithThePapersHyperparameters() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(examples())) {
            files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertEquals(6, files.size());
        for (Path f : files) {
            RunConfig c = RunConfig.load(f);
            assertEquals(140, c.student().epochs(), f.toString());
            assertEquals(1e-4, c.student().lr());
            assertEquals(32, c.student().batch() * c.student().accum(), "effective batch 32 in " + f);
            assertEquals(400, c.student().maxLength());
            assertEquals("all", c.student().mask());
            assertEquals(0.6, c.teacher().temperature());
            assertEquals(150, c.teacher().maxNewTokens());
            assertEquals("first", c.selection().policy());
            assertEquals("paper", c.execution().checker());
            assertEquals(List.of(1, 10, 100), c.evaluation().k());
        }
    }

    @Test
    void defaultsAndErrors(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("c.json");
        Files.writeString(f, "{\"data\": {\"train\": \"t.jsonl\", \"test\": \"s.jsonl\"}, \"teacher\": {\"kind\": \"replay\", \"replay_file\": \"r.jsonl\"}, "
                + "\"student\": {\"model\": \"s\"}, \"methods\": [\"ekt\"]}");
        RunConfig c = RunConfig.load(f);
        assertEquals(100, c.teacher().n());
        assertEquals(50, c.teacher().topK());
        assertEquals("\nanswer.*?\n", c.prompt().truncation());
        assertEquals("replay", c.toJson().get("teacher").get("kind").asText());
        Files.writeString(f, "{\"data\": {\"train\": \"t\"}, \"teacher\": {}, \"bogus\": 1}");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> RunConfig.load(f));
        assertTrue(e.getMessage().contains("bogus") && e.getMessage().contains(f.toString()), e.getMessage());
    }

    @Test
    void builderMakesWhatTheSameYamlMakes(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, "data: {train: t.jsonl, test: s.jsonl}\nteacher: {kind: engine, model: teacher}\nstudent: {model: student}\n"
                + "methods: [ekt, kd]\nselection: {policy: distinct, max_per_problem: 4}\n");
        RunConfig built = RunConfig.builder("t.jsonl", "s.jsonl").engineTeacher("teacher").student("student").methods("ekt", "kd")
                .selection(new RunConfig.SelectionConfig("distinct", 4)).build();
        assertEquals(RunConfig.load(f).toJson(), built.toJson());
        assertEquals(140, built.student().epochs());
    }

    @Test
    void withSeedChangesOnlyTheSeedsAndKComesFromTheConfig() throws IOException {
        RunConfig c = RunConfig.load(examples().resolve("gptj-to-neo1.3B.yaml"));
        RunConfig s = c.withSeed(7);
        assertEquals(7L, s.teacher().seed());
        assertEquals(7L, s.student().seed());
        assertEquals(7L, s.evaluation().seed());
        var a = (com.fasterxml.jackson.databind.node.ObjectNode) c.toJson();
        var b = (com.fasterxml.jackson.databind.node.ObjectNode) s.toJson();
        for (String part : List.of("teacher", "student", "evaluation")) {
            ((com.fasterxml.jackson.databind.node.ObjectNode) a.get(part)).remove("seed");
            ((com.fasterxml.jackson.databind.node.ObjectNode) b.get(part)).remove("seed");
        }
        assertEquals(a, b, "nothing but the seeds differs");
        assertTrue(!c.toJson().get("evaluation").has("ks"), "the derived k array is not part of the config");
        RunConfig.Evaluation e = RunConfig.Evaluation.builder().k(4, 1, 4).build();
        assertEquals(List.of(1, 4), java.util.Arrays.stream(e.ks()).boxed().toList());
        assertThrows(IllegalArgumentException.class, () -> RunConfig.Evaluation.builder().k(0).build());
    }
}
