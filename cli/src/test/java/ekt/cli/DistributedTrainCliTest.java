package ekt.cli;

import ekt.records.Json;
import ekt.testing.Python;
import ekt.testing.Ranks;
import ekt.testing.Reference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * {@code ekt train} data parallel over c10d (Gloo on 127.0.0.1), each rank a separate JVM with the
 * variables torchrun sets: two ranks sharing every batch make the updates of one process with the
 * whole batch; a killed or hung rank fails the job within the timeout naming the rank and the
 * stage, and the re-launched job ends bit-identical to an uninterrupted one; and the real
 * {@code torchrun --no-python} (Debian's python3-torch) launches the same job.
 */
class DistributedTrainCliTest {
    private static final Pattern LOSS = Pattern.compile("\\[train\\] (\\d+)/\\d+ steps.*epoch \\d+  loss (\\d+\\.\\d{4})");
    private static final String TORCHRUN = "/usr/bin/torchrun";
    private static final int STEPS = 60;  // 24 examples / effective batch 8 = 3 steps per epoch, 20 epochs

    /** Float tolerance of two ranks against one process: only the order of additions differs. */
    private static final double WEIGHT_TOLERANCE = 1e-5, LOSS_TOLERANCE = 2e-4;  // losses are printed with 4 decimals

    private static String[] train(Path model, Path data, Path out, int batch, int accum, String... more) {
        return train(model, data, out, 20, batch, accum, more);
    }

    private static String[] train(Path model, Path data, Path out, int epochs, int batch, int accum, String... more) {
        List<String> a = new ArrayList<>(List.of("train", "--model", model.toString(), "--data", data.toString(), "--out", out.toString(),
                "--epochs", String.valueOf(epochs), "--batch", String.valueOf(batch), "--accum", String.valueOf(accum), "--max-length", "16", "--warmup", "2",
                "--lr", "1e-3", "--log-every", "1", "--save-every", "10", "--mask", "completion-only", "--seed", "5"));
        a.addAll(List.of(more));
        return a.toArray(String[]::new);
    }

    @Test
    void twoRanksTrainAsOneProcessWithTheWholeBatchAndSurviveAKilledRank(@TempDir Path dir) throws Exception {
        Path model = Reference.make(dir.resolve("m"), "gpt_neo", "--positions", "32");
        Path data = TrainCliTest.data(dir, 24), logs = dir.resolve("logs");
        Ranks.Job one = Ranks.start(1, logs, "one", Map.of(), train(model, data, dir.resolve("one"), 8, 1));
        one.succeed(300);
        // Two ranks x micro-batch 2 x 2 micro-batches = the same effective batch of 8.
        Ranks.Job two = Ranks.start(2, logs, "two", Map.of(), train(model, data, dir.resolve("two"), 4, 2));
        two.succeed(300);

        double[] lossOne = losses(one.log(0)), lossTwo = losses(two.log(0));
        assertEquals(STEPS, lossOne.length, one.log(0));
        assertEquals(STEPS, lossTwo.length, two.log(0));
        for (int i = 0; i < STEPS; i++) assertEquals(lossOne[i], lossTwo[i], LOSS_TOLERANCE, "loss of step " + (i + 1));
        assertTrue(lossTwo[STEPS - 1] < lossTwo[0] - 0.5, "the model learns: " + lossTwo[0] + " -> " + lossTwo[STEPS - 1]);
        assertFalse(LOSS.matcher(two.log(1)).find(), "only rank 0 reports progress:\n" + two.log(1));
        double diff = maxAbsDiff(dir.resolve("one/step-" + STEPS), dir.resolve("two/step-" + STEPS));
        assertTrue(diff <= WEIGHT_TOLERANCE, "weights of 2 ranks vs 1 process differ by " + diff);

        // Rank 1 killed mid-run: rank 0 fails within the timeout, naming rank 1 and the step.
        Path killed = dir.resolve("killed");
        Ranks.Job job = Ranks.start(2, logs, "killed", Map.of("EKT_DIST_TIMEOUT", "30"), train(model, data, killed, 4, 2));
        awaitFile(killed.resolve("step-10/trainer_state.json"), job);
        job.processes().get(1).destroyForcibly().waitFor();
        long t0 = System.nanoTime();
        List<Integer> codes = job.await(60);
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertNotEquals(0, codes.get(0), job.log(0));
        assertTrue(seconds < 30, "rank 0 noticed only after " + seconds + " s");
        assertTrue(job.log(0).matches("(?s).*distributed job failed at stage '(train step \\d+|checkpoint .*step-\\d+)' on rank 0 of 2: "
                + "rank 1 (did not arrive|stopped during it).*"), job.log(0));
        assertFalse(Files.exists(killed.resolve("step-" + STEPS)), "killed before the end");

        // The same command with --resume on both ranks finishes where the uninterrupted job did, bit for bit.
        Ranks.start(2, logs, "resumed", Map.of(), train(model, data, killed, 4, 2, "--resume")).succeed(300);
        assertArrayEquals(Files.readAllBytes(dir.resolve("two/step-" + STEPS + "/model.safetensors")),
                Files.readAllBytes(killed.resolve("step-" + STEPS + "/model.safetensors")));
    }

    @Test
    void aHungRankFailsTheJobWithinTheTimeout(@TempDir Path dir) throws Exception {
        Path model = Reference.make(dir.resolve("m"), "gpt_neo", "--positions", "32");
        Path data = TrainCliTest.data(dir, 24), out = dir.resolve("hung");
        Ranks.Job job = Ranks.start(2, dir.resolve("logs"), "hung", Map.of("EKT_DIST_TIMEOUT", "5"), train(model, data, out, 4, 2));
        awaitFile(out.resolve("step-10/trainer_state.json"), job);
        Process hung = job.processes().get(1);
        new ProcessBuilder("kill", "-STOP", String.valueOf(hung.pid())).start().waitFor();
        try {
            Process leader = job.processes().get(0);
            assertTrue(leader.waitFor(40, TimeUnit.SECONDS), "rank 0 still runs 40 s after rank 1 stopped (timeout 5 s):\n" + job.log(0));
            assertNotEquals(0, leader.exitValue());
            assertTrue(job.log(0).matches("(?s).*distributed job failed at stage '(train step \\d+|checkpoint .*step-\\d+)' on rank 0 of 2: "
                    + "rank 1 (did not arrive \\(it died, or hung past the 5 s timeout\\)|stopped during it).*"), job.log(0));
        } finally {
            hung.destroyForcibly().waitFor();
        }
    }

    @Test
    void realTorchrunLaunchesTheRanks(@TempDir Path dir) throws Exception {
        assumeTrue(Files.isExecutable(Path.of(TORCHRUN)),
                "Debian's torchrun (apt package python3-torch, installed by scripts/env.sh) is absent: not launching through it");
        Path model = Reference.make(dir.resolve("m"), "gpt_neo", "--positions", "32");
        Path data = TrainCliTest.data(dir, 24);
        String[] args = train(model, data, dir.resolve("torchrun"), 2, 4, 2);
        // torch 1.13 spells its options with underscores. Debian 12's torchrun (torch 1.13 on Python 3.11)
        // crashes in Std.from_str on its own defaults '--redirects 0 --tee 0' ('NoneType' object has no
        // attribute 'get': Python 3.11's IntFlag no longer lists the zero member NONE); a mapping for a
        // local rank that does not exist (9) parses, and leaves every real rank at NONE, the default.
        List<String> cmd = new ArrayList<>(List.of(TORCHRUN, "--no_python", "--redirects", "9:1", "--tee", "9:1", "--nproc_per_node", "2",
                "--master_addr", "127.0.0.1", "--master_port", String.valueOf(Ranks.freePort())));
        cmd.addAll(Ranks.cli(args));
        Path log = dir.resolve("torchrun.log");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
        Ranks.environment(pb.environment());
        Process p = pb.start();
        assertTrue(p.waitFor(300, TimeUnit.SECONDS), "torchrun still running:\n" + Files.readString(log));
        assertEquals(0, p.exitValue(), Files.readString(log));

        // The same job with the variables set directly: torchrun's ranks made the same 6 steps (2 epochs
        // of 3, reported once, by rank 0) and the same weights, bit for bit.
        Ranks.Job direct = Ranks.start(2, dir.resolve("logs"), "direct", Map.of(), train(model, data, dir.resolve("direct"), 2, 4, 2));
        direct.succeed(300);
        double[] viaTorchrun = losses(Files.readString(log));
        assertEquals(6, viaTorchrun.length, Files.readString(log));
        assertArrayEquals(losses(direct.log(0)), viaTorchrun, Files.readString(log));
        assertArrayEquals(Files.readAllBytes(dir.resolve("direct/step-6/model.safetensors")),
                Files.readAllBytes(dir.resolve("torchrun/step-6/model.safetensors")));
    }

    /** The loss of every reported step, in step order (a step the progress line repeats at its end counts once). */
    private static double[] losses(String log) {
        java.util.TreeMap<Integer, Double> byStep = new java.util.TreeMap<>();
        Matcher m = LOSS.matcher(log);
        while (m.find()) byStep.put(Integer.parseInt(m.group(1)), Double.parseDouble(m.group(2)));
        return byStep.values().stream().mapToDouble(Double::doubleValue).toArray();
    }

    private static double maxAbsDiff(Path a, Path b) throws Exception {
        return Json.MAPPER.readTree(Python.run("hf_reference.py", "compare", "--a", a.toString(), "--b", b.toString())).get("max_abs_diff").asDouble();
    }

    private static void awaitFile(Path file, Ranks.Job job) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!Files.exists(file) && job.processes().stream().allMatch(Process::isAlive) && System.nanoTime() < deadline) Thread.sleep(10);
        assertTrue(Files.exists(file), "the job got to " + file + ":\n" + job.logsText());
    }
}
