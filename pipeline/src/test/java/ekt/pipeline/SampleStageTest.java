package ekt.pipeline;

import ekt.records.Json;
import com.fasterxml.jackson.databind.JsonNode;
import ekt.data.Problem;
import ekt.pipeline.teacher.Completion;
import ekt.pipeline.teacher.PromptRequest;
import ekt.pipeline.teacher.SamplingSpec;
import ekt.pipeline.teacher.Teacher;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A killed sample stage resumes without redoing finished parts and without losing them. */
class SampleStageTest {
    /** Answers "<id>/<sample>"; dies once when it reaches prompt {@code dieAt}. */
    static final class ScriptedTeacher implements Teacher {
        final List<String> calls = new ArrayList<>();
        String dieAt;

        @Override
        public String describe() {
            return "scripted";
        }

        @Override
        public void sample(List<PromptRequest> prompts, SamplingSpec spec, Consumer<Completion> sink) {
            for (PromptRequest p : prompts) {
                calls.add(p.id());
                if (p.id().equals(dieAt)) {
                    dieAt = null;
                    throw new IllegalStateException("killed");
                }
                for (int j = spec.n() - 1; j >= 0; j--) sink.accept(new Completion(p.id(), j, p.prompt() + "/" + j, new int[]{j}, "eos", -j));
            }
        }
    }

    @Test
    void resumesAfterAFailureMidStage(@TempDir Path dir) throws Exception {
        List<Problem> problems = new ArrayList<>();
        for (int i = 0; i < 10; i++) problems.add(new Problem("p" + i, i, "q" + i, i));
        RunDirectory run = RunDirectory.open(dir, Json.object().put("x", 1), Map.of("ekt", "test"));
        ScriptedTeacher teacher = new ScriptedTeacher();
        teacher.dieAt = "p7";
        SamplingSpec spec = new SamplingSpec(3, 0.6, 0, 1, 10, List.of(), 1);
        assertThrows(IllegalStateException.class, () -> SampleStage.run(run, "sample", teacher, problems, Problem::question, spec, 3));
        assertEquals(RunDirectory.Status.RUNNING, run.status("sample"));
        assertTrue(Files.exists(dir.resolve("sample/part-00001.jsonl")));
        assertTrue(!Files.exists(dir.resolve("sample/part-00002.jsonl")));

        teacher.calls.clear();
        RunDirectory again = RunDirectory.open(dir, Json.object().put("x", 1), Map.of("ekt", "test"));
        SampleStage.run(again, "sample", teacher, problems, Problem::question, spec, 3);
        assertEquals(List.of("p6", "p7", "p8", "p9"), teacher.calls, "only the unfinished chunks are sampled again");
        assertEquals(RunDirectory.Status.DONE, again.status("sample"));
        List<JsonNode> all = new Parts(dir.resolve("sample")).readAll();
        assertEquals(30, all.size());
        for (int i = 0; i < 30; i++) {
            assertEquals("p" + i / 3, all.get(i).get("id").asText());
            assertEquals(i % 3, all.get(i).get("sample").asInt(), "records are in (problem, sample) order");
        }
        assertEquals(30, again.counts("sample").get("samples").asInt());
        // a run directory refuses a different config
        assertThrows(IllegalStateException.class, () -> RunDirectory.open(dir, Json.object().put("x", 2), Map.of()));
    }
}
