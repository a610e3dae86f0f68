package ekt.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import ekt.core.Model;
import ekt.data.Jsonl;
import ekt.data.Problem;
import ekt.demo.WordProblems;
import ekt.eval.MethodResult;
import ekt.eval.ProblemScore;
import ekt.eval.Report;
import ekt.eval.Scores;
import ekt.exec.AnswerChecker;
import ekt.exec.ExecConfig;
import ekt.exec.ExecutorPool;
import ekt.pipeline.AtomicFiles;
import ekt.pipeline.ExecuteStage;
import ekt.pipeline.Parts;
import ekt.pipeline.Prompts;
import ekt.pipeline.RunDirectory;
import ekt.pipeline.SampleStage;
import ekt.pipeline.SelectStage;
import ekt.pipeline.Selection;
import ekt.pipeline.teacher.EngineTeacher;
import ekt.pipeline.teacher.ReplayTeacher;
import ekt.pipeline.teacher.SamplingSpec;
import ekt.sample.TextCodec;
import ekt.tokenizer.ByteLevelBpe;
import ekt.tokenizer.Tokenizer;
import ekt.train.StepMetrics;
import ekt.train.TrainConfig;
import ekt.train.TrainListener;
import ekt.train.Trainer;
import ekt.train.TrainingData;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * {@code ekt demo}: an offline end-to-end smoke of the EKT loop through the real code paths:
 * procedurally generated word problems, a teacher (here a replay of the generator's reference
 * programs, standing in for the trained transformer teacher of the full demo), sandboxed
 * execution and selection, a tiny student trained from scratch in the native core, sampled by the
 * native engine, executed and scored with pass@k, and a report. Every number comes from running it.
 */
@Command(name = "demo", description = "Run an offline end-to-end EKT smoke on generated word problems.")
final class DemoCommand implements Callable<Integer> {
    @Option(names = "--out", defaultValue = "runs/demo", description = "run directory (default: ${DEFAULT-VALUE}); re-running resumes")
    Path out;
    @Option(names = "--seed", defaultValue = "1")
    long seed;
    @Option(names = "--train-problems", defaultValue = "64")
    int trainProblems;
    @Option(names = "--test-problems", defaultValue = "32")
    int testProblems;
    @Option(names = "--epochs", defaultValue = "4")
    int epochs;
    @Option(names = "--samples", defaultValue = "8", description = "samples per test problem for pass@k")
    int samples;

    @Override
    public Integer call() {
        ObjectNode config = Jsonl.object().put("demo", "smoke").put("seed", seed).put("train_problems", trainProblems)
                .put("test_problems", testProblems).put("epochs", epochs).put("samples", samples);
        RunDirectory run = RunDirectory.open(out, config, Map.of("ekt", "0.1.0"));
        List<WordProblems.Generated> trainSet = WordProblems.generate(seed, trainProblems, Set.of());
        List<WordProblems.Generated> testSet = WordProblems.generate(seed + 1, testProblems,
                trainSet.stream().map(WordProblems.Generated::question).collect(Collectors.toSet()));
        List<Problem> train = WordProblems.asProblems(trainSet, "train-"), test = WordProblems.asProblems(testSet, "test-");

        Path replay = out.resolve("teacher-replay.jsonl");
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < trainSet.size(); i++)
            sb.append(Jsonl.toLine(Jsonl.object().put("id", train.get(i).id()).put("sample", 0).put("text", "\n" + trainSet.get(i).program()))).append('\n');
        AtomicFiles.write(replay, sb.toString());
        Prompts prompts = Prompts.zeroShot();
        try (ExecutorPool pool = ExecutorPool.start(ExecConfig.defaults().withChecker(AnswerChecker.PAPER))) {
            SampleStage.run(run, "teacher-samples", new ReplayTeacher(replay, "", e -> { throw e; }), train,
                    p -> Prompts.question(p.question()), SamplingSpec.paper(1, seed), 16);
            ExecuteStage.run(run, "teacher-samples", "teacher-exec", byId(train), prompts, pool);
            Path pairs = SelectStage.run(run, "teacher-exec", "select", train, Selection.Policy.FIRST, 1);

            Tokenizer tokenizer = ByteLevelBpe.smallVocabulary();
            List<double[]> loss = new ArrayList<>();
            try (Model student = trainStudent(run, tokenizer, pairs, loss)) {
                EngineTeacher engine = new EngineTeacher(student, TextCodec.of(tokenizer), "student");
                SampleStage.run(run, "student-greedy", engine, test, p -> Prompts.question(p.question()), SamplingSpec.greedy(120), 16);
                SampleStage.run(run, "student-samples", engine, test, p -> Prompts.question(p.question()),
                        new SamplingSpec(samples, 0.8, 0, 1.0, 120, List.of(), seed), 16);
                ExecuteStage.run(run, "student-greedy", "student-greedy-exec", byId(test), prompts, pool);
                ExecuteStage.run(run, "student-samples", "student-exec", byId(test), prompts, pool);
            }
            Scores scores = score("EKT student (smoke)", test, run);
            MethodResult result = new MethodResult(scores.method(), scores, SelectStage.read(pairs).size(),
                    run.counts("select").path("solved").asDouble() / train.size(), loss, new int[0]);
            String report = Report.write(out, "ekt demo (smoke)", "generated test problems", List.of(result), null, null, config.toPrettyString());
            System.out.println(report);
        }
        return 0;
    }

    private Model trainStudent(RunDirectory run, Tokenizer tokenizer, Path pairs, List<double[]> loss) {
        Path dir = run.stageDir("student");
        String modelConfig = Jsonl.toLine(Jsonl.object().put("model_type", "gpt2").put("vocab_size", tokenizer.vocabSize())
                .put("n_positions", 512).put("n_embd", 64).put("n_layer", 2).put("n_head", 4)
                .put("bos_token_id", tokenizer.eosId()).put("eos_token_id", tokenizer.eosId()));
        Model student = Model.init(modelConfig, seed, "cpu");
        TrainConfig cfg = TrainConfig.builder().epochs(epochs).batchSize(8).accum(1).lr(3e-3).warmupSteps(5)
                .maxLength(320).mask(TrainConfig.Mask.NO_PADDING).seed(seed).logEvery(10).saveEvery(0).build();
        try (Trainer trainer = new Trainer(student, null, cfg, TrainingData.read(pairs, tokenizer::encode))) {
            Trainer.latestCheckpoint(dir).ifPresent(trainer::restore);
            trainer.fit(dir, new TrainListener() {
                @Override
                public void onStep(StepMetrics m) {
                    loss.add(new double[]{m.step(), m.loss()});
                }
            });
        }
        return student;
    }

    private static Scores score(String method, List<Problem> test, RunDirectory run) {
        Map<String, int[]> counts = new HashMap<>();
        for (var r : new Parts(run.stageDir("student-exec")).readAll())
            counts.merge(r.get("id").asText(), new int[]{1, r.path("correct").asBoolean() ? 1 : 0}, (a, b) -> new int[]{a[0] + b[0], a[1] + b[1]});
        Map<String, Boolean> greedy = new HashMap<>();
        for (var r : new Parts(run.stageDir("student-greedy-exec")).readAll()) greedy.put(r.get("id").asText(), r.path("correct").asBoolean());
        List<ProblemScore> scores = new ArrayList<>();
        for (Problem p : test) {
            int[] nc = counts.getOrDefault(p.id(), new int[]{0, 0});
            scores.add(new ProblemScore(p.id(), nc[0], nc[1], greedy.getOrDefault(p.id(), false)));
        }
        return new Scores(method, scores);
    }

    private static Map<String, Problem> byId(List<Problem> problems) {
        Map<String, Problem> m = new LinkedHashMap<>();
        for (Problem p : problems) m.put(p.id(), p);
        return m;
    }
}
