package ekt.pipeline;

import ekt.records.Json;
import ekt.records.DataException;
import ekt.data.Gsm8k;
import ekt.records.Jsonl;
import ekt.data.Problem;
import ekt.exec.AnswerChecker;
import ekt.exec.ExecConfig;
import ekt.exec.ExecutorPool;
import ekt.core.SamplingOptions;
import ekt.pipeline.teacher.ReplayCompleter;
import ekt.testing.SharedData;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Replaying the paper's GPT-J teacher log through sample → execute → select reproduces exactly
 * the recorded set of solved problems (839 of the 6974 records).
 */
class ReplayPipelineTest {
    @Test
    void replayExecuteSelectYieldsTheRecordedSolvedSet(@TempDir Path dir) {
        Path log = SharedData.require("data/ekt-paper/gptj_teacher_train_pass20.jsonl");
        List<DataException> errors = new ArrayList<>();
        List<Problem> train = Gsm8k.load(SharedData.require("data/gsm8k/train.jsonl"), "train-", errors::add);
        Set<Integer> dev = Gsm8k.readIndices(SharedData.require("data/ekt-paper/dev_idxs.json"));
        List<Problem> problems = Gsm8k.split(train, dev).train();

        Set<String> recordedSolved = new HashSet<>();
        for (Jsonl.Line l : Jsonl.readStrict(log))
            if (l.value().get("gold_solution").isTextual()) recordedSolved.add("train-" + l.value().get("task_id").asInt());
        assertEquals(839, recordedSolved.size());

        RunDirectory run = RunDirectory.open(dir, Json.object().put("test", "replay"), Map.of());
        ReplayCompleter teacher = new ReplayCompleter(log, "train-", errors::add);
        assertTrue(errors.isEmpty(), errors.toString());
        SampleStage.run(run, "teacher-samples", teacher, problems, p -> Prompts.question(p.question()), SamplingOptions.builder().n(20).temperature(0.6).topK(50).maxNewTokens(150).seed(1).build(), 500);
        Map<String, Problem> byId = problems.stream().collect(Collectors.toMap(Problem::id, p -> p, (a, b) -> a, LinkedHashMap::new));
        try (ExecutorPool pool = ExecutorPool.start(ExecConfig.defaults().withChecker(AnswerChecker.PAPER))) {
            ExecuteStage.run(run, "teacher-samples", "teacher-exec", byId, Prompts.zeroShot(), pool);
        }
        Path trainFile = SelectStage.run(run, "teacher-exec", "select", problems, Selection.Policy.FIRST, 1);
        Set<String> selected = SelectStage.read(trainFile).stream().map(Selection.Pair::id).collect(Collectors.toSet());
        assertEquals(recordedSolved, selected);
        assertEquals(839, run.counts("select").get("solved").asInt());
        assertEquals(839, run.counts("select").get("pairs").asInt());
    }
}
