package ekt.pipeline;

import ekt.core.ProcessGroup;
import ekt.data.Problem;
import ekt.exec.ExecRecord;
import ekt.exec.ExecRecords;
import ekt.exec.ExecResult;
import ekt.exec.ExecutorPool;
import ekt.exec.Program;
import ekt.sample.SampleRecord;
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

    /** The parts of an execution stage's directory. */
    public static Parts<ExecRecord> parts(RunDirectory run, String stage) {
        return new Parts<>(run.stageDir(stage), ExecRecords.CODEC);
    }

    /** Runs (or resumes) stage {@code stage} on the samples of {@code samplesStage}; the manifest gets programs and correct ones. */
    public static void run(RunDirectory run, String samplesStage, String stage, Map<String, Problem> problems, Prompts prompts,
                           ExecutorPool pool) {
        if (run.status(stage) == RunDirectory.Status.DONE) return;
        run.started(stage);
        Parts<SampleRecord> in = SampleStage.parts(run, samplesStage);
        Parts<ExecRecord> out = parts(run, stage);
        ProcessGroup group = ProcessGroup.current();
        group.barrier(stage + " (start)");  // no rank writes before every rank cleared leftovers
        List<Path> inputs = in.files();
        try (Progress progress = new Progress(stage, inputs.size(), "parts", "programs")) {
            for (int i = 0; i < inputs.size(); i++) {
                if (out.isDone(i) || !group.owns(i)) {
                    progress.skip(1);
                    continue;
                }
                List<SampleRecord> samples = in.readPart(i);
                List<Program> programs = new ArrayList<>(samples.size());
                for (SampleRecord s : samples) {
                    Problem p = problems.get(s.id());
                    if (p == null) throw new IllegalStateException("sample of unknown problem " + s.id() + " in " + inputs.get(i));
                    programs.add(new Program(p.id(), s.sample(), prompts.truncate(s.text()), p.answer()));
                }
                List<ExecRecord> records = execute(pool, programs);
                out.write(i, records);
                run.partDone(stage, i, counts(records));
                progress.advance(1, records.size());
            }
        }
        group.barrier(stage);
        Map<String, Long> sums = run.sumParts(stage, inputs.size(), i -> counts(out.readPart(i)));
        run.done(stage, Map.of("programs", sums.getOrDefault("programs", 0L), "correct", sums.getOrDefault("correct", 0L)));
    }

    /** Runs {@code programs} in the pool; each result keeps its program. */
    static List<ExecRecord> execute(ExecutorPool pool, List<Program> programs) {
        List<ExecResult> results = pool.run(programs);
        List<ExecRecord> records = new ArrayList<>(results.size());
        for (int j = 0; j < results.size(); j++) records.add(new ExecRecord(results.get(j), programs.get(j).code()));
        return records;
    }

    /** How many programs and how many correct ones. */
    static Map<String, Long> counts(List<ExecRecord> records) {
        return Map.of("programs", (long) records.size(), "correct", records.stream().filter(ExecRecord::isCorrect).count());
    }
}
