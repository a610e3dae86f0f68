package ekt.bench;

import ekt.core.Model;
import ekt.train.StepMetrics;
import ekt.train.TrainBatch;
import ekt.train.TrainConfig;
import ekt.train.Trainer;
import ekt.train.TrainingExample;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * One full training step (forward, backward, clipping, AdamW) of the peers' shape in stack.md:
 * random-weight GPT-2, 6 layers, d=512, 8 heads, vocab 8192, B=8 sequences of T=128 real tokens,
 * loss on every next-token prediction. Prints the achieved model GFLOP/s (6 N per token plus
 * attention) and MFU against the machine's fp32 peak after each iteration.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
public class TrainBenchmark {
    static final String CONFIG = "{\"model_type\": \"gpt2\", \"vocab_size\": 8192, \"n_positions\": 1024, \"n_embd\": 512,"
            + " \"n_layer\": 6, \"n_head\": 8, \"eos_token_id\": 8191}";
    static final double PEAK_GFLOPS = 375;

    @Param({"8"})
    public int batch;
    @Param({"128"})
    public int seq;
    /** 1: one thread of work on the core's intra-op threads; 2: two data-parallel single-threaded workers. */
    @Param({"1", "2"})
    public int workers;

    private Model model;
    private Trainer trainer;
    private TrainBatch data;
    private double flops, seconds;
    private long tokens, steps, cpuStart = -1;
    private final com.sun.management.OperatingSystemMXBean os =
            (com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean();

    @Setup(Level.Trial)
    public void setup() {
        model = Model.init(CONFIG, 1, "cpu");
        Random r = new Random(1);
        List<TrainingExample> examples = new ArrayList<>();
        for (int i = 0; i < batch; i++) examples.add(new TrainingExample("b" + i, new int[0], r.ints(seq, 0, 8191).toArray()));
        TrainConfig config = TrainConfig.builder().maxLength(seq).batchSize(batch).accum(1).epochs(1_000_000).lr(1e-5)
                .warmupSteps(0).schedule(TrainConfig.Schedule.CONSTANT).mask(TrainConfig.Mask.NO_PADDING).workers(workers).build();
        trainer = new Trainer(model, null, config, examples);
        int[] all = new int[batch];
        for (int i = 0; i < batch; i++) all[i] = i;
        data = trainer.data().batch(all);
        System.out.println("\n  [train] core: " + trainer.info().replaceAll("\"parameters\":\\[.*?\\],", ""));
    }

    @Benchmark
    public double step() {
        if (cpuStart < 0) cpuStart = os.getProcessCpuTime();
        StepMetrics m = trainer.step(data);
        steps++;
        flops += m.flops();
        seconds += m.seconds();
        tokens += m.computedTokens();
        return m.loss();
    }

    @TearDown(Level.Iteration)
    public void report() {
        if (seconds == 0) return;
        double gflops = flops / seconds / 1e9;
        // Process CPU time (all threads) per step: less sensitive than wall time to other jobs on the machine.
        double cpu = (os.getProcessCpuTime() - cpuStart) / 1e9 / steps;
        System.out.printf(Locale.ROOT, "%n  [train] %.0f ms/step, %.0f tokens/s, %.1f model GFLOP/s, MFU %.1f%% of %.0f GFLOP/s;"
                        + " process CPU %.0f ms/step (%.1f GFLOP per CPU-second)%n",
                1e3 * seconds / steps, tokens / seconds, gflops, 100 * gflops / PEAK_GFLOPS, PEAK_GFLOPS, 1e3 * cpu, flops / steps / cpu / 1e9);
        flops = seconds = 0;
        tokens = steps = 0;
        cpuStart = -1;
    }

    @TearDown(Level.Trial)
    public void close() {
        trainer.close();
        model.close();
    }
}
