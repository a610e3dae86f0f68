package ekt.demo;

import ekt.records.Json;
import com.fasterxml.jackson.databind.JsonNode;
import ekt.testing.Python;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WordProblemsTest {
    @Test
    void everyProgramComputesItsAnswerInPython() throws Exception {
        List<WordProblems.Generated> problems = WordProblems.generate(11, 400, Set.of());
        Path file = Files.createTempFile("programs", ".json");
        Files.writeString(file, Json.MAPPER.writeValueAsString(problems.stream().map(WordProblems.Generated::program).toList()));
        JsonNode answers = Json.MAPPER.readTree(Python.run("run_programs.py", file.toString()));
        for (int i = 0; i < problems.size(); i++) {
            WordProblems.Generated g = problems.get(i);
            assertTrue(answers.get(i).isDouble(), "the paper's checker needs a float answer: " + g.program());
            assertEquals((double) g.answer(), answers.get(i).asDouble(), 1e-9, g.question() + "\n" + g.program());
            assertTrue(g.answer() > 0);
        }
    }

    @Test
    void deterministicDistinctVariedAndDisjointFromExclusions() {
        List<WordProblems.Generated> a = WordProblems.generate(5, 300, Set.of()), b = WordProblems.generate(5, 300, Set.of());
        assertEquals(a, b);
        Set<String> questions = a.stream().map(WordProblems.Generated::question).collect(Collectors.toSet());
        assertEquals(300, questions.size());
        List<WordProblems.Generated> other = WordProblems.generate(6, 300, questions);
        assertFalse(other.stream().anyMatch(g -> questions.contains(g.question())));
        // 1-4 reasoning steps: programs have between 1 and 4 operation lines
        Set<Integer> steps = a.stream().map(g -> (int) g.program().lines().filter(l -> l.startsWith("t") || l.startsWith("answer")).count())
                .collect(Collectors.toSet());
        assertEquals(Set.of(1, 2, 3, 4), steps);
        assertEquals("p-3", WordProblems.asProblems(a, "p-").get(3).id());
    }
}
