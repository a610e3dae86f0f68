package ekt.pipeline;

import ekt.testing.SharedData;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A config is validated whole when it is loaded, and fails naming the field and why. */
class ConfigCheckTest {
    private static final String MINIMAL = "data: {train: t.jsonl, test: s.jsonl}\nstudent: {model: student}\n";

    @Test
    void everyPaperConfigValidatesAndNamesOnlyItsMissingCheckpoints() throws IOException {
        List<Path> files;
        try (Stream<Path> s = Files.list(RunConfigTest.examples())) {
            files = s.filter(p -> p.toString().endsWith(".yaml")).sorted().toList();
        }
        assertEquals(6, files.size());
        for (Path f : files) {
            RunConfig c = RunConfig.load(f);  // throws on any structural problem
            assertEquals(List.of(), ConfigCheck.structure(c), f.toString());
            assertEquals(f.getFileName().toString().startsWith("codex") ? 0 : 756, c.prompt().teacherMaxTokens(), f.toString());
            assertEquals(400, c.prompt().studentMaxTokens());
            assertEquals(10, c.student().evalEveryEpochs());
            assertEquals("final", c.student().checkpoint());
            assertEquals(List.of(275, 4, 1, 1, 10), List.of(c.ei().maxLength(), c.ei().epochs(), c.ei().batch(), c.ei().accum(), c.ei().rounds()));
            assertEquals(5e-5, c.ei().lr());
        }
        Assumptions.assumeTrue(Files.isDirectory(SharedData.dir().resolve("data/gsm8k")), "skipped: shared GSM8k data absent");
        for (Path f : files) {
            // data, dev indices and prompt files exist; only the model checkpoints users provide are missing
            for (String problem : ConfigCheck.paths(RunConfig.load(f), f.getParent()))
                assertTrue(problem.startsWith("student.model: no model directory") || problem.startsWith("teacher.model: no model directory"),
                        f + ": " + problem);
        }
    }

    @Test
    void kdWithAnHttpTeacherAndNoCheckpointFailsAtLoad(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("codex-kd.yaml");
        Files.writeString(f, Files.readString(RunConfigTest.examples().resolve("codex-to-neo125M.yaml"))
                .replace("methods: [ekt, ei, fewshot_teacher, fewshot_student]", "methods: [ekt, kd]"));
        String m = assertThrows(IllegalArgumentException.class, () -> RunConfig.load(f)).getMessage();
        assertTrue(m.contains(f.toString()) && m.contains("kd.teacher: method kd needs the teacher's token distributions")
                && m.contains("teacher.kind http"), m);
        Files.writeString(f, Files.readString(f) + "kd: {teacher: checkpoints/gpt-j-6B}\n");
        assertEquals(List.of("ekt", "kd"), RunConfig.load(f).methods());  // a checkpoint for the logits makes it valid
    }

    @Test
    void eachMissingRequirementIsNamed(@TempDir Path dir) throws IOException {
        assertFails(dir, "", "the file is empty");
        assertFails(dir, "null\n", "the file is empty");
        assertFails(dir, "data: {train: t.jsonl, test: s.jsonl}\nteacher: {kind: replay, replay_file: r.jsonl}\n", "student: missing");
        assertFails(dir, MINIMAL + "teacher: {kind: engine}\n", "teacher.model: missing");
        assertFails(dir, MINIMAL + "teacher: {kind: http, api_model: m}\n", "teacher.url: missing");
        assertFails(dir, MINIMAL + "teacher: {kind: http, api_model: m, url: 'ftp://x'}\n", "teacher.url: needs an http(s) URL");
        assertFails(dir, MINIMAL + "teacher: {kind: replay}\n", "teacher.replay_file: missing");
        assertFails(dir, MINIMAL + "teacher: {kind: carrier-pigeon}\n", "teacher.kind: unknown value 'carrier-pigeon'");
        String replay = "teacher: {kind: replay, replay_file: r.jsonl}\n";
        assertFails(dir, MINIMAL + replay + "execution: {checker: fuzzy}\n", "execution.checker: unknown value 'fuzzy' (one of paper, strict)");
        assertFails(dir, MINIMAL + replay + "methods: [ekt, dpo]\n", "methods: unknown method 'dpo'");
        assertFails(dir, MINIMAL + replay + "methods: []\n", "methods: empty");
        assertFails(dir, MINIMAL + replay + "prompt: {teacher_max_tokens: -1}\n", "prompt.teacher_max_tokens: must be >= 0, got -1");
        assertFails(dir, "data: {train: t.jsonl, test: s.jsonl}\nstudent: {model: s, checkpoint: best_dev}\n" + replay,
                "student.checkpoint: best_dev needs a dev split (data.dev_indices)");
        assertFails(dir, "data: {train: t.jsonl, test: s.jsonl}\nstudent: {model: s, checkpoint: newest}\n" + replay,
                "student.checkpoint: unknown value 'newest' (one of final, best-dev)");
        // every problem at once, one per line
        String both = assertFails(dir, MINIMAL + "teacher: {kind: engine, n: 0}\nselection: {policy: best}\n", "teacher.model: missing");
        assertTrue(both.contains("\n  teacher.n: must be >= 1, got 0") && both.contains("\n  selection.policy: unknown value 'best'"), both);
    }

    @Test
    void missingFilesFailBeforeAnyStageRuns(@TempDir Path dir) throws IOException {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, MINIMAL + "teacher: {kind: replay, replay_file: r.jsonl}\nprompt: {few_shot_file: p.txt}\nmethods: [ekt, kd]\n"
                + "kd: {teacher: kd-teacher}\n");
        RunConfig c = RunConfig.load(f);
        Path runDir = dir.resolve("run");
        String m = assertThrows(IllegalArgumentException.class, () -> new Experiment(c, dir, runDir)).getMessage();
        for (String field : List.of("data.train: no such file " + dir.resolve("t.jsonl"), "data.test: no such file", "prompt.few_shot_file: no such file",
                "teacher.replay_file: no such file", "student.model: no model directory (config.json) at " + dir.resolve("student"),
                "kd.teacher: no model directory (config.json) at " + dir.resolve("kd-teacher")))
            assertTrue(m.contains(field), field + " in:\n" + m);
        assertFalse(Files.exists(runDir), "no run directory is made for an invalid config");
    }

    private static String assertFails(Path dir, String yaml, String expected) throws IOException {
        Path f = dir.resolve("c.yaml");
        Files.writeString(f, yaml);
        String m = assertThrows(IllegalArgumentException.class, () -> RunConfig.load(f), yaml).getMessage();
        assertTrue(m.contains(f.toString()) && m.contains(expected), "expected '" + expected + "' in:\n" + m);
        return m;
    }
}
