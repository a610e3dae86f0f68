package ekt.exec;

import ekt.records.Jsonl;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** The paper's stored correct teacher programs must all pass the paper's rule in the sandbox. */
class ExecGoldProgramsTest {

    /** The gold programs of the paper's GPT-J teacher run (records whose gold_solution is not false). */
    static List<Program> goldPrograms() {
        Path file = Path.of(System.getProperty("ekt.shared.dir", "../shared"), "data", "ekt-paper", "gptj_teacher_train_pass20.jsonl");
        assumeTrue(Files.isRegularFile(file), "shared data not present: " + file);
        List<Program> programs = new ArrayList<>();
        for (Jsonl.Line line : Jsonl.readStrict(file)) {
            var gold = line.value().get("gold_solution");
            if (gold.isTextual())
                programs.add(new Program(line.value().get("task_id").asText(), 0, gold.asText(), line.value().get("answer").asDouble()));
        }
        return programs;
    }

    @Test
    void everyStoredCorrectProgramPassesThePaperRule() {
        List<Program> gold = goldPrograms();
        assertEquals(839, gold.size());
        try (ExecutorPool pool = ExecutorPool.start(ExecConfig.defaults().withWorkers(2).withChecker(AnswerChecker.PAPER))) {
            List<ExecResult> results = pool.run(gold);
            List<ExecResult> wrong = results.stream().filter(r -> !r.isCorrect()).toList();
            assertEquals(List.of(), wrong);
            assertEquals(gold.size(), results.size());
        }
    }
}
