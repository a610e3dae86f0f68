package ekt.pipeline;

import ekt.core.ProcessGroup;
import ekt.core.SamplingOptions;
import ekt.data.Problem;
import ekt.sample.Completer;
import ekt.sample.SamplePrompt;
import ekt.sample.SampleRecord;
import ekt.util.Progress;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Draws samples for a list of problems, a chunk of problems per part, skipping parts already on
 * disk. Records are {@link SampleRecord}s in (problem, sample) order. In a data-parallel job each
 * rank draws the parts it {@linkplain ProcessGroup#owns owns} (samples are keyed by seed, problem
 * and index, so the parts are those of one process).
 */
public final class SampleStage {
    private SampleStage() {
    }

    /** How many parts {@code problems} problems make in chunks of {@code chunkSize}. */
    public static int chunks(int problems, int chunkSize) {
        return (problems + chunkSize - 1) / chunkSize;
    }

    /** The parts of a sample stage's directory. */
    public static Parts<SampleRecord> parts(RunDirectory run, String stage) {
        return new Parts<>(run.stageDir(stage), SampleRecord.CODEC);
    }

    /**
     * Runs (or resumes) stage {@code stage}: {@code completer} completes {@code prompt(p)} for every
     * problem with {@code options}; the manifest gets the problems, samples, parts and generated
     * tokens (0 where a completer does not report tokens).
     */
    public static void run(RunDirectory run, String stage, Completer completer, List<Problem> problems, Function<Problem, String> prompt,
                           SamplingOptions options, int chunkSize) {
        if (run.status(stage) == RunDirectory.Status.DONE) return;
        run.started(stage);
        Parts<SampleRecord> parts = parts(run, stage);
        ProcessGroup group = ProcessGroup.current();
        group.barrier(stage + " (start)");  // no rank writes before every rank cleared leftovers
        int chunks = chunks(problems.size(), chunkSize);
        try (Progress progress = new Progress(stage, (long) problems.size() * options.n(), "samples", "tokens")) {
            progress.skip((long) Math.min(problems.size(), parts.countDone(chunks) * chunkSize) * options.n());
            for (int c = 0; c < chunks; c++) {
                if (parts.isDone(c) || !group.owns(c)) continue;
                List<Problem> chunk = problems.subList(c * chunkSize, Math.min(problems.size(), (c + 1) * chunkSize));
                Map<String, Integer> order = new HashMap<>();
                List<SamplePrompt> requests = new ArrayList<>();
                for (Problem p : chunk) {
                    order.put(p.id(), order.size());
                    requests.add(SamplePrompt.ofText(p.id(), prompt.apply(p)));
                }
                List<SampleRecord> got = new ArrayList<>();
                completer.complete(requests, options, record -> {
                    synchronized (got) {
                        got.add(record);
                    }
                    progress.advance(1, record.tokens().length);
                });
                got.sort(Comparator.comparingInt((SampleRecord x) -> order.get(x.id())).thenComparingInt(SampleRecord::sample));
                parts.write(c, got);
                run.partDone(stage, c, counts(got));
                run.progress(stage, Map.of("parts_done", parts.countDone(chunks), "parts", chunks));
            }
        }
        group.barrier(stage);
        Map<String, Long> sums = run.sumParts(stage, chunks, c -> counts(parts.readPart(c)));
        run.done(stage, Map.of("problems", problems.size(), "samples", sums.getOrDefault("samples", 0L), "parts", chunks,
                "tokens", sums.getOrDefault("tokens", 0L)));
    }

    private static Map<String, Long> counts(List<SampleRecord> records) {
        return Map.of("samples", (long) records.size(), "tokens", records.stream().mapToLong(r -> r.tokens().length).sum());
    }
}
