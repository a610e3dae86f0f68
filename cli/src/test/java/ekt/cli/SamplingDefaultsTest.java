package ekt.cli;

import ekt.core.SamplingOptions;
import ekt.pipeline.RunConfig;
import ekt.serve.ServeSettings;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The sampling defaults are defined once: {@code ekt sample}'s options start from
 * {@link SamplingOptions.Builder}'s, {@code ekt serve}'s from {@link ServeSettings#defaults} (whose
 * engine sizing is again the builder's), and {@code --help} shows those values. A config's teacher
 * and evaluation sample with the paper's settings (paper.md §2, §5), which its sections define.
 */
class SamplingDefaultsTest {
    private static final SamplingOptions BUILDER = SamplingOptions.builder().build();

    @Test
    void sampleCommandOptionsDefaultToTheBuilders() {
        SampleCommand c = new SampleCommand();
        CommandLine cli = new CommandLine(c);
        cli.parseArgs("--model", "m", "--prompts", "p.jsonl", "--out", "o.jsonl");
        assertEquals(BUILDER.n(), c.n);
        assertEquals(BUILDER.temperature(), c.temperature);
        assertEquals(BUILDER.topK(), c.topK);
        assertEquals(BUILDER.topP(), c.topP);
        assertEquals(BUILDER.maxNewTokens(), c.maxNewTokens);
        assertEquals(BUILDER.seed(), c.seed);
        assertEquals(BUILDER.maxBatch(), c.batch);
        assertEquals(BUILDER.memoryBudgetMb(), c.memoryMb);
        assertEquals(BUILDER.sharePrompt(), !c.noSharePrompt);
        String help = cli.getUsageMessage();
        assertTrue(help.contains("(default: " + BUILDER.maxNewTokens() + ")") && help.contains("(default: " + BUILDER.maxBatch() + ")"), help);
    }

    @Test
    void serveCommandOptionsDefaultToTheServersAndTheEnginesSizing() {
        ServeCommand c = new ServeCommand();
        new CommandLine(c).parseArgs("--model", "m");
        ServeSettings d = ServeSettings.defaults("m");
        assertEquals(d.maxBatch(), c.maxBatch);
        assertEquals(BUILDER.maxBatch(), d.maxBatch());
        assertEquals(BUILDER.memoryBudgetMb(), c.memoryBudgetMb);
        assertEquals(d.maxRequests(), c.maxRequests);
        assertEquals(d.maxTokens(), c.maxTokens);
        assertEquals(d.maxN(), c.maxN);
        assertEquals(d.maxTotalTokens(), c.maxTotalTokens);
        assertEquals(d.http().maxBodyBytes(), c.maxBodyMb << 20);
    }

    @Test
    void aConfigsTeacherAndEvaluationSampleThePapersWay() {
        SamplingOptions teacher = RunConfig.TeacherConfig.builder("engine").model("m").build().samplingOptions();
        assertEquals(BUILDER.toBuilder().n(100).temperature(0.6).topK(50).maxNewTokens(150).seed(20).build().toJson(), teacher.toJson());
        RunConfig.Evaluation eval = RunConfig.Evaluation.builder().build();
        assertEquals(BUILDER.toBuilder().n(100).temperature(0.6).topK(50).maxNewTokens(150).seed(1).build().toJson(),
                eval.sampledOptions().toJson());
        assertEquals(SamplingOptions.greedy(150).toJson(), eval.greedyOptions().toJson());
    }
}
