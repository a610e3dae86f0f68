package ekt.pipeline;

import ekt.records.Json;
import ekt.core.Finish;
import ekt.core.SamplingOptions;
import ekt.data.Problem;
import ekt.records.DataException;
import ekt.sample.Completer;
import ekt.sample.SamplePrompt;
import ekt.sample.SampleRecord;
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
    static final class ScriptedTeacher implements Completer {
        final List<String> calls = new ArrayList<>();
        String dieAt;

        @Override
        public String describe() {
            return "scripted";
        }

        @Override
        public void complete(List<SamplePrompt> prompts, SamplingOptions spec, Consumer<SampleRecord> sink) {
            for (SamplePrompt p : prompts) {
                calls.add(p.id());
                if (p.id().equals(dieAt)) {
                    dieAt = null;
                    throw new IllegalStateException("killed");
                }
                for (int j = spec.n() - 1; j >= 0; j--) sink.accept(new SampleRecord(p.id(), j, p.text() + "/" + j, new int[]{j}, Finish.EOS, -j, null));
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
        SamplingOptions spec = SamplingOptions.builder().n(3).temperature(0.6).maxNewTokens(10).seed(1).build();
        assertThrows(IllegalStateException.class, () -> SampleStage.run(run, "sample", teacher, problems, Problem::question, spec, 3));
        assertEquals(RunDirectory.Status.RUNNING, run.status("sample"));
        assertTrue(Files.exists(dir.resolve("sample/part-00001.jsonl")));
        assertTrue(!Files.exists(dir.resolve("sample/part-00002.jsonl")));

        teacher.calls.clear();
        RunDirectory again = RunDirectory.open(dir, Json.object().put("x", 1), Map.of("ekt", "test"));
        SampleStage.run(again, "sample", teacher, problems, Problem::question, spec, 3);
        assertEquals(List.of("p6", "p7", "p8", "p9"), teacher.calls, "only the unfinished chunks are sampled again");
        assertEquals(RunDirectory.Status.DONE, again.status("sample"));
        List<SampleRecord> all = SampleStage.parts(again, "sample").readAll();
        assertEquals(30, all.size());
        for (int i = 0; i < 30; i++) {
            assertEquals("p" + i / 3, all.get(i).id());
            assertEquals(i % 3, all.get(i).sample(), "records are in (problem, sample) order");
        }
        assertEquals(30, again.counts("sample").get("samples").asInt());
        assertEquals(30, again.counts("sample").get("tokens").asInt());
        assertEquals(4, again.stages().path("sample").path("part_counts").size(), "each part's counts are kept as it is written");
        // a run directory refuses a different config
        assertThrows(IllegalStateException.class, () -> RunDirectory.open(dir, Json.object().put("x", 2), Map.of()));
    }

    @Test
    void aPartWithAnUnknownOrMissingFieldIsAnErrorNamingFileAndLine(@TempDir Path dir) throws Exception {
        Parts<SampleRecord> parts = new Parts<>(dir, SampleRecord.CODEC);
        SampleRecord r = new SampleRecord("p0", 0, "x", new int[]{1, 2}, Finish.STOP, Double.NaN, null);
        parts.write(0, List.of(r, r));
        assertEquals(List.of("p0", "p0"), parts.readAll().stream().map(SampleRecord::id).toList());
        assertTrue(Double.isNaN(parts.readPart(0).get(0).logprob()), "an unknown logprob is written as null and read back as NaN");
        String good = Files.readAllLines(parts.path(0)).get(0);
        String[][] cases = {
                {good.replace("\"finish\"", "\"extra\":1,\"finish\""), ":2: unknown field 'extra'"},
                {good.replace(",\"finish\":\"stop\"", ""), ":2: missing field 'finish'"},
                {good.replace("\"sample\":0", "\"sample\":\"0\""), ":2: field 'sample' must be an integer"},
                {good.replace("\"stop\"", "\"halt\""), ":2: field 'finish' must be stop, eos or length"}};
        for (String[] c : cases) {
            Files.writeString(parts.path(0), good + "\n" + c[0] + "\n");
            DataException e = assertThrows(DataException.class, parts::readAll, c[0]);
            assertTrue(e.getMessage().startsWith(parts.path(0) + c[1]), e.getMessage());
        }
    }
}
