package ekt.pipeline;

import ekt.records.Json;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ekt.demo.WordProblems;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Only the requested methods' stages run: a student-only experiment neither samples, executes nor
 * selects the teacher's programs.
 */
class RequestedMethodsTest {
    @Test
    void aStudentOnlyRunLeavesTheTeacherAlone(@TempDir Path dir) throws Exception {
        List<WordProblems.Generated> all = WordProblems.generate(13, 8, Set.of());
        DevMonitorTest.writeProblems(dir.resolve("train.jsonl"), all.subList(0, 4));
        DevMonitorTest.writeProblems(dir.resolve("test.jsonl"), all.subList(4, 8));
        DevMonitorTest.tinyStudent(dir.resolve("student"), all);
        ObjectNode c = Json.object().put("name", "student only");
        c.putObject("data").put("train", "train.jsonl").put("test", "test.jsonl");
        List<String> replay = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++)
            replay.add(Json.line(Json.object().put("id", "train-" + i).put("sample", 0).put("text", "\n" + all.get(i).program())));
        Files.write(dir.resolve("replay.jsonl"), replay);
        c.putObject("teacher").put("kind", "replay").put("replay_file", "replay.jsonl").put("n", 1);
        c.putObject("student").put("model", "student");
        c.putObject("execution").put("workers", 1);
        c.putObject("evaluation").put("n", 1).put("max_new_tokens", 20).putArray("k").add(1);
        c.putArray("methods").add("zeroshot_student");
        Path config = dir.resolve("config.json"), runDir = dir.resolve("run");
        Files.writeString(config, c.toPrettyString());

        String report = new Experiment(RunConfig.load(config), dir, runDir).run();

        assertTrue(report.contains("student (zero-shot)"), report);
        JsonNode stages = Json.MAPPER.readTree(runDir.resolve("manifest.json").toFile()).path("stages");
        for (String teacherStage : List.of("teacher-samples", "teacher-exec", "select"))
            assertFalse(stages.has(teacherStage), teacherStage + " ran for a student-only run: " + stages);
        assertFalse(Files.exists(runDir.resolve("teacher-samples")));
        List<String> studentStages = new java.util.ArrayList<>();
        stages.fieldNames().forEachRemaining(s -> {
            if (s.startsWith("zeroshot_student")) studentStages.add(s);
        });
        assertFalse(studentStages.isEmpty(), "the student's own stages ran: " + stages);
        for (String s : studentStages) assertEquals("done", stages.path(s).path("status").asText(), s + " in " + stages);
    }
}
