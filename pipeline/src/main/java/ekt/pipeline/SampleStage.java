package ekt.pipeline;

import com.fasterxml.jackson.databind.node.ObjectNode;
import ekt.core.ProcessGroup;
import ekt.data.Problem;
import ekt.pipeline.teacher.Completion;
import ekt.pipeline.teacher.PromptRequest;
import ekt.pipeline.teacher.SamplingSpec;
import ekt.pipeline.teacher.Teacher;
import ekt.util.Progress;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Draws samples for a list of problems, a chunk of problems per part, skipping parts already on
 * disk. Records are the project's sample records in (problem, sample) order. In a data-parallel
 * job each rank draws the parts it {@linkplain ProcessGroup#owns owns} (samples are keyed by
 * seed, problem and index, so the parts are those of one process).
 */
public final class SampleStage {
    private SampleStage() {
    }

    public static int chunks(int problems, int chunkSize) {
        return (problems + chunkSize - 1) / chunkSize;
    }

    public static void run(RunDirectory run, String stage, Teacher teacher, List<Problem> problems, Function<Problem, String> prompt,
                           SamplingSpec spec, int chunkSize) {
        if (run.status(stage) == RunDirectory.Status.DONE) return;
        run.started(stage);
        Parts parts = new Parts(run.stageDir(stage));
        ProcessGroup group = ProcessGroup.current();
        group.barrier(stage + " (start)");  // no rank writes before every rank cleared leftovers
        int chunks = chunks(problems.size(), chunkSize);
        try (Progress progress = new Progress(stage, (long) problems.size() * spec.n(), "samples", "tokens")) {
            progress.skip((long) Math.min(problems.size(), parts.countDone(chunks) * chunkSize) * spec.n());
            for (int c = 0; c < chunks; c++) {
                if (parts.isDone(c) || !group.owns(c)) continue;
                List<Problem> chunk = problems.subList(c * chunkSize, Math.min(problems.size(), (c + 1) * chunkSize));
                Map<String, Integer> order = new HashMap<>();
                List<PromptRequest> requests = new ArrayList<>();
                for (Problem p : chunk) {
                    order.put(p.id(), order.size());
                    requests.add(new PromptRequest(p.id(), prompt.apply(p)));
                }
                List<Completion> got = new ArrayList<>();
                teacher.sample(requests, spec, completion -> {
                    synchronized (got) {
                        got.add(completion);
                    }
                    progress.advance(1, completion.tokens().length);
                });
                got.sort(Comparator.comparingInt((Completion x) -> order.get(x.id())).thenComparingInt(Completion::sample));
                List<ObjectNode> records = got.stream().map(Completion::toJson).toList();
                parts.write(c, records);
                run.progress(stage, Map.of("parts_done", parts.countDone(chunks), "parts", chunks));
            }
        }
        group.barrier(stage);
        List<com.fasterxml.jackson.databind.JsonNode> samples = parts.readAll();
        long tokens = samples.stream().mapToLong(s -> s.path("tokens").size()).sum();  // 0 where a teacher does not report tokens
        run.done(stage, Map.of("problems", problems.size(), "samples", samples.size(), "parts", chunks, "tokens", tokens));
    }
}
