package ekt.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import ekt.core.ProcessGroup;
import ekt.data.Problem;
import ekt.exec.ExecRecords;
import ekt.exec.ExecResult;
import ekt.exec.ExecutorPool;
import ekt.exec.Program;
import ekt.util.Progress;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Executes every sample of a sample stage: the completion is truncated the paper's way and run
 * in the sandbox pool against its problem's label. Part i of the output holds the results of
 * part i of the samples, each record carrying its program so selection reads one stage only.
 * In a data-parallel job each rank executes the parts it {@linkplain ProcessGroup#owns owns}.
 */
public final class ExecuteStage {
    private ExecuteStage() {
    }

    public static void run(RunDirectory run, String samplesStage, String stage, Map<String, Problem> problems, Prompts prompts,
                           ExecutorPool pool) {
        if (run.status(stage) == RunDirectory.Status.DONE) return;
        run.started(stage);
        Parts in = new Parts(run.stageDir(samplesStage)), out = new Parts(run.stageDir(stage));
        ProcessGroup group = ProcessGroup.current();
        group.barrier(stage + " (start)");  // no rank writes before every rank cleared leftovers
        List<Path> inputs = in.files();
        long total = 0, correct = 0;
        try (Progress progress = new Progress(stage, inputs.size(), "parts", "programs")) {
            for (int i = 0; i < inputs.size(); i++) {
                if (out.isDone(i) || !group.owns(i)) {
                    progress.skip(1);
                    continue;
                }
                List<JsonNode> samples = in.readPart(i);
                List<Program> programs = new ArrayList<>(samples.size());
                for (JsonNode s : samples) {
                    Problem p = problems.get(s.get("id").asText());
                    if (p == null) throw new IllegalStateException("sample of unknown problem " + s.get("id") + " in " + inputs.get(i));
                    programs.add(new Program(p.id(), s.get("sample").asInt(), prompts.truncate(s.get("text").asText()), p.answer()));
                }
                List<ExecResult> results = pool.run(programs);
                List<ObjectNode> records = new ArrayList<>(results.size());
                for (int j = 0; j < results.size(); j++) records.add(ExecRecords.toJson(results.get(j)).put("program", programs.get(j).code()));
                out.write(i, records);
                progress.advance(1, results.size());
            }
        }
        group.barrier(stage);
        for (JsonNode r : out.readAll()) {
            total++;
            if (r.path("correct").asBoolean(false)) correct++;
        }
        run.done(stage, Map.of("programs", total, "correct", correct));
    }

}
