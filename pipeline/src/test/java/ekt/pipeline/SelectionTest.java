package ekt.pipeline;

import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;

class SelectionTest {
    final Map<String, String> questions = new LinkedHashMap<>(Map.of("p1", "Q1"));

    {
        questions.put("p2", "Q2");
        questions.put("p3", "Q3");
    }

    final Map<String, List<Selection.Candidate>> correct = Map.of(
            "p1", List.of(new Selection.Candidate(3, "\nn0 = 1.0\nanswer = n0\n"), new Selection.Candidate(5, "\nn0 = 1.0  \n\nanswer =  n0\n"),
                    new Selection.Candidate(8, "\nanswer = 1.0\n")),
            "p3", List.of(new Selection.Candidate(0, "\nanswer = 2.0\n")));

    @Test
    void paperPolicyKeepsTheFirstCorrectProgramOfEachSolvedProblem() {
        List<Selection.Pair> pairs = Selection.select(questions, correct, Selection.Policy.FIRST, 1);
        assertEquals(2, pairs.size());
        assertEquals(new Selection.Pair("p1", 3, "# Q1", "\n\nn0 = 1.0\nanswer = n0\n"), pairs.get(0));
        assertEquals("p3", pairs.get(1).id());
        // the training text is the paper's "# " + question + "\n" + program
        assertEquals("# Q1\n\nn0 = 1.0\nanswer = n0\n", pairs.get(0).prompt() + pairs.get(0).completion());
    }

    @Test
    void distinctPolicyDropsWhitespaceVariantsAndCapsPerProblem() {
        List<Selection.Pair> pairs = Selection.select(questions, correct, Selection.Policy.DISTINCT, 5);
        assertEquals(List.of(3, 8, 0), pairs.stream().map(Selection.Pair::sample).toList());
        assertEquals(List.of(3), Selection.select(questions, correct, Selection.Policy.DISTINCT, 1).stream()
                .filter(p -> p.id().equals("p1")).map(Selection.Pair::sample).toList());
    }
}
