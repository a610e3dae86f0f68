package ekt.pipeline;

import com.fasterxml.jackson.databind.node.ObjectNode;
import ekt.records.Fields;
import ekt.records.RecordCodec;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which correct programs become training data. The paper keeps exactly the first correct sample
 * of each solved problem ({@link Policy#FIRST}); {@link Policy#DISTINCT} keeps up to m correct
 * programs per problem that differ after normalisation (an extension the paper did not test).
 */
public final class Selection {
    /** How many correct programs of a problem to keep. */
    public enum Policy {
        /** The first correct sample only (the paper). */
        FIRST,
        /** Up to {@code maxPerProblem} correct programs that differ after {@link Selection#normalize}, in sample order. */
        DISTINCT
    }

    /**
     * A correct program of one problem, in sample order.
     *
     * @param sample  the sample's index among the problem's samples
     * @param program the program text (the truncated completion, without the question line)
     */
    public record Candidate(int sample, String program) {
    }

    /**
     * A selected training example: text = prompt + completion ("# q" + "\n" + program).
     *
     * @param id         the problem's id
     * @param sample     the index of the sample the program came from
     * @param prompt     {@code "# " + question} (see {@link Prompts#question})
     * @param completion {@code "\n" + program}: what the student learns to produce
     */
    public record Pair(String id, int sample, String prompt, String completion) {
        /** The one reader and writer of training pairs ({@code select/train.jsonl}, expert iteration's pairs). */
        public static final RecordCodec<Pair> CODEC = new RecordCodec<>() {
            @Override
            public void write(Pair p, ObjectNode o) {
                o.put("id", p.id).put("sample", p.sample).put("prompt", p.prompt).put("completion", p.completion);
            }

            @Override
            public Pair read(Fields in) {
                return new Pair(in.text("id"), in.integer("sample"), in.text("prompt"), in.text("completion"));
            }
        };
    }

    private Selection() {
    }

    /**
     * @param questions  problem id → question, in problem order (the output follows it)
     * @param correct    problem id → correct candidates in sample order
     */
    public static List<Pair> select(Map<String, String> questions, Map<String, List<Candidate>> correct, Policy policy, int maxPerProblem) {
        List<Pair> out = new ArrayList<>();
        for (Map.Entry<String, String> q : questions.entrySet()) {
            List<Candidate> cands = correct.getOrDefault(q.getKey(), List.of());
            Set<String> seen = new LinkedHashSet<>();
            for (Candidate c : cands) {
                if (policy == Policy.DISTINCT && !seen.add(normalize(c.program()))) continue;
                out.add(new Pair(q.getKey(), c.sample(), Prompts.question(q.getValue()), "\n" + c.program()));
                if (policy == Policy.FIRST || seen.size() >= maxPerProblem) break;
            }
        }
        return out;
    }

    /**
     * Program text up to whitespace: each line stripped of leading and trailing whitespace, blank
     * lines dropped, inner runs of spaces and tabs collapsed to one space.
     */
    public static String normalize(String program) {
        StringBuilder sb = new StringBuilder();
        for (String line : program.split("\n")) {
            String l = line.strip().replaceAll("[ \t]+", " ");
            if (!l.isEmpty()) sb.append(l).append('\n');
        }
        return sb.toString();
    }
}
