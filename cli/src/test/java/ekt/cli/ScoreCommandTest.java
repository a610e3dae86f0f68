package ekt.cli;

import ekt.records.Json;
import com.fasterxml.jackson.databind.JsonNode;
import ekt.data.Gsm8k;
import ekt.records.Jsonl;
import ekt.data.Problem;
import ekt.exec.AnswerChecker;
import ekt.exec.ExecConfig;
import ekt.exec.ExecutorPool;
import ekt.pipeline.EvaluateStage;
import ekt.pipeline.Prompts;
import ekt.pipeline.RunConfig;
import ekt.pipeline.RunDirectory;
import ekt.pipeline.teacher.ReplayCompleter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code ekt score} on execution records gives the evaluation stage's numbers on the same records
 * and the paper's pass@k formula on hand-computed cases; problems with fewer than k samples make
 * pass@k "not available", never a silent score.
 */
class ScoreCommandTest {
    private static final String RIGHT = "\nanswer = 6.0\n", WRONG = "\nanswer = 5.0\n";
    /** Per problem, its samples in order (label 6): p0 2 of 5 right, p1 none, p2 all, p3 1 of 3. */
    private static final Map<String, List<String>> SAMPLES = Map.of(
            "p0", List.of(WRONG, RIGHT, WRONG, RIGHT, WRONG),
            "p1", List.of(WRONG, WRONG, WRONG, WRONG, WRONG),
            "p2", List.of(RIGHT, RIGHT, RIGHT, RIGHT, RIGHT),
            "p3", List.of(RIGHT, WRONG, WRONG));

    @Test
    void scoresRecordsExactlyAsTheEvaluationStageAndThePapersFormula(@TempDir Path dir) throws IOException {
        Path problemsFile = dir.resolve("test.jsonl"), replay = dir.resolve("samples.jsonl");
        List<String> problemLines = new ArrayList<>(), sampleLines = new ArrayList<>();
        for (String id : List.of("p0", "p1", "p2", "p3")) {
            problemLines.add("{\"id\": \"" + id + "\", \"question\": \"q " + id + "\", \"answer\": 6}");
            List<String> s = SAMPLES.get(id);
            for (int i = 0; i < s.size(); i++)
                sampleLines.add(Json.line(Json.object().put("id", id).put("sample", i).put("text", s.get(i))));
        }
        Files.write(problemsFile, problemLines);
        Files.write(replay, sampleLines);
        List<Problem> problems = Gsm8k.load(problemsFile, "test-", e -> { throw e; });

        // the pipeline's evaluation stage: greedy = the replay's sample 0, n = 5 samples
        RunDirectory run = RunDirectory.open(dir.resolve("run"), Json.object().put("test", "score"), Map.of());
        RunConfig.Evaluation eval = RunConfig.Evaluation.builder().n(5).temperature(0.6).topK(50).maxNewTokens(150).greedy(true).k(1, 10, 100).seed(1).build();
        EvaluateStage.Result staged;
        try (ExecutorPool pool = ExecutorPool.start(ExecConfig.defaults().withWorkers(1).withChecker(AnswerChecker.PAPER))) {
            staged = EvaluateStage.run(run, "m", new ReplayCompleter(replay, "test-", e -> { throw e; }), problems,
                    p -> Prompts.question(p.question()), eval, Prompts.zeroShot(), pool, 2);
        }
        Path sampled = concat(run.stageDir("m-samples-exec"), dir.resolve("sampled.jsonl"));
        Path greedy = concat(run.stageDir("m-greedy-exec"), dir.resolve("greedy.jsonl"));

        Path csv = dir.resolve("per_problem.csv");
        JsonNode all = json(cli("score", "--exec", sampled.toString(), "--greedy", greedy.toString(), "--csv", csv.toString(), "--json"));
        assertEquals(Files.readString(run.root().resolve("m-scores.csv")), Files.readString(csv), "the stage's per-problem CSV");
        assertEquals(staged.scores().greedyPass1(), all.get("greedy_pass1").asDouble());
        assertEquals(staged.scores().passAt(1), all.at("/pass_at_k/1/value").asDouble());
        assertTrue(all.at("/pass_at_k/10/value").isNull() && Double.isNaN(staged.scores().passAt(10)));

        // by hand: pass@k = 1 - C(n-c, k) / C(n, k) per problem, averaged
        JsonNode hand = json(cli("score", "--exec", sampled.toString(), "--greedy", greedy.toString(), "--k", "1,2,5", "--json"));
        assertEquals(4, hand.get("problems").asInt());
        assertEquals(18, hand.get("samples").asInt());
        assertEquals(2 / 4.0, hand.get("greedy_pass1").asDouble(), 1e-12);                           // p2, p3
        assertEquals((0.4 + 0 + 1 + 1 / 3.0) / 4, hand.at("/pass_at_k/1/value").asDouble(), 1e-12);
        assertEquals((1 - 3 / 10.0 + 0 + 1 + (1 - 1 / 3.0)) / 4, hand.at("/pass_at_k/2/value").asDouble(), 1e-12);
        assertTrue(hand.at("/pass_at_k/5/value").isNull(), "p3 has 3 samples: pass@5 is not available");
        assertEquals(1, hand.at("/pass_at_k/5/problems_with_fewer_samples").asInt());

        String text = cli("score", "--exec", sampled.toString(), "--k", "1,5");
        assertTrue(text.contains("greedy pass@1: n/a (no --greedy records)") && text.contains("pass@1: 43.33%")
                && text.contains("pass@5: n/a (1 problems have fewer than 5 samples)"), text);
    }

    @Test
    void execDefaultsToThePapersCheckerAndTruncatesLikeThePipeline(@TempDir Path dir) throws IOException {
        Path in = dir.resolve("raw.jsonl"), out = dir.resolve("results.jsonl");
        Files.write(in, List.of(
                "{\"id\": \"a\", \"sample\": 0, \"program\": \"\\nanswer = 6.0\\n\\n# another question\\nanswer = 5.0\\n\", \"answer\": 6}",
                "{\"id\": \"a\", \"sample\": 1, \"program\": \"\\nanswer = 6\\n\", \"answer\": 6}",
                "{\"id\": \"a\", \"sample\": 2, \"program\": \"\\nansw<|endoftext|>er = 6.0\\nanswer = 7.0\", \"answer\": 6}"));
        assertEquals(0, Main.run("exec", "--in", in.toString(), "--out", out.toString(), "--workers", "1", "--truncate", "paper"));
        Map<Integer, Boolean> correct = new java.util.HashMap<>();
        for (Jsonl.Line l : Jsonl.readStrict(out)) correct.put(l.value().get("sample").asInt(), l.value().get("correct").asBoolean());
        assertEquals(Map.of(0, true, 1, false, 2, true), correct, "cut after the first answer line, EOS removed; an int is wrong (paper)");
        assertEquals(0, Main.run("exec", "--in", in.toString(), "--out", out.toString(), "--workers", "1", "--checker", "strict", "--overwrite"));
        correct.clear();
        for (Jsonl.Line l : Jsonl.readStrict(out)) correct.put(l.value().get("sample").asInt(), l.value().get("correct").asBoolean());
        assertEquals(Map.of(0, false, 1, true, 2, false), correct, "untruncated, the last assignment wins; strict accepts the int");
    }

    private static Path concat(Path stageDir, Path file) throws IOException {
        List<String> lines = new ArrayList<>();
        try (Stream<Path> parts = Files.list(stageDir)) {
            for (Path p : parts.filter(p -> p.toString().endsWith(".jsonl")).sorted().toList()) lines.addAll(Files.readAllLines(p));
        }
        return Files.write(file, lines);
    }

    private static String cli(String... args) {
        PrintStream saved = System.out;
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        System.setOut(new PrintStream(buf, true, StandardCharsets.UTF_8));
        try {
            assertEquals(0, Main.run(args), String.join(" ", args));
            return buf.toString(StandardCharsets.UTF_8);
        } finally {
            System.setOut(saved);
        }
    }

    private static JsonNode json(String text) throws IOException {
        return Json.MAPPER.readTree(text);
    }
}
