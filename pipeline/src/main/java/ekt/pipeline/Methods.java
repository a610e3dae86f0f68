package ekt.pipeline;

import ekt.core.Model;
import ekt.data.Problem;
import ekt.eval.MethodResult;
import ekt.eval.Report;
import ekt.eval.TrainingCurve;
import ekt.exec.ExecutorPool;
import ekt.core.SamplingOptions;
import ekt.sample.Completer;
import ekt.train.TrainConfig;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/** The methods an {@link Experiment} compares; each ends with a scored model. */
final class Methods {
    private final Experiment experiment;
    private final ExecutorPool pool;
    private final List<String> scoredCheckpoints = new ArrayList<>();

    Methods(Experiment experiment, ExecutorPool pool) {
        this.experiment = experiment;
        this.pool = pool;
    }

    /** EKT, or KD when {@code teacher} is set: fine-tune the student on the selected programs. */
    MethodResult fineTuned(String method, String label, Path pairs, Path teacher, double coverage, int pairCount) {
        if (pairCount == 0) {
            System.err.println("[ekt] " + label + ": the teacher solved no training problem, so there is nothing to train on");
            return promptedStudent(method, label + " (no training data: base student)", false);
        }
        String stage = method + "-train";
        TrainStage.Result trained = TrainStage.run(experiment.directory(), stage, experiment.student(), teacher, pairs,
                experiment.studentTraining(), experiment.trainCodec(), devices().student(), experiment.devMonitor(pool));
        return evaluated(method, label, scored(label, stage, trained), pairCount, coverage, List.of(trained.curve(label)));
    }

    /** "EKT: final checkpoint (step-N), dev greedy pass@1 ..." for the report, one per fine-tuned method. */
    List<String> scoredCheckpoints() {
        return List.copyOf(scoredCheckpoints);
    }

    /** The checkpoint the config chooses to score (student.checkpoint), noted for the report. */
    private Path scored(String label, String stage, TrainStage.Result trained) {
        Path stageDir = experiment.directory().stageDir(stage);
        Optional<DevEvaluation> best = DevMonitor.best(stageDir);
        String devLine = best.map(b -> "; best dev greedy pass@1 " + Report.pct(b.greedyPass1()) + " at " + b.checkpoint()
                + " (epoch " + b.epoch() + ", " + DevMonitor.read(stageDir).size() + " dev evaluations in " + stage + "/" + DevMonitor.FILE + ")")
                .orElse("; no dev evaluation");
        if (ConfigCheck.checkpoint(experiment.config().student()) == ConfigCheck.Checkpoint.BEST_DEV) {
            Path dir = trained.bestDev().orElseThrow(() -> new IllegalStateException(
                    "student.checkpoint is best_dev but " + stage + " has no dev evaluation (" + stageDir.resolve(DevMonitor.BEST) + ")"));
            scoredCheckpoints.add(label + " scored with checkpoint best_dev (" + best.map(DevEvaluation::checkpoint).orElse("?") + ")" + devLine + ".");
            return dir;
        }
        scoredCheckpoints.add(label + " scored with checkpoint final (" + trained.model().getFileName() + ")" + devLine + ".");
        return trained.model();
    }

    /** A model used as it is, with the given prompt. */
    MethodResult prompted(String method, String label, Completer model, Function<Problem, String> prompt) {
        EvaluateStage.Result r = EvaluateStage.run(experiment.directory(), method, model, experiment.test(), prompt,
                experiment.config().evaluation(), experiment.prompts(), pool, Experiment.CHUNK);
        return new MethodResult(method, label, r.scores(), null, null, List.of(), r.programLines());
    }

    MethodResult promptedStudent(String method, String label, boolean fewShot) {
        try (Model model = Model.load(experiment.student(), devices().evaluation())) {
            return prompted(method, label, experiment.engine(model, experiment.student()), p -> experiment.studentPrompt(p, fewShot));
        }
    }

    /**
     * Expert iteration (paper.md §6): the solved set starts from the few-shot student's samples on
     * the training problems (drawn with the teacher's sampling settings, as the paper's few-shot
     * pass@100 run); each round fine-tunes a fresh copy of the base student with EI's own settings
     * on the first correct program of every solved problem, then samples the unsolved problems
     * with it and adds the newly solved. The student of the last round is evaluated.
     */
    MethodResult expertIteration() {
        RunConfig.ExpertIteration ei = experiment.config().ei();
        RunDirectory run = experiment.directory();
        Prompts prompts = experiment.prompts();
        Map<String, Problem> byId = EvaluateStage.byId(experiment.train());
        RunConfig.TeacherConfig t = experiment.config().teacher();
        SamplingOptions fewShot = t.samplingOptions();
        SamplingOptions spec = fewShot.toBuilder().n(ei.n()).temperature(ei.temperature()).topP(1.0).maxNewTokens(ei.maxNewTokens()).build();
        Map<String, Selection.Candidate> solved = new LinkedHashMap<>();
        try (Model base = Model.load(experiment.student(), devices().evaluation())) {
            SampleStage.run(run, "ei-r0-samples", experiment.engine(base, experiment.student()), experiment.train(),
                    p -> experiment.studentPrompt(p, true), fewShot, Experiment.CHUNK);
        }
        ExecuteStage.run(run, "ei-r0-samples", "ei-r0-exec", byId, prompts, pool);
        addSolved(solved, "ei-r0-exec");
        TrainStage.Result last = null;
        List<TrainingCurve> curves = new ArrayList<>();
        for (int round = 1; round <= ei.rounds() && !solved.isEmpty(); round++) {
            String r = "ei-r" + round;
            Path pairs = run.stageDir(r + "-pairs").resolve(SelectStage.FILE);
            SelectStage.write(pairs, pairsOf(solved));
            last = TrainStage.run(run, r + "-train", experiment.student(), null, pairs, eiTraining(ei), experiment.trainCodec(),
                    devices().student());
            curves.add(last.curve("EI round " + round));
            List<Problem> unsolved = experiment.train().stream().filter(p -> !solved.containsKey(p.id())).toList();
            if (round == ei.rounds() || unsolved.isEmpty()) break;
            try (Model student = Model.load(last.model(), devices().evaluation())) {
                SampleStage.run(run, r + "-samples", experiment.engine(student, last.model()), unsolved,
                        p -> experiment.studentPrompt(p, false), spec, Experiment.CHUNK);
            }
            ExecuteStage.run(run, r + "-samples", r + "-exec", byId, prompts, pool);
            addSolved(solved, r + "-exec");
        }
        double coverage = solved.size() / (double) Math.max(1, experiment.train().size());
        if (last == null) {
            System.err.println("[ekt] expert iteration: the few-shot student solved no training problem; nothing to train on");
            return promptedStudent("ei", "EI (nothing solved: base student)", false);
        }
        return evaluated("ei", "EI", last.model(), solved.size(), coverage, curves);
    }

    private MethodResult evaluated(String method, String label, Path model, int examples, double coverage, List<TrainingCurve> curves) {
        try (Model m = Model.load(model, devices().evaluation())) {
            EvaluateStage.Result r = EvaluateStage.run(experiment.directory(), method, experiment.engine(m, model), experiment.test(),
                    p -> experiment.studentPrompt(p, false), experiment.config().evaluation(), experiment.prompts(), pool, Experiment.CHUNK);
            return new MethodResult(method, label, r.scores(), examples, coverage, curves, r.programLines());
        }
    }

    private RunConfig.Devices devices() {
        return experiment.config().devices();
    }

    private TrainConfig eiTraining(RunConfig.ExpertIteration ei) {
        return experiment.studentTraining().toBuilder().epochs(ei.epochs()).lr(ei.lr()).schedule(TrainConfig.Schedule.CONSTANT)
                .warmupSteps(0).maxLength(ei.maxLength()).batchSize(ei.batch()).accum(ei.accum()).build();
    }

    private void addSolved(Map<String, Selection.Candidate> solved, String execStage) {
        SelectStage.correctPrograms(ExecuteStage.parts(experiment.directory(), execStage).readAll()).forEach((id, candidates) -> solved.putIfAbsent(id, candidates.get(0)));
    }

    private List<Selection.Pair> pairsOf(Map<String, Selection.Candidate> solved) {
        List<Selection.Pair> out = new ArrayList<>();
        for (Problem p : experiment.train()) {
            Selection.Candidate c = solved.get(p.id());
            if (c != null) out.add(new Selection.Pair(p.id(), c.sample(), Prompts.question(p.question()), "\n" + c.program()));
        }
        return out;
    }
}
