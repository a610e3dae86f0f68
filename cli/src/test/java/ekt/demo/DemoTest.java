package ekt.demo;

import ekt.records.Json;
import com.fasterxml.jackson.databind.JsonNode;
import ekt.records.Jsonl;
import ekt.testing.Python;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The embedded demo at reduced size, end to end through the real stages (teacher and student
 * trained by the native core, sampled by the engine, executed in the sandbox), and the
 * pipeline's promise that a killed run, re-run, ends exactly where an uninterrupted run ends.
 */
class DemoTest {

    @Test
    void reducedDemoEndToEndAndKilledRunResumesToTheSameResults(@TempDir Path dir) throws Exception {
        Path whole = dir.resolve("whole"), killed = dir.resolve("killed");
        DemoOptions options = DemoOptions.reduced(3);
        String sweep = new Demo(options, whole).sweep();
        Path experiment = whole.resolve("experiment");
        String report = Files.readString(experiment.resolve("report.md"));
        for (String method : List.of("| teacher (zero-shot prompt) |", "| student (zero-shot) |", "| EKT", "| KD", "| EI"))
            assertTrue(report.contains(method), "report row " + method + ":\n" + report);
        assertTrue(report.contains("Prompt caps (left-truncated): teacher <= 756 tokens"), report);
        if (Json.MAPPER.readTree(experiment.resolve("manifest.json").toFile()).at("/stages/select/counts/pairs").asInt() > 0) {  // else nothing is trained
            for (String line : List.of("EKT scored with checkpoint final", "KD scored with checkpoint final"))
                assertTrue(report.contains(line), line + ":\n" + report);
            for (String stage : List.of("ekt-train", "kd-train"))   // one dev point per eval_every_epochs
                assertEquals(options.studentEpochs() / options.evalEveryEpochs(), Jsonl.readStrict(experiment.resolve(stage).resolve("dev_eval.jsonl")).size());
        }
        for (int step : options.sweepSteps())
            assertTrue(sweep.contains("| " + step + " | "), "sweep row for teacher step " + step + ":\n" + sweep);
        assertTrue(Files.isRegularFile(whole.resolve("sweep/plots/sweep.png")));
        JsonNode stages = Json.MAPPER.readTree(experiment.resolve("manifest.json").toFile()).get("stages");
        stages.fields().forEachRemaining(s -> assertEquals("done", s.getValue().get("status").asText(), s.getKey()));
        assertTrue(Files.isRegularFile(experiment.resolve("plots/pass_at_k.png")));
        selectedProgramsReallyComputeTheirLabels(experiment, whole.resolve("data/train.jsonl"));

        killMidRun(killed, "setup/teacher-train/step-10/loss.json");            // mid-train: one checkpoint written
        killMidRun(killed, "experiment/teacher-samples/part-00000.jsonl");     // mid-sample: one part of two written
        new Demo(DemoOptions.reduced(3), killed).run();
        for (Path csv : files(experiment, ".csv"))
            assertEquals(Files.readString(csv), Files.readString(killed.resolve("experiment").resolve(csv.getFileName())), csv.getFileName().toString());
        for (Path part : files(experiment.resolve("teacher-samples"), ".jsonl"))  // texts and log-probabilities: the resumed teacher is bit-identical
            assertEquals(Files.readString(part), Files.readString(killed.resolve("experiment/teacher-samples").resolve(part.getFileName())));
        assertEquals(Files.readString(experiment.resolve("select/train.jsonl")), Files.readString(killed.resolve("experiment/select/train.jsonl")));
    }

    /** The selected programs, run by Python outside the sandbox, give their problems' labels. */
    private static void selectedProgramsReallyComputeTheirLabels(Path experiment, Path problems) throws IOException {
        var labels = new java.util.HashMap<String, Double>();
        for (Jsonl.Line l : Jsonl.readStrict(problems)) labels.put(l.value().get("id").asText(), l.value().get("answer").asDouble());
        List<String> programs = new ArrayList<>();
        List<Double> expected = new ArrayList<>();
        for (Jsonl.Line l : Jsonl.readStrict(experiment.resolve("select/train.jsonl"))) {
            programs.add(l.value().get("completion").asText());
            expected.add(labels.get(l.value().get("id").asText()));
        }
        Path file = Files.createTempFile(experiment, "programs", ".json");
        Files.writeString(file, Json.MAPPER.writeValueAsString(programs));
        JsonNode answers = Json.MAPPER.readTree(Python.run("run_programs.py", file.toString()));
        for (int i = 0; i < programs.size(); i++) {
            double a = answers.get(i).asDouble(), label = expected.get(i);
            assertTrue(Math.abs(a - label) <= 0.01 * Math.max(label, 1e-5), programs.get(i) + " gives " + a + ", label " + label);
        }
    }

    /** Starts (or resumes) {@code ekt demo --reduced} in a child JVM and kills it (SIGKILL) as soon as {@code marker} exists. */
    private static void killMidRun(Path out, String marker) throws Exception {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "ekt.cli.Main", "demo", "--reduced",
                "--seed", "3", "--out", out.toString()).redirectErrorStream(true).redirectOutput(out.resolveSibling("killed.log").toFile()).start();
        Path target = out.resolve(marker);
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(5);
        while (!Files.exists(target) && p.isAlive() && System.nanoTime() < deadline) Thread.sleep(20);
        p.destroyForcibly().waitFor();
        assertFalse(Files.exists(out.resolve("experiment/report.md")), "killed before the end");
        assertTrue(Files.exists(target), "the child got as far as " + marker + ": " + Files.readString(out.resolveSibling("killed.log")));
    }

    private static List<Path> files(Path dir, String suffix) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> p.toString().endsWith(suffix)).sorted().toList();
        }
    }
}
